"""The part of the client the console relies on, written as a Protocol.

The console talks to a server only through `prefect.client`; naming the methods it needs
here keeps the operations testable against any client with Prefect 3's method names (ours,
or Prefect's own pointed at a Prefect server).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from prefect.schemas.filters import FlowFilter, FlowRunFilter, LogFilter, TaskRunFilter
    from prefect.schemas.objects import Flow, FlowRun, Log, TaskRun
    from prefect.schemas.sorting import FlowRunSort, LogSort, TaskRunSort


class OrchestrationClient(Protocol):
    async def read_flow_runs(
        self,
        *,
        flow_filter: FlowFilter | None = None,
        flow_run_filter: FlowRunFilter | None = None,
        task_run_filter: TaskRunFilter | None = None,
        sort: FlowRunSort | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[FlowRun]: ...

    async def count_flow_runs(
        self,
        *,
        flow_filter: FlowFilter | None = None,
        flow_run_filter: FlowRunFilter | None = None,
        task_run_filter: TaskRunFilter | None = None,
    ) -> int: ...

    async def read_flow_run(self, flow_run_id: uuid.UUID) -> FlowRun: ...

    async def read_flows(
        self,
        *,
        flow_filter: FlowFilter | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Flow]: ...

    async def read_flow(self, flow_id: uuid.UUID) -> Flow: ...

    async def read_task_runs(
        self,
        *,
        flow_run_filter: FlowRunFilter | None = None,
        task_run_filter: TaskRunFilter | None = None,
        sort: TaskRunSort | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[TaskRun]: ...

    async def read_logs(
        self,
        log_filter: LogFilter | None = None,
        limit: int | None = None,
        offset: int | None = None,
        sort: LogSort = ...,
    ) -> list[Log]: ...

    async def api_healthcheck(self) -> Exception | None: ...

    async def hello(self) -> Any: ...
