"""`GET /flow_runs/{id}/graph`: a run's task runs with the task runs each one consumed.

Upstream links are the `task_run` entries of each task run's `task_inputs` (the
TaskRunResult records the engine writes for futures and results passed as arguments).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from prefect.schemas.objects import State, StateType, TaskRunResult
from prefect.schemas.responses import DependencyResult
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database import orm


def _upstream(task_inputs: dict[str, Any]) -> list[TaskRunResult]:
    seen: dict[uuid.UUID, TaskRunResult] = {}
    for items in task_inputs.values():
        for item in items or []:
            if isinstance(item, dict) and item.get("input_type") == "task_run":
                ref = TaskRunResult.model_validate(item)
                seen.setdefault(ref.id, ref)
    return list(seen.values())


def _estimated_run_time(run: orm.TaskRun, now: datetime) -> timedelta:
    if run.state_type == StateType.RUNNING.value and run.start_time is not None:
        return run.total_run_time + max(now - run.start_time, timedelta(0))
    return run.total_run_time


async def flow_run_graph(
    session: AsyncSession, flow_run_id: uuid.UUID, now: datetime
) -> list[DependencyResult]:
    t = orm.TaskRun
    stmt = (
        sa.select(t)
        .where(t.flow_run_id == flow_run_id)
        .order_by(sa.func.coalesce(t.start_time, t.expected_start_time).asc().nulls_last(), t.id)
    )
    out: list[DependencyResult] = []
    for run in (await session.execute(stmt)).scalars():
        state = (
            State.model_validate(run.state, from_attributes=True) if run.state is not None else None
        )
        out.append(
            DependencyResult(
                id=run.id,
                name=run.name,
                upstream_dependencies=_upstream(run.task_inputs or {}),
                state=state,
                expected_start_time=run.expected_start_time,
                start_time=run.start_time,
                end_time=run.end_time,
                total_run_time=run.total_run_time,
                estimated_run_time=_estimated_run_time(run, now),
                untrackable_result=bool(state and state.state_details.untrackable_result),
            )
        )
    return out
