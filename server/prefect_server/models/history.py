"""`POST /flow_runs/history`: runs per state in each time interval, aggregated in SQL.

The intervals (at most a few hundred) are sent as a VALUES list (a CTE) and joined to the runs on
`expected_start_time`, so the store returns one row per interval and state instead of
every run; comparisons of stored timestamps are exact on both backends, which dividing
epoch seconds would not be at the interval boundaries.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from prefect.schemas.filters import CountRequest, HistoryRequest
from prefect.schemas.objects import StateType
from prefect.schemas.responses import HistoryResponse, HistoryResponseState
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database import filters, orm
from prefect_server.database.dialects import dialect_of, seconds_between
from prefect_server.database.types import Timestamp

_NOT_STARTED = (StateType.SCHEDULED.value, StateType.PENDING.value)


def interval_bounds(body: HistoryRequest) -> list[tuple[datetime, datetime]]:
    """[start, end) of each interval; the last one ends at `history_end`."""
    step = body.history_interval_seconds
    start, end = body.history_start, body.history_end
    return [
        (start + i * step, min(start + (i + 1) * step, end)) for i in range(body.interval_count())
    ]


def _estimates(dialect: str, now: datetime) -> tuple[Any, Any]:
    """SQL for each run's estimated run time and estimated lateness, in seconds."""
    t = orm.FlowRun
    at_now = sa.bindparam("history_now", now, type_=Timestamp())
    run_time = sa.type_coerce(t.total_run_time, sa.Float()) + sa.case(
        # a running run has run for its recorded time plus the time since it (re)started
        (
            sa.and_(t.state_type == StateType.RUNNING.value, t.start_time.is_not(None)),
            seconds_between(dialect, at_now, t.start_time),
        ),
        else_=0.0,
    )
    lateness = sa.case(
        (
            sa.and_(t.start_time.is_not(None), t.start_time > t.expected_start_time),
            seconds_between(dialect, t.start_time, t.expected_start_time),
        ),
        (
            sa.and_(
                t.start_time.is_(None),
                t.state_type.in_(_NOT_STARTED),
                t.expected_start_time < at_now,
            ),
            seconds_between(dialect, at_now, t.expected_start_time),
        ),
        else_=0.0,
    )
    return run_time, lateness


async def flow_run_history(
    session: AsyncSession, body: HistoryRequest, now: datetime
) -> list[HistoryResponse]:
    bounds = interval_bounds(body)
    if not bounds:
        return []
    dialect = dialect_of(session)
    rows = sa.values(
        sa.column("interval_start", Timestamp()),
        sa.column("interval_end", Timestamp()),
        name="intervals",
    ).data(bounds)
    # as a CTE: SQLite has no column aliases on a VALUES list in FROM, only on a CTE
    intervals = rows.cte("intervals")
    t = orm.FlowRun
    run_time, lateness = _estimates(dialect, now)
    where = CountRequest(
        flows=body.flows,
        flow_runs=body.flow_runs,
        task_runs=body.task_runs,
        deployments=body.deployments,
        work_pools=body.work_pools,
        work_pool_queues=body.work_queues,
    )
    chosen = await filters.choose_related(session, where)
    stmt = (
        sa.select(
            intervals.c.interval_start,
            t.state_type,
            t.state_name,
            sa.func.count().label("count_runs"),
            sa.cast(sa.func.sum(run_time), sa.Float()).label("run_time"),
            sa.cast(sa.func.sum(lateness), sa.Float()).label("lateness"),
        )
        .select_from(intervals)
        .join(
            t,
            sa.and_(
                t.expected_start_time >= intervals.c.interval_start,
                t.expected_start_time < intervals.c.interval_end,
            ),
        )
        .where(t.state_type.is_not(None), *filters.flow_runs_where(where, dialect, chosen))
        .group_by(intervals.c.interval_start, t.state_type, t.state_name)
        .order_by(intervals.c.interval_start, t.state_type, t.state_name)
    )
    states: dict[datetime, list[HistoryResponseState]] = {start: [] for start, _ in bounds}
    for row in await session.execute(stmt):
        states[row.interval_start].append(
            HistoryResponseState(
                state_type=StateType(row.state_type),
                state_name=row.state_name or StateType(row.state_type).value.title(),
                count_runs=row.count_runs,
                sum_estimated_run_time=timedelta(seconds=max(row.run_time or 0.0, 0.0)),
                sum_estimated_lateness=timedelta(seconds=max(row.lateness or 0.0, 0.0)),
            )
        )
    return [
        HistoryResponse(interval_start=start, interval_end=end, states=states[start])
        for start, end in bounds
    ]
