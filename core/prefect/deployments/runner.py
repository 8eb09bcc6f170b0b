"""A deployment made from a flow object: `flow.to_deployment(...)`, `.apply()`, `deploy`.

    deployment = my_flow.to_deployment("nightly", cron="0 2 * * *", parameters={"n": 3})
    deployment.apply()                                   # registered, no work pool: `serve`
    my_flow.deploy("nightly", work_pool_name="local")    # registered for a worker of "local"

The fields are those `prefect deploy` builds (`prefect.deployments.build.build_spec`): the
entrypoint is the flow's function in its source file, `path` that file's folder and the
pull step `set_working_directory` to it, so a worker on this machine (or `serve`) loads
the same code. A flow loaded with `Flow.from_source` keeps the source it came from: a git
repository becomes a `git_clone` pull step. As in Prefect 3, `deploy` needs a work pool
that exists; `image=` is recorded as the `image` job variable (nothing is built or
pushed here).
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Iterable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.flows import Flow

__all__ = ["RunnerDeployment", "adeploy", "deploy", "register"]

# fields of a spec that are not arguments of `create_deployment`
_NOT_FIELDS = {"flow_name", "name", "schedules", "concurrency_options"}


class RunnerDeployment:
    """A deployment of a flow, ready to register (`apply`) or to `serve`."""

    def __init__(self, spec: dict[str, Any], flow: Flow[..., Any] | None = None) -> None:
        self.spec = spec
        self.flow = flow

    def __getattr__(self, name: str) -> Any:
        # the fields read like attributes, as on Prefect's model (`.name`, `.schedules`)
        spec = self.__dict__.get("spec") or {}
        if name in spec:
            return spec[name]
        raise AttributeError(f"RunnerDeployment has no attribute {name!r}")

    @property
    def full_name(self) -> str:
        return f"{self.spec['flow_name']}/{self.spec['name']}"

    def __repr__(self) -> str:
        return f"RunnerDeployment(name={self.full_name!r})"

    @classmethod
    def from_flow(
        cls,
        flow: Flow[..., Any],
        name: str,
        *,
        interval: float | timedelta | Iterable[float | timedelta] | None = None,
        cron: str | Iterable[str] | None = None,
        rrule: str | Iterable[str] | None = None,
        schedule: Any = None,
        schedules: Sequence[Any] | None = None,
        paused: bool | None = None,
        parameters: dict[str, Any] | None = None,
        tags: Iterable[str] | None = None,
        description: str | None = None,
        version: str | None = None,
        work_pool_name: str | None = None,
        work_queue_name: str | None = None,
        job_variables: dict[str, Any] | None = None,
        concurrency_limit: int | None = None,
        enforce_parameter_schema: bool = True,
        **_ignored: Any,
    ) -> RunnerDeployment:
        from prefect.deployments.build import build_spec, schedule_dicts

        spec = build_spec(
            _entrypoint_of(flow),
            name=name,
            work_pool_name=work_pool_name,
            work_queue_name=work_queue_name,
            schedules=[
                *schedule_dicts(
                    cron=_listed(cron),
                    interval=[_seconds(i) for i in _listed(interval)],
                    rrule=_listed(rrule),
                ),
                *(
                    _schedule_dict(s)
                    for s in [*([schedule] if schedule else []), *(schedules or [])]
                ),
            ],
            parameters=parameters,
            job_variables=job_variables,
            tags=list(tags or []),
            version=version or flow.version,
            description=description,
            concurrency_limit=concurrency_limit,
            enforce_parameter_schema=enforce_parameter_schema,
            flow=flow,
        )
        spec["flow_name"] = flow.name
        source = getattr(flow, "_deployment_source", None)
        if source is not None:
            spec.update(source)
        if paused is not None:
            spec["paused"] = paused
        return cls(spec, flow)

    async def aapply(
        self,
        work_pool_name: str | None = None,
        image: str | None = None,
        client: PrefectClient | None = None,
    ) -> uuid.UUID:
        """Register (create or update) the deployment; its id."""
        from prefect.engine.user_api import call_async

        spec = dict(self.spec)
        if work_pool_name is not None:
            spec["work_pool_name"] = work_pool_name
        if image is not None:
            spec["job_variables"] = {**(spec.get("job_variables") or {}), "image": image}
        if client is not None:
            return await register(client, spec)
        return await call_async(lambda api: register(api, spec))

    def apply(
        self,
        work_pool_name: str | None = None,
        image: str | None = None,
        _sync: bool | None = None,
    ) -> Any:
        """`aapply` from sync code (the id), or a coroutine of it from async code."""
        from prefect.client._loop import run_sync
        from prefect.variables import in_async_context

        coro = self.aapply(work_pool_name, image)
        if (not in_async_context()) if _sync is None else _sync:
            return run_sync(coro)
        return coro


async def register(client: PrefectClient, spec: dict[str, Any]) -> uuid.UUID:
    """Create or update the deployment `spec` (from `build_spec`) describes; its id.

    A named work pool must exist (ValueError otherwise), as in Prefect 3."""
    from prefect.exceptions import ObjectNotFound
    from prefect.schemas.deployments import ConcurrencyOptions, DeploymentScheduleCreate

    pool = spec.get("work_pool_name")
    if pool:
        try:
            await client.read_work_pool(pool)
        except ObjectNotFound:
            raise ValueError(
                f"Could not find work pool {pool!r}: create it first "
                f"(`prefect work-pool create {pool} -t process`)"
            ) from None
    options = spec.get("concurrency_options")
    fields = {k: v for k, v in spec.items() if k not in _NOT_FIELDS}
    return await client.create_deployment(
        await client.create_flow_from_name(spec["flow_name"]),
        spec["name"],
        schedules=[DeploymentScheduleCreate.model_validate(s) for s in spec.get("schedules") or []],
        concurrency_options=ConcurrencyOptions.model_validate(options) if options else None,
        **fields,
    )


async def adeploy(
    *deployments: RunnerDeployment,
    work_pool_name: str | None = None,
    image: str | None = None,
    **_ignored: Any,
) -> list[uuid.UUID]:
    """Register each deployment for `work_pool_name` (or the pool each names); their ids."""
    ids = []
    for deployment in deployments:
        if not (work_pool_name or deployment.spec.get("work_pool_name")):
            raise ValueError(
                f"Deployment {deployment.full_name!r} needs a work pool: pass work_pool_name="
            )
        ids.append(await deployment.aapply(work_pool_name=work_pool_name, image=image))
    return ids


def deploy(
    *deployments: RunnerDeployment,
    work_pool_name: str | None = None,
    image: str | None = None,
    _sync: bool | None = None,
    **_ignored: Any,
) -> Any:
    """`prefect.deploy(*deployments, work_pool_name=...)`: `adeploy` from sync or async code."""
    from prefect.client._loop import run_sync
    from prefect.variables import in_async_context

    coro = adeploy(*deployments, work_pool_name=work_pool_name, image=image)
    if (not in_async_context()) if _sync is None else _sync:
        return run_sync(coro)
    return coro


def _entrypoint_of(flow: Flow[..., Any]) -> str:
    """`file.py:function` of the flow's function (its source file, absolute)."""
    given = getattr(flow, "_entrypoint", None)
    if given:
        return str(given)
    fn = flow.fn
    if "<locals>" in getattr(fn, "__qualname__", ""):
        raise ValueError(
            f"Flow {flow.name!r} is defined inside a function: a deployment needs a flow "
            "that can be imported from its module"
        )
    try:
        file = inspect.getsourcefile(fn)
    except TypeError:
        file = None
    if not file or not Path(file).is_file():
        raise ValueError(f"Flow {flow.name!r} has no source file to make a deployment from")
    return f"{Path(file).resolve()}:{fn.__name__}"


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str | int | float | timedelta):
        return [value]
    return list(value)


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _schedule_dict(value: Any) -> dict[str, Any]:
    """A schedule given as an object (IntervalSchedule, DeploymentScheduleCreate, dict)."""
    from prefect.schemas.deployments import DeploymentScheduleCreate

    if isinstance(value, dict):
        value = DeploymentScheduleCreate.model_validate(
            value if "schedule" in value else {"schedule": value}
        )
    if not isinstance(value, DeploymentScheduleCreate):
        value = DeploymentScheduleCreate(schedule=value)
    dumped: dict[str, Any] = value.model_dump(mode="json", exclude_unset=True)
    return dumped
