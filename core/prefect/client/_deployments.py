"""Deployment and schedule methods of the client (Prefect 3 names).

The deployment schemas are imported inside the methods: `import prefect` and the client
module stay cheap for flow processes that never touch a deployment.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from prefect.client._base import BaseClient, _json, _jsonable
from prefect.exceptions import ObjectNotFound

if TYPE_CHECKING:
    from prefect.schemas.deployments import (
        ConcurrencyOptions,
        Deployment,
        DeploymentFilter,
        DeploymentPaginationResponse,
        DeploymentSchedule,
        DeploymentScheduleCreate,
        DeploymentSort,
        DeploymentUpdate,
    )
    from prefect.schemas.filters import FlowFilter, FlowRunFilter, TaskRunFilter
    from prefect.schemas.objects import FlowRun, State
    from prefect.schemas.schedules import SCHEDULE_TYPES
    from prefect.schemas.work_pools import WorkPoolFilter, WorkQueueFilter


def _uuid(value: uuid.UUID | str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValueError(f"Invalid deployment ID: {value!r}") from None


def _filter_body(
    flow_filter: FlowFilter | None,
    flow_run_filter: FlowRunFilter | None,
    task_run_filter: TaskRunFilter | None,
    deployment_filter: DeploymentFilter | None,
    work_pool_filter: WorkPoolFilter | None,
    work_queue_filter: WorkQueueFilter | None,
) -> dict[str, Any]:
    return {
        "flows": _json(flow_filter),
        "flow_runs": _json(flow_run_filter),
        "task_runs": _json(task_run_filter),
        "deployments": _json(deployment_filter),
        "work_pools": _json(work_pool_filter),
        "work_pool_queues": _json(work_queue_filter),
    }


def _schedule_create(item: Any) -> DeploymentScheduleCreate:
    """A schedule to add: a DeploymentScheduleCreate, or Prefect's (schedule, active) pair."""
    from prefect.schemas.deployments import DeploymentScheduleCreate

    if isinstance(item, DeploymentScheduleCreate):
        return item
    if isinstance(item, tuple):
        schedule, active = item
        return DeploymentScheduleCreate(schedule=schedule, active=active)
    return DeploymentScheduleCreate(schedule=item)


