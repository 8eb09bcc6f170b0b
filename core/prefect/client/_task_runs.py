"""Task-run methods of the client (Prefect 3 names)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from prefect.client._base import BaseClient, _batch_adapter, _filter_body, _json
from prefect.schemas.actions import StateCreate, TaskRunCreate, TaskRunReport, TaskRunUpdate
from prefect.schemas.filters import FlowFilter, FlowRunFilter, TaskRunFilter
from prefect.schemas.objects import State, TaskRun
from prefect.schemas.responses import OrchestrationResult, TaskRunPaginationResponse
from prefect.schemas.sorting import TaskRunSort


class TaskRunClientMixin(BaseClient):
    async def create_task_run(
        self,
        task: Any,
        flow_run_id: uuid.UUID | None,
        dynamic_key: str,
        name: str | None = None,
        extra_tags: Iterable[str] | None = None,
        state: State | None = None,
        task_inputs: dict[str, Any] | None = None,
        *,
        id: uuid.UUID | None = None,
        task_key: str | None = None,
    ) -> TaskRun:
        tags = [*(getattr(task, "tags", None) or []), *(extra_tags or [])]
        action = TaskRunCreate(
            id=id,
            name=name,
            flow_run_id=flow_run_id,
            task_key=task_key or getattr(task, "task_key", None) or task.name,
            dynamic_key=dynamic_key,
            task_version=getattr(task, "version", None),
            tags=sorted(set(tags)),
            task_inputs=task_inputs or {},
            state=StateCreate.from_state(state) if state is not None else None,
        )
        return TaskRun.model_validate(await self._post("/task_runs/", _json(action)))

    async def read_task_run(self, task_run_id: uuid.UUID | str) -> TaskRun:
        return TaskRun.model_validate(await self._get(f"/task_runs/{task_run_id}"))

    async def read_task_runs(
        self,
        *,
        flow_filter: FlowFilter | None = None,
        flow_run_filter: FlowRunFilter | None = None,
        task_run_filter: TaskRunFilter | None = None,
        sort: TaskRunSort | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[TaskRun]:
        body = _filter_body(flow_filter, flow_run_filter, task_run_filter, sort, limit, offset)
        return [TaskRun.model_validate(r) for r in await self._post("/task_runs/filter", body)]

    async def count_task_runs(
        self,
        *,
        flow_filter: FlowFilter | None = None,
        flow_run_filter: FlowRunFilter | None = None,
        task_run_filter: TaskRunFilter | None = None,
    ) -> int:
        body = _filter_body(flow_filter, flow_run_filter, task_run_filter)
        return int(await self._post("/task_runs/count", body))

    async def set_task_run_state(
        self, task_run_id: uuid.UUID | str, state: State, force: bool = False
    ) -> OrchestrationResult:
        body = {"state": _json(StateCreate.from_state(state)), "force": force}
        return OrchestrationResult.model_validate(
            await self._post(f"/task_runs/{task_run_id}/set_state", body)
        )

    async def read_task_run_states(self, task_run_id: uuid.UUID | str) -> list[State]:
        data = await self._get("/task_run_states/", task_run_id=str(task_run_id))
        return [State.model_validate(s) for s in data]

    async def report_task_runs(self, reports: list[TaskRunReport]) -> dict[str, int]:
        """Send task runs orchestrated in this process, with their new states, in one call.

        The batch is serialised in one pass (pydantic-core), leaving out fields at their
        defaults: this route carries every task run of a flow, so bytes and per-item Python
        work are what it costs.
        """
        content = _batch_adapter(TaskRunReport).dump_json(reports, exclude_none=True)
        response = await self.request("POST", "/task_runs/report", content=content)
        result: dict[str, int] = response.json()
        return result

    async def read_task_run_state(self, state_id: uuid.UUID | str) -> State:
        return State.model_validate(await self._get(f"/task_run_states/{state_id}"))

    async def update_task_run(self, task_run_id: uuid.UUID | str, *, name: str) -> None:
        """Rename a task run (the field of Prefect's TaskRunUpdate)."""
        update = TaskRunUpdate(name=name)
        await self._patch(
            f"/task_runs/{task_run_id}", update.model_dump(mode="json", exclude_unset=True)
        )

    async def delete_task_run(self, task_run_id: uuid.UUID | str) -> None:
        """Delete the task run with its states and logs."""
        await self._delete(f"/task_runs/{task_run_id}")

    async def paginate_task_runs(
        self,
        *,
        flow_filter: FlowFilter | None = None,
        flow_run_filter: FlowRunFilter | None = None,
        task_run_filter: TaskRunFilter | None = None,
        sort: TaskRunSort | None = None,
        limit: int | None = None,
        page: int = 1,
    ) -> TaskRunPaginationResponse:
        body = _filter_body(flow_filter, flow_run_filter, task_run_filter, sort, limit)
        body["page"] = page
        data = await self._post("/task_runs/paginate", body)
        return TaskRunPaginationResponse.model_validate(data)
