"""Flow-run methods of the client (Prefect 3 names)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from prefect.client._base import _filter_body, _json, _jsonable
from prefect.client._flows import FlowClientMixin
from prefect.schemas.actions import FlowRunCreate, FlowRunUpdate, StateCreate
from prefect.schemas.filters import FlowFilter, FlowRunFilter, TaskRunFilter
from prefect.schemas.flow_run_input import FlowRunInput
from prefect.schemas.objects import FlowRun, FlowRunPolicy, State
from prefect.schemas.responses import (
    DependencyResult,
    FlowRunBulkDeleteResponse,
    FlowRunPaginationResponse,
    HistoryResponse,
    OrchestrationResult,
)
from prefect.schemas.sorting import FlowRunSort


class FlowRunClientMixin(FlowClientMixin):
    # on the flow mixin: creating a run registers its flow by name first
    async def create_flow_run(
        self,
        flow: Any = None,
        name: str | None = None,
        parameters: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
        tags: Iterable[str] | None = None,
        parent_task_run_id: uuid.UUID | None = None,
        state: State | None = None,
        *,
        flow_id: uuid.UUID | None = None,
        id: uuid.UUID | None = None,
        idempotency_key: str | None = None,
        flow_version: str | None = None,
        empirical_policy: FlowRunPolicy | None = None,
    ) -> FlowRun:
        """Create a run of `flow` (registered by name if needed) or of `flow_id`."""
        if flow_id is None:
            if flow is None:
                raise ValueError("create_flow_run needs a flow or a flow_id")
            flow_id = await self.create_flow(flow)
        action = FlowRunCreate(
            id=id,
            flow_id=flow_id,
            name=name,
            parameters=_jsonable(parameters or {}),
            context=_jsonable(context or {}),
            tags=list(tags or []),
            parent_task_run_id=parent_task_run_id,
            state=StateCreate.from_state(state) if state is not None else None,
            idempotency_key=idempotency_key,
            flow_version=flow_version
            if flow_version is not None
            else getattr(flow, "version", None),
            empirical_policy=empirical_policy or FlowRunPolicy(),
        )
        return await self.create_flow_run_from_action(action)

    async def create_flow_run_from_action(self, action: FlowRunCreate) -> FlowRun:
        return FlowRun.model_validate(await self._post("/flow_runs/", _json(action)))

    async def read_flow_run(self, flow_run_id: uuid.UUID | str) -> FlowRun:
        return FlowRun.model_validate(await self._get(f"/flow_runs/{flow_run_id}"))

    async def read_flow_runs(
        self,
        *,
        flow_filter: FlowFilter | None = None,
        flow_run_filter: FlowRunFilter | None = None,
        task_run_filter: TaskRunFilter | None = None,
        deployment_filter: Any = None,
        work_pool_filter: Any = None,
        work_queue_filter: Any = None,
        sort: FlowRunSort | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[FlowRun]:
        body = _filter_body(
            flow_filter,
            flow_run_filter,
            task_run_filter,
            sort,
            limit,
            offset,
            deployment_filter=deployment_filter,
            work_pool_filter=work_pool_filter,
            work_queue_filter=work_queue_filter,
        )
        return [FlowRun.model_validate(r) for r in await self._post("/flow_runs/filter", body)]

    async def count_flow_runs(
        self,
        *,
        flow_filter: FlowFilter | None = None,
        flow_run_filter: FlowRunFilter | None = None,
        task_run_filter: TaskRunFilter | None = None,
        deployment_filter: Any = None,
        work_pool_filter: Any = None,
        work_queue_filter: Any = None,
    ) -> int:
        body = _filter_body(
            flow_filter,
            flow_run_filter,
            task_run_filter,
            deployment_filter=deployment_filter,
            work_pool_filter=work_pool_filter,
            work_queue_filter=work_queue_filter,
        )
        return int(await self._post("/flow_runs/count", body))

    async def update_flow_run(self, flow_run_id: uuid.UUID | str, **fields: Any) -> None:
        """Change a run's name, parameters, tags, ... (fields of FlowRunUpdate)."""
        update = FlowRunUpdate(**fields)
        await self.request(
            "PATCH",
            f"/flow_runs/{flow_run_id}",
            json=update.model_dump(mode="json", exclude_unset=True),
        )

    async def delete_flow_run(self, flow_run_id: uuid.UUID | str) -> None:
        await self.request("DELETE", f"/flow_runs/{flow_run_id}")

    async def set_flow_run_state(
        self, flow_run_id: uuid.UUID | str, state: State, force: bool = False
    ) -> OrchestrationResult:
        body = {"state": _json(StateCreate.from_state(state)), "force": force}
        return OrchestrationResult.model_validate(
            await self._post(f"/flow_runs/{flow_run_id}/set_state", body)
        )

    async def read_flow_run_states(self, flow_run_id: uuid.UUID | str) -> list[State]:
        data = await self._get("/flow_run_states/", flow_run_id=str(flow_run_id))
        return [State.model_validate(s) for s in data]

    async def read_flow_run_state(self, state_id: uuid.UUID | str) -> State:
        return State.model_validate(await self._get(f"/flow_run_states/{state_id}"))

    async def paginate_flow_runs(
        self,
        *,
        flow_filter: FlowFilter | None = None,
        flow_run_filter: FlowRunFilter | None = None,
        task_run_filter: TaskRunFilter | None = None,
        sort: FlowRunSort | None = None,
        limit: int | None = None,
        page: int = 1,
    ) -> FlowRunPaginationResponse:
        body = _filter_body(flow_filter, flow_run_filter, task_run_filter, sort, limit)
        body["page"] = page
        data = await self._post("/flow_runs/paginate", body)
        return FlowRunPaginationResponse.model_validate(data)

    async def read_flow_run_history(
        self,
        history_start: datetime,
        history_end: datetime,
        history_interval: timedelta | float,
        *,
        flow_filter: FlowFilter | None = None,
        flow_run_filter: FlowRunFilter | None = None,
        task_run_filter: TaskRunFilter | None = None,
    ) -> list[HistoryResponse]:
        """Run counts per state in each interval of [history_start, history_end).

        `history_interval` is a timedelta or seconds; at most 500 intervals per call.
        """
        seconds = (
            history_interval.total_seconds()
            if isinstance(history_interval, timedelta)
            else float(history_interval)
        )
        body = _filter_body(flow_filter, flow_run_filter, task_run_filter)
        body.update(
            history_start=history_start.isoformat(),
            history_end=history_end.isoformat(),
            history_interval_seconds=seconds,
        )
        data = await self._post("/flow_runs/history", body)
        return [HistoryResponse.model_validate(item) for item in data]

    async def delete_flow_runs(
        self,
        *,
        flow_filter: FlowFilter | None = None,
        flow_run_filter: FlowRunFilter | None = None,
        task_run_filter: TaskRunFilter | None = None,
        limit: int | None = None,
    ) -> list[uuid.UUID]:
        """Delete the runs matching the filters (at most `limit`, 200 by default); their ids."""
        body = _filter_body(flow_filter, flow_run_filter, task_run_filter, limit=limit)
        data = await self._post("/flow_runs/bulk_delete", body)
        return FlowRunBulkDeleteResponse.model_validate(data).deleted

    async def read_flow_run_graph(self, flow_run_id: uuid.UUID | str) -> list[DependencyResult]:
        """The run's task runs, each with the task runs whose results it consumed."""
        data = await self._get(f"/flow_runs/{flow_run_id}/graph")
        return [DependencyResult.model_validate(item) for item in data]

    async def update_flow_run_labels(
        self, flow_run_id: uuid.UUID | str, labels: dict[str, Any]
    ) -> None:
        """Merge `labels` into the run's labels; keys given here win."""
        await self._patch(f"/flow_runs/{flow_run_id}/labels", labels)

    # -- pause / resume and run inputs (Prefect 3 names) -----------------------------------

    async def resume_flow_run(
        self, flow_run_id: uuid.UUID | str, run_input: dict[str, Any] | None = None
    ) -> OrchestrationResult:
        """Resume a Paused run, with the input it waits for (if any); the server's verdict."""
        body = {"run_input": run_input} if run_input is not None else {}
        return OrchestrationResult.model_validate(
            await self._post(f"/flow_runs/{flow_run_id}/resume", body)
        )

    async def create_flow_run_input(
        self, flow_run_id: uuid.UUID | str, key: str, value: str, sender: str | None = None
    ) -> None:
        """Store `value` (a string, JSON by convention) under `key`; 409 when the key exists."""
        body = {"key": key, "value": value, "sender": sender}
        await self._post(f"/flow_runs/{flow_run_id}/input", body)

    async def read_flow_run_input(self, flow_run_id: uuid.UUID | str, key: str) -> str:
        """The value stored under `key` (ObjectNotFound when there is none)."""
        response = await self.request("GET", f"/flow_runs/{flow_run_id}/input/{key}")
        return response.text

    async def filter_flow_run_input(
        self,
        flow_run_id: uuid.UUID | str,
        key_prefix: str,
        limit: int = 1,
        exclude_keys: Iterable[str] = (),
    ) -> list[FlowRunInput]:
        body = {"prefix": key_prefix, "limit": limit, "exclude_keys": list(exclude_keys)}
        data = await self._post(f"/flow_runs/{flow_run_id}/input/filter", body)
        return [FlowRunInput.model_validate(item) for item in data]

    async def delete_flow_run_input(self, flow_run_id: uuid.UUID | str, key: str) -> None:
        await self.request("DELETE", f"/flow_runs/{flow_run_id}/input/{key}")
