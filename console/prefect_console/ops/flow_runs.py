"""Operations on flow runs: list, inspect, logs, task runs; cancel, retry, delete, watch."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from prefect_console.ops.errors import ConsoleError, NotFound
from prefect_console.ops.states import parse_states, state_filter

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.objects import Flow, FlowRun, Log, State, TaskRun

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


# -- actions: cancel, retry, delete, watch --------------------------------------------------


@dataclass(frozen=True)
class CancelResult:
    """What the orchestrator made of a cancellation: the run after it, and its answer."""

    flow_run: FlowRun
    status: str  # ACCEPT, REJECT, WAIT or ABORT (Prefect's orchestration statuses)
    message: str


def _state_label(run: FlowRun) -> str:
    if run.state is not None:
        return run.state.name or run.state.type.value.title()
    return run.state_name or "no state"


def _is_final(run: FlowRun) -> bool:
    return run.state is not None and run.state.is_final()


async def cancel_flow_run(client: PrefectClient, flow_run_id: uuid.UUID) -> CancelResult:
    """Propose Cancelling; what holds the run (a worker, the flow process) finishes the job.

    The server turns a Scheduled or Suspended run, which nothing holds, into Cancelled at
    once. A finished run cannot be cancelled.
    """
    from prefect.schemas.responses import SetStateStatus
    from prefect.states import Cancelling

    run = await read_flow_run(client, flow_run_id)
    if _is_final(run):
        raise ConsoleError(
            f"Flow run '{flow_run_id}' is already finished ({_state_label(run)}); nothing to cancel"
        )
    if run.state is not None and run.state.is_cancelling():
        raise ConsoleError(
            f"Flow run '{flow_run_id}' is already being cancelled; "
            "watch it with `prefect flow-run watch`"
        )
    result = await client.set_flow_run_state(
        flow_run_id, Cancelling(message="Cancelled by an operator")
    )
    reason = getattr(result.details, "reason", None) or ""
    if result.status is not SetStateStatus.ACCEPT:
        raise ConsoleError(
            f"The server refused to cancel flow run '{flow_run_id}' "
            f"({result.status.value}): {reason or 'no reason given'}"
        )
    after = await read_flow_run(client, flow_run_id)
    message = f"Flow run '{flow_run_id}' is {_state_label(after)}"
    return CancelResult(flow_run=after, status=result.status.value, message=message)


async def retry_flow_run(client: PrefectClient, flow_run_id: uuid.UUID) -> FlowRun:
    """Schedule a finished run of a deployment again, now, for a worker to pick up.

    As in Prefect 3 the run keeps its id and parameters and its run count goes up when it
    starts again. A run made by calling a flow in a process has no deployment and nothing
    would pick it up: that is an error telling the operator to run the flow again.
    """
    from prefect._time import now
    from prefect.schemas.responses import SetStateStatus
    from prefect.states import Scheduled

    run = await read_flow_run(client, flow_run_id)
    if not _is_final(run):
        raise ConsoleError(
            f"Flow run '{flow_run_id}' is {_state_label(run)}, not finished; "
            "only a finished run can be retried (cancel it first)"
        )
    if run.deployment_id is None:
        raise ConsoleError(
            f"Flow run '{flow_run_id}' has no deployment, so no worker can run it again; "
            "run the flow again from its code instead"
        )
    result = await client.set_flow_run_state(
        flow_run_id, Scheduled(scheduled_time=now(), message="Retried by an operator")
    )
    if result.status is not SetStateStatus.ACCEPT:
        reason = getattr(result.details, "reason", None) or "no reason given"
        raise ConsoleError(f"The server refused to retry flow run '{flow_run_id}': {reason}")
    return await read_flow_run(client, flow_run_id)


async def delete_flow_run(client: PrefectClient, flow_run_id: uuid.UUID) -> None:
    """Delete a flow run with its task runs, states and logs."""
    from prefect.exceptions import ObjectNotFound

    try:
        await client.delete_flow_run(flow_run_id)
    except ObjectNotFound:
        raise NotFound(f"Flow run '{flow_run_id}' not found") from None


@dataclass(frozen=True)
class WatchEvent:
    """One thing seen while watching a run: its state changed, or it logged a line."""

    flow_run: FlowRun
    state: State | None = None
    log: Log | None = None

    @property
    def final(self) -> bool:
        return self.state is not None and self.state.is_final()


async def watch_flow_run(
    client: PrefectClient, flow_run_id: uuid.UUID, *, interval: float = 1.0
) -> AsyncIterator[WatchEvent]:
    """Follow a run: its current state, then each change and each new log line, by polling.

    Ends after the run reaches a final state and its remaining logs have been read.
    """
    import asyncio

    seen_state: uuid.UUID | None = None
    logs_read = 0
    while True:
        run = await read_flow_run(client, flow_run_id)
        changed = run.state is not None and run.state.id != seen_state
        seen_state = run.state.id if run.state is not None else None
        # roughly in time order: a new state before the lines logged in it, except the
        # final state, which comes after the last lines (so it is the last event)
        if changed and not _is_final(run):
            yield WatchEvent(flow_run=run, state=run.state)
        while True:  # every new log line, page by page
            page = await read_logs_page(client, flow_run_id, offset=logs_read)
            for log in page:
                yield WatchEvent(flow_run=run, log=log)
            logs_read += len(page)
            if len(page) < LOG_PAGE_SIZE:
                break
        if _is_final(run):
            yield WatchEvent(flow_run=run, state=run.state)
            return
        await asyncio.sleep(interval)
