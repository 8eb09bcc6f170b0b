"""State-change events of task runs reported in bulk (`POST /task_runs/report`).

A report carries a run's snapshot and the states the server has not seen yet, oldest
first; each new state becomes a `prefect.task-run.<State>` event whose initial state is
the one before it in the batch, or, for the first new state of a run stored earlier, the
latest state stored for it. The batch costs a fixed number of statements: one lookup of
the flow runs, one of earlier states (only for runs stored before), and one INSERT into
each event table. The events are built from the state rows the report route already
made, so no state goes through pydantic again.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Any

import sqlalchemy as sa
from prefect._time import now
from prefect.schemas.actions import TaskRunReport
from prefect.schemas.objects import TaskRun
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database import orm
from prefect_server.events.bulk import collector_paused
from prefect_server.events.emit import (
    TASK_RUN_EXCLUDED,
    FlowRunContext,
    StateView,
    flow_run_contexts,
    task_run_event_row,
    task_state_payload,
    with_tags,
)
from prefect_server.events.persist import write_rows

_CHUNK = 2000


async def _latest_stored(
    session: AsyncSession, run_ids: Sequence[uuid.UUID], new_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, StateView]:
    """The latest state stored before this batch, for each of `run_ids`."""
    table = orm.TaskRunState
    latest: dict[uuid.UUID, StateView] = {}
    for start in range(0, len(run_ids), _CHUNK):
        chunk = run_ids[start : start + _CHUNK]
        stmt = sa.select(
            table.task_run_id,
            table.id,
            table.type,
            table.name,
            table.message,
            table.timestamp,
            table.state_details,
        ).where(table.task_run_id.in_(chunk))
        for row in (await session.execute(stmt)).mappings():
            if row["id"] in new_ids:
                continue
            found = latest.get(row["task_run_id"])
            if found is None or row["timestamp"] > found["timestamp"]:
                latest[row["task_run_id"]] = dict(row)
    return latest


async def task_runs_reported(
    session: AsyncSession,
    reports: Sequence[TaskRunReport],
    new_states: Sequence[dict[str, Any]],
    *,
    known_run_ids: Collection[uuid.UUID],
) -> None:
    """Write the events of `new_states` (the `task_run_state` rows this batch added, in
    report order) in the caller's transaction."""
    if not new_states:
        return
    runs: dict[uuid.UUID, TaskRun] = {report.task_run.id: report.task_run for report in reports}
    chains: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for state in new_states:
        chains.setdefault(state["task_run_id"], []).append(state)
    new_ids = {state["id"] for state in new_states}
    # a run stored before may have states before this batch's; otherwise the first new
    # state is the run's first
    earlier = [run_id for run_id in chains if run_id in known_run_ids]
    stored = await _latest_stored(session, earlier, new_ids) if earlier else {}
    flow_run_ids = {run.flow_run_id for run in runs.values() if run.flow_run_id}
    contexts = await flow_run_contexts(session, list(flow_run_ids))

    with collector_paused():
        await _write(session, runs, chains, stored, contexts)


async def _write(
    session: AsyncSession,
    runs: dict[uuid.UUID, TaskRun],
    chains: dict[uuid.UUID, list[dict[str, Any]]],
    stored: dict[uuid.UUID, StateView],
    contexts: dict[uuid.UUID, FlowRunContext],
) -> None:
    received = now()
    rows: list[dict[str, Any]] = []
    for run_id, chain in chains.items():
        run = runs[run_id]
        context = contexts.get(run.flow_run_id) if run.flow_run_id else None
        related = context.task_run_related(run.tags) if context else with_tags([], run.tags)
        snapshot = run.model_dump(mode="json", exclude_none=True, exclude=set(TASK_RUN_EXCLUDED))
        before = stored.get(run_id)
        before_payload = task_state_payload(before) if before is not None else None
        for state in sorted(chain, key=lambda s: s["timestamp"]):
            payload = task_state_payload(state)
            rows.append(
                task_run_event_row(
                    run_id,
                    run.name,
                    (before, before_payload),
                    (state, payload),
                    related,
                    snapshot,
                    orchestration="client",
                    received=received,
                )
            )
            before, before_payload = state, payload
    await write_rows(session, rows, known_new=True)
