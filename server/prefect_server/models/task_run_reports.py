"""`POST /task_runs/report`: task runs orchestrated in the flow process, stored in bulk.

A batch holds up to about a thousand runs and a few states each. It is written with a
fixed number of statements whatever its size: one lookup of the ids already stored (runs
and states), one multi-row INSERT and one executemany UPDATE for the runs, one multi-row
INSERT for the new states.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, cast

import sqlalchemy as sa
from prefect.schemas.actions import TaskRunReport
from prefect.schemas.objects import State, TaskRun
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database import orm
from prefect_server.events.reports import task_runs_reported
from prefect_server.orchestration.transition import state_row_values

# the run fields the flow process computes and the server stores as sent
_RUN_FIELDS = (
    "name",
    "flow_run_id",
    "task_key",
    "dynamic_key",
    "cache_key",
    "cache_expiration",
    "task_version",
    "tags",
    "labels",
    "state_type",
    "state_name",
    "run_count",
    "flow_run_run_count",
    "expected_start_time",
    "next_scheduled_start_time",
    "start_time",
    "end_time",
    "total_run_time",
)
# bound-parameter lists stay well under SQLite's and asyncpg's limits
_CHUNK = 2000


def _run_values(run: TaskRun) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(run, name) for name in _RUN_FIELDS}
    values["id"] = run.id
    values["state_type"] = (
        run.state.type.value if run.state else (run.state_type.value if run.state_type else None)
    )
    values["state_name"] = run.state.name if run.state else run.state_name
    values["state_id"] = run.state.id if run.state else run.state_id
    values["empirical_policy"] = run.empirical_policy.model_dump(mode="json")
    values["task_inputs"] = {
        key: [item.model_dump(mode="json") for item in items]
        for key, items in run.task_inputs.items()
    }
    return values


def _core_insert(model: type[orm.Base]) -> sa.Insert:
    # a Core INSERT of plain rows skips the ORM's per-row bookkeeping, which a batch of a
    # thousand task runs and their states would otherwise pay on every report
    return sa.insert(cast(sa.Table, model.__table__))


async def _existing_ids(
    session: AsyncSession, column: Any, ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    found: set[uuid.UUID] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        found.update((await session.execute(sa.select(column).where(column.in_(chunk)))).scalars())
    return found


async def store_reports(session: AsyncSession, reports: Sequence[TaskRunReport]) -> tuple[int, int]:
    """Upsert the runs and append unseen states; returns (runs written, states added)."""
    runs: dict[uuid.UUID, dict[str, Any]] = {}
    states: dict[uuid.UUID, tuple[uuid.UUID, State]] = {}
    for report in reports:
        run = report.task_run
        # a later report of the same run in one batch wins
        runs[run.id] = _run_values(run)
        for state in [*report.states, *([run.state] if run.state else [])]:
            states.setdefault(state.id, (run.id, state))
    if not runs:
        return 0, 0

    known_runs = await _existing_ids(session, orm.TaskRun.id, list(runs))
    known_states = await _existing_ids(session, orm.TaskRunState.id, list(states))

    new_runs = [values for run_id, values in runs.items() if run_id not in known_runs]
    old_runs = [values for run_id, values in runs.items() if run_id in known_runs]
    if new_runs:
        await session.execute(_core_insert(orm.TaskRun), new_runs)
    if old_runs:
        await session.execute(sa.update(orm.TaskRun), old_runs)
    new_states = [
        {**state_row_values(state), "task_run_id": run_id}
        for state_id, (run_id, state) in states.items()
        if state_id not in known_states
    ]
    if new_states:
        await session.execute(_core_insert(orm.TaskRunState), new_states)
        await task_runs_reported(session, reports, new_states, known_run_ids=known_runs)
    return len(runs), len(new_states)
