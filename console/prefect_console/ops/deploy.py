"""Register deployments: `prefect deploy` and `prefect deployment apply`.

Both hand a spec made by `prefect.deployments.build` (from options, a YAML file or
`prefect.yaml`) to `register_spec`, which checks the work pool exists first (Prefect 3
refuses to deploy to a missing pool; a worker creates its pool, `deploy` does not),
creates the flow by name, then creates or updates the deployment (the server upserts on
flow and name).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from prefect_console.ops.errors import ConsoleError, NotFound

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient

# fields of a spec that are not arguments of `create_deployment`
_NOT_FIELDS = {"flow_name", "name", "schedules", "concurrency_options"}


@dataclass(frozen=True)
class Registered:
    deployment_id: uuid.UUID
    full_name: str  # "flow/deployment"
    work_pool_name: str | None


async def register_spec(client: PrefectClient, spec: dict[str, Any]) -> Registered:
    """Create or update the deployment `spec` describes; its id and full name."""
    from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError
    from prefect.schemas.deployments import ConcurrencyOptions, DeploymentScheduleCreate

    pool = spec.get("work_pool_name")
    if pool:
        try:
            await client.read_work_pool(pool)
        except ObjectNotFound:
            raise NotFound(
                f"Work pool {pool!r} does not exist: create it with "
                f"`prefect work-pool create {pool} -t process` or start a worker for it"
            ) from None
    try:
        schedules = [
            DeploymentScheduleCreate.model_validate(s) for s in spec.get("schedules") or []
        ]
        options = spec.get("concurrency_options")
        concurrency = ConcurrencyOptions.model_validate(options) if options else None
    except ValueError as exc:
        raise ConsoleError(f"Deployment {spec.get('name')!r}: {exc}", usage=True) from None
    fields = {k: v for k, v in spec.items() if k not in _NOT_FIELDS}
    flow_id = await client.create_flow_from_name(spec["flow_name"])
    try:
        deployment_id = await client.create_deployment(
            flow_id,
            spec["name"],
            schedules=schedules,
            concurrency_options=concurrency,
            **fields,
        )
    except PrefectHTTPStatusError as exc:
        raise ConsoleError(f"The API refused the deployment: {exc}") from None
    return Registered(deployment_id, f"{spec['flow_name']}/{spec['name']}", pool)