class DeploymentClientMixin(BaseClient):
    async def create_deployment(
        self,
        flow_id: uuid.UUID,
        name: str,
        version: str | None = None,
        schedules: Sequence[DeploymentScheduleCreate] | None = None,
        concurrency_limit: int | None = None,
        concurrency_options: ConcurrencyOptions | None = None,
        parameters: dict[str, Any] | None = None,
        description: str | None = None,
        work_queue_name: str | None = None,
        work_pool_name: str | None = None,
        tags: Iterable[str] | None = None,
        storage_document_id: uuid.UUID | None = None,
        path: str | None = None,
        entrypoint: str | None = None,
        infrastructure_document_id: uuid.UUID | None = None,
        parameter_openapi_schema: dict[str, Any] | None = None,
        paused: bool | None = None,
        pull_steps: list[dict[str, Any]] | None = None,
        enforce_parameter_schema: bool | None = None,
        job_variables: dict[str, Any] | None = None,
        labels: dict[str, Any] | None = None,
    ) -> uuid.UUID:
        """Create the deployment, or update the flow's deployment of that name; its id."""
        from prefect.schemas.deployments import DeploymentCreate

        fields: dict[str, Any] = {
            "flow_id": flow_id,
            "name": name,
            "version": version,
            "description": description,
            "work_queue_name": work_queue_name,
            "work_pool_name": work_pool_name,
            "storage_document_id": storage_document_id,
            "path": path,
            "entrypoint": entrypoint,
            "infrastructure_document_id": infrastructure_document_id,
            "pull_steps": pull_steps,
            "concurrency_limit": concurrency_limit,
            "concurrency_options": concurrency_options,
            "schedules": [_schedule_create(s) for s in schedules or []],
            "parameters": _jsonable(parameters or {}),
            "tags": list(tags or []),
            "labels": labels or {},
            "job_variables": job_variables or {},
        }
        # left out unless given, so that the server's defaults apply
        for key, value in (
            ("parameter_openapi_schema", parameter_openapi_schema),
            ("paused", paused),
            ("enforce_parameter_schema", enforce_parameter_schema),
        ):
            if value is not None:
                fields[key] = value
        action = DeploymentCreate.model_validate(fields)
        data = await self._post("/deployments/", action.model_dump(mode="json", exclude_unset=True))
        return uuid.UUID(data["id"])

    async def read_deployment(self, deployment_id: uuid.UUID | str) -> Deployment:
        from prefect.schemas.deployments import Deployment

        return Deployment.model_validate(await self._get(f"/deployments/{_uuid(deployment_id)}"))

    async def read_deployment_by_name(self, name: str) -> Deployment:
        """The deployment named "flow name/deployment name"."""
        from prefect.schemas.deployments import Deployment

        flow_name, _, deployment_name = name.rpartition("/")
        if not flow_name or not deployment_name:
            raise ValueError(f"Expected a name like 'flow/deployment', got {name!r}")
        path = f"/deployments/name/{quote(flow_name, safe='')}/{quote(deployment_name, safe='')}"
        try:
            data = await self._get(path)
        except ObjectNotFound:
            raise ObjectNotFound(f"Deployment {name!r} not found") from None
        return Deployment.model_validate(data)

    async def read_deployments(
        self,
        *,
        flow_filter: FlowFilter | None = None,
        flow_run_filter: FlowRunFilter | None = None,
        task_run_filter: TaskRunFilter | None = None,
        deployment_filter: DeploymentFilter | None = None,
        work_pool_filter: WorkPoolFilter | None = None,
        work_queue_filter: WorkQueueFilter | None = None,
        limit: int | None = None,
        sort: DeploymentSort | None = None,
        offset: int = 0,
    ) -> list[Deployment]:
        from prefect.schemas.deployments import Deployment

        body = _filter_body(
            flow_filter,
            flow_run_filter,
            task_run_filter,
            deployment_filter,
            work_pool_filter,
            work_queue_filter,
        )
        body.update(limit=limit, offset=offset, sort=sort.value if sort is not None else None)
        return [Deployment.model_validate(d) for d in await self._post("/deployments/filter", body)]

    async def count_deployments(
        self,
        *,
        flow_filter: FlowFilter | None = None,
        deployment_filter: DeploymentFilter | None = None,
        work_pool_filter: WorkPoolFilter | None = None,
    ) -> int:
        body = _filter_body(flow_filter, None, None, deployment_filter, work_pool_filter, None)
        return int(await self._post("/deployments/count", body))

    async def paginate_deployments(
        self,
        *,
        flow_filter: FlowFilter | None = None,
        deployment_filter: DeploymentFilter | None = None,
        work_pool_filter: WorkPoolFilter | None = None,
        sort: DeploymentSort | None = None,
        limit: int | None = None,
        page: int = 1,
    ) -> DeploymentPaginationResponse:
        from prefect.schemas.deployments import DeploymentPaginationResponse

        body = _filter_body(flow_filter, None, None, deployment_filter, work_pool_filter, None)
        body.update(page=page, limit=limit, sort=sort.value if sort is not None else None)
        data = await self._post("/deployments/paginate", body)
        return DeploymentPaginationResponse.model_validate(data)

    async def update_deployment(
        self, deployment_id: uuid.UUID | str, deployment: DeploymentUpdate
    ) -> None:
        """Change the fields set on `deployment` (fields never set are left alone)."""
        body = deployment.model_dump(mode="json", exclude_unset=True)
        await self._patch(f"/deployments/{_uuid(deployment_id)}", body)

    async def delete_deployment(self, deployment_id: uuid.UUID | str) -> None:
        """Delete the deployment with its schedules and its future auto-scheduled runs."""
        await self._delete(f"/deployments/{_uuid(deployment_id)}")

    async def delete_deployments(
        self, *, deployment_filter: DeploymentFilter | None = None, limit: int | None = None
    ) -> list[uuid.UUID]:
        """Delete up to `limit` (at most 200) deployments matching the filter; their ids."""
        body = {"deployments": _json(deployment_filter), "limit": limit}
        data = await self._post("/deployments/bulk_delete", body)
        return [uuid.UUID(i) for i in data["deleted"]]

    async def create_flow_run_from_deployment(
        self,
        deployment_id: uuid.UUID | str,
        *,
        parameters: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
        state: State | None = None,
        name: str | None = None,
        tags: Iterable[str] | None = None,
        idempotency_key: str | None = None,
        parent_task_run_id: uuid.UUID | None = None,
        work_queue_name: str | None = None,
        job_variables: dict[str, Any] | None = None,
        labels: dict[str, Any] | None = None,
    ) -> FlowRun:
        """A run of the deployment: its parameters and tags merged with these.

        Without `state` the run is Scheduled for now; with a repeated `idempotency_key`
        the run made the first time is returned.
        """
        from prefect.schemas.actions import StateCreate
        from prefect.schemas.deployments import DeploymentFlowRunCreate
        from prefect.schemas.objects import FlowRun

        action = DeploymentFlowRunCreate(
            parameters=_jsonable(parameters or {}),
            context=_jsonable(context or {}),
            state=StateCreate.from_state(state) if state is not None else None,
            name=name,
            tags=list(tags or []),
            idempotency_key=idempotency_key,
            parent_task_run_id=parent_task_run_id,
            work_queue_name=work_queue_name,
            job_variables=job_variables,
            labels=labels or {},
        )
        path = f"/deployments/{_uuid(deployment_id)}/create_flow_run"
        return FlowRun.model_validate(await self._post(path, _json(action)))

    # -- schedules ----------------------------------------------------------------------

    async def create_deployment_schedules(
        self,
        deployment_id: uuid.UUID | str,
        schedules: Sequence[tuple[SCHEDULE_TYPES, bool] | DeploymentScheduleCreate],
    ) -> list[DeploymentSchedule]:
        """Add schedules, given as (schedule, active) pairs or DeploymentScheduleCreate."""
        from prefect.schemas.deployments import DeploymentSchedule

        body = [_json(_schedule_create(item)) for item in schedules]
        data = await self._post(f"/deployments/{_uuid(deployment_id)}/schedules", body)
        return [DeploymentSchedule.model_validate(s) for s in data]

    async def read_deployment_schedules(
        self, deployment_id: uuid.UUID | str
    ) -> list[DeploymentSchedule]:
        from prefect.schemas.deployments import DeploymentSchedule

        data = await self._get(f"/deployments/{_uuid(deployment_id)}/schedules")
        return [DeploymentSchedule.model_validate(s) for s in data]

    async def update_deployment_schedule(
        self,
        deployment_id: uuid.UUID | str,
        schedule_id: uuid.UUID,
        active: bool | None = None,
        schedule: SCHEDULE_TYPES | None = None,
    ) -> None:
        """Switch a schedule on or off, or give it a new timetable."""
        from prefect.schemas.deployments import DeploymentScheduleUpdate

        fields: dict[str, Any] = {}
        if active is not None:
            fields["active"] = active
        if schedule is not None:
            fields["schedule"] = schedule
        update = DeploymentScheduleUpdate.model_validate(fields)
        path = f"/deployments/{_uuid(deployment_id)}/schedules/{schedule_id}"
        await self._patch(path, update.model_dump(mode="json", exclude_unset=True))

    async def delete_deployment_schedule(
        self, deployment_id: uuid.UUID | str, schedule_id: uuid.UUID
    ) -> None:
        await self._delete(f"/deployments/{_uuid(deployment_id)}/schedules/{schedule_id}")

    async def pause_deployment(self, deployment_id: uuid.UUID | str) -> None:
        """Stop scheduling runs; the future auto-scheduled ones are removed."""
        await self._post(f"/deployments/{_uuid(deployment_id)}/pause_deployment")

    async def resume_deployment(self, deployment_id: uuid.UUID | str) -> None:
        await self._post(f"/deployments/{_uuid(deployment_id)}/resume_deployment")

    async def get_scheduled_flow_runs_for_deployments(
        self,
        deployment_ids: Iterable[uuid.UUID],
        scheduled_before: datetime | None = None,
        limit: int | None = None,
    ) -> list[FlowRun]:
        """Scheduled runs of these deployments due by `scheduled_before`, soonest first."""
        from prefect.schemas.objects import FlowRun

        body = {
            "deployment_ids": [str(i) for i in deployment_ids],
            "scheduled_before": scheduled_before.isoformat() if scheduled_before else None,
            "limit": limit,
        }
        data = await self._post("/deployments/get_scheduled_flow_runs", body)
        return [FlowRun.model_validate(r) for r in data]
