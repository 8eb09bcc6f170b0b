"""Operations on flow runs: list, inspect, logs, and the task runs of a run."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from prefect_console.ops.errors import ConsoleError, NotFound
from prefect_console.ops.states import parse_states, state_filter

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.objects import Flow, FlowRun, Log, TaskRun

# the API refuses pages over 1,000; a few hundred keeps each answer quick
LOG_PAGE_SIZE = 200
TASK_RUN_LIMIT = 200


def parse_flow_run_id(value: str | uuid.UUID) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise ConsoleError(f"{value!r} is not a valid flow run id (a UUID)", usage=True) from None


async def list_flow_runs(
    client: PrefectClient,
    *,
    limit: int = 15,
    offset: int = 0,
    state: list[str] | None = None,
    state_type: list[str] | None = None,
    flow_name: list[str] | None = None,
) -> list[FlowRun]:
    """The most recent flow runs first (by expected start time), filtered server-side."""
    from prefect.schemas.filters import FlowFilter, FlowRunFilter, NameFilter
    from prefect.schemas.sorting import FlowRunSort

    if limit < 0:
        raise ConsoleError("--limit must be 0 or more", usage=True)
    types, names = parse_states(state or [], state_type)
    run_state = state_filter(types, names)
    return await client.read_flow_runs(
        flow_filter=FlowFilter(name=NameFilter(any_=flow_name)) if flow_name else None,
        flow_run_filter=FlowRunFilter(state=run_state) if run_state else None,
        sort=FlowRunSort.EXPECTED_START_TIME_DESC,
        limit=limit,
        offset=offset,
    )


async def flow_names(client: PrefectClient, runs: Iterable[FlowRun]) -> dict[uuid.UUID, str]:
    """Names of the flows of `runs`, in one request."""
    from prefect.schemas.filters import FlowFilter, IdFilter

    ids = sorted({run.flow_id for run in runs}, key=str)
    if not ids:
        return {}
    flows = await client.read_flows(flow_filter=FlowFilter(id=IdFilter(any_=ids)), limit=len(ids))
    return {flow.id: flow.name for flow in flows}


async def read_flow_run(client: PrefectClient, flow_run_id: uuid.UUID) -> FlowRun:
    from prefect.exceptions import ObjectNotFound

    try:
        return await client.read_flow_run(flow_run_id)
    except ObjectNotFound:
        raise NotFound(f"Flow run '{flow_run_id}' not found") from None


async def list_task_runs_of(
    client: PrefectClient, flow_run_id: uuid.UUID, *, limit: int = TASK_RUN_LIMIT
) -> list[TaskRun]:
    """Task runs of one flow run, in the order they were expected to start."""
    from prefect.schemas.filters import FlowRunFilter, IdFilter
    from prefect.schemas.sorting import TaskRunSort

    return await client.read_task_runs(
        flow_run_filter=FlowRunFilter(id=IdFilter(any_=[flow_run_id])),
        sort=TaskRunSort.EXPECTED_START_TIME_ASC,
        limit=limit,
    )


@dataclass
class FlowRunDetail:
    flow_run: FlowRun
    flow: Flow | None
    task_runs: list[TaskRun] = field(default_factory=list)

    @property
    def flow_name(self) -> str:
        return self.flow.name if self.flow is not None else str(self.flow_run.flow_id)


async def inspect_flow_run(
    client: PrefectClient, flow_run_id: uuid.UUID, *, with_task_runs: bool = True
) -> FlowRunDetail:
    """A flow run with its state, its flow and (optionally) its task runs."""
    from prefect.exceptions import ObjectNotFound

    flow_run = await read_flow_run(client, flow_run_id)
    try:
        flow: Flow | None = await client.read_flow(flow_run.flow_id)
    except ObjectNotFound:
        flow = None
    task_runs = await list_task_runs_of(client, flow_run_id) if with_task_runs else []
    return FlowRunDetail(flow_run=flow_run, flow=flow, task_runs=task_runs)


async def read_logs_page(
    client: PrefectClient,
    flow_run_id: uuid.UUID,
    *,
    offset: int = 0,
    limit: int = LOG_PAGE_SIZE,
    newest_first: bool = False,
) -> list[Log]:
    from prefect.schemas.filters import IdFilter, LogFilter
    from prefect.schemas.sorting import LogSort

    return await client.read_logs(
        log_filter=LogFilter(flow_run_id=IdFilter(any_=[flow_run_id])),
        limit=limit,
        offset=offset,
        sort=LogSort.TIMESTAMP_DESC if newest_first else LogSort.TIMESTAMP_ASC,
    )


async def flow_run_logs(
    client: PrefectClient,
    flow_run_id: uuid.UUID,
    *,
    head: int | None = None,
    tail: int | None = None,
    page_size: int = LOG_PAGE_SIZE,
) -> AsyncIterator[Log]:
    """Logs of a flow run, oldest first, fetched page by page.

    `head=N` stops after the first N; `tail=N` yields only the last N (read newest-first
    from the server, so a long log is not read whole to show its end).
    """
    await read_flow_run(client, flow_run_id)  # a clear "not found" instead of no output
    if head is not None and tail is not None:
        raise ConsoleError("Choose either head or tail, not both", usage=True)
    if tail is not None:
        newest: list[Log] = []
        while len(newest) < tail:
            want = min(page_size, tail - len(newest))
            page = await read_logs_page(
                client, flow_run_id, offset=len(newest), limit=want, newest_first=True
            )
            newest.extend(page)
            if len(page) < want:
                break
        for log in reversed(newest):
            yield log
        return
    seen = 0
    while head is None or seen < head:
        want = page_size if head is None else min(page_size, head - seen)
        page = await read_logs_page(client, flow_run_id, offset=seen, limit=want)
        for log in page:
            yield log
        seen += len(page)
        if len(page) < want:
            break
