"""What a polling worker gets: the Scheduled runs of a pool's queues, within the limits.

Runs come from the queues in priority order (1 first), soonest first within a queue.
Paused pools and queues give nothing. A concurrency limit counts the runs that hold a
slot (Pending, Running, Cancelling): a queue gives at most its open slots, and the pool
at most its own across all its queues. A poll is recorded on the queues asked (and on
their deployments, when the deployment table keeps poll times), which is what makes them
READY.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from prefect.schemas.objects import StateType
from prefect.schemas.work_pools import (
    WorkQueueHealthPolicy,
    WorkQueueStatus,
    WorkQueueStatusDetail,
)
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database import orm
from prefect_server.database.orm_work_pools import WorkPool, WorkQueue
from prefect_server.models.queue_priorities import pool_queues

SLOT_HOLDING_STATES = (StateType.PENDING, StateType.RUNNING, StateType.CANCELLING)


async def active_runs_by_queue(
    session: AsyncSession, queue_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """How many runs of each queue hold a concurrency slot."""
    if not queue_ids:
        return {}
    stmt = (
        sa.select(orm.FlowRun.work_queue_id, sa.func.count())
        .where(
            orm.FlowRun.work_queue_id.in_(queue_ids),
            orm.FlowRun.state_type.in_([s.value for s in SLOT_HOLDING_STATES]),
        )
        .group_by(orm.FlowRun.work_queue_id)
    )
    rows = (await session.execute(stmt)).all()
    return {queue_id: int(n) for queue_id, n in rows if queue_id is not None}


def _smallest(*bounds: int | None) -> int | None:
    given = [b for b in bounds if b is not None]
    return min(given) if given else None


def _open_slots(limit: int | None, active: int) -> int | None:
    return None if limit is None else max(limit - active, 0)


async def _scheduled_runs(
    session: AsyncSession,
    queue_id: uuid.UUID,
    *,
    before: datetime | None,
    after: datetime | None,
    limit: int | None,
) -> list[orm.FlowRun]:
    run = orm.FlowRun
    stmt = sa.select(run).where(
        run.work_queue_id == queue_id, run.state_type == StateType.SCHEDULED.value
    )
    if before is not None:
        stmt = stmt.where(run.next_scheduled_start_time <= before)
    if after is not None:
        stmt = stmt.where(run.next_scheduled_start_time >= after)
    stmt = stmt.order_by(run.next_scheduled_start_time.asc().nulls_last(), run.id).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def scheduled_flow_runs(
    session: AsyncSession,
    pool: WorkPool,
    queues: Sequence[WorkQueue],
    *,
    scheduled_before: datetime | None,
    scheduled_after: datetime | None,
    limit: int | None,
) -> list[tuple[orm.FlowRun, WorkQueue]]:
    """The runs a worker polling `queues` of `pool` may start now, with their queue."""
    if pool.is_paused:
        return []
    all_queues = await pool_queues(session, pool.id)
    active = await active_runs_by_queue(session, [q.id for q in all_queues])
    budget = _smallest(limit, _open_slots(pool.concurrency_limit, sum(active.values())))
    picked: list[tuple[orm.FlowRun, WorkQueue]] = []
    for queue in sorted(queues, key=lambda q: (q.priority, q.name)):
        left = None if budget is None else budget - len(picked)
        if left == 0:
            break
        if queue.is_paused:
            continue
        take = _smallest(left, _open_slots(queue.concurrency_limit, active.get(queue.id, 0)))
        if take == 0:
            continue
        runs = await _scheduled_runs(
            session, queue.id, before=scheduled_before, after=scheduled_after, limit=take
        )
        picked.extend((run, queue) for run in runs)
    return picked


async def next_due(
    session: AsyncSession, queues: Sequence[WorkQueue], after: datetime | None
) -> datetime | None:
    """The earliest scheduled time after `after` of the Scheduled runs of `queues`: when a
    waiting poll has something to give without any write happening meanwhile."""
    if not queues:
        return None
    run = orm.FlowRun
    stmt = sa.select(sa.func.min(run.next_scheduled_start_time)).where(
        run.work_queue_id.in_([q.id for q in queues]),
        run.state_type == StateType.SCHEDULED.value,
    )
    if after is not None:
        stmt = stmt.where(run.next_scheduled_start_time > after)
    found: datetime | None = (await session.execute(stmt)).scalar()
    return found


async def record_polls(session: AsyncSession, queues: Sequence[WorkQueue], now: datetime) -> None:
    """The queues were polled at `now`: not-ready ones become READY (paused stay PAUSED)."""
    for queue in queues:
        queue.last_polled = now
        if queue.status == WorkQueueStatus.NOT_READY and not queue.is_paused:
            queue.status = WorkQueueStatus.READY
    await session.flush()
    await _record_deployment_polls(session, [q.id for q in queues], now)


async def _record_deployment_polls(
    session: AsyncSession, queue_ids: Sequence[uuid.UUID], now: datetime
) -> None:
    # The deployment table belongs to another module, which may or may not keep poll
    # times; a plain UPDATE on the columns it declares keeps the two modules apart.
    table = orm.Base.metadata.tables.get("deployment")
    if table is None or not queue_ids:
        return
    if not {"work_queue_id", "last_polled", "status"} <= set(table.c.keys()):
        return
    await session.execute(
        sa.update(table)
        .where(table.c.work_queue_id.in_(queue_ids))
        .values(last_polled=now, status="READY")
    )


# Prefect judges every queue by this one policy.
HEALTH_POLICY = WorkQueueHealthPolicy(maximum_late_runs=0, maximum_seconds_since_last_polled=60)


async def queue_status_detail(
    session: AsyncSession, queue: WorkQueue, now: datetime
) -> WorkQueueStatusDetail:
    stmt = (
        sa.select(sa.func.count())
        .select_from(orm.FlowRun)
        .where(orm.FlowRun.work_queue_id == queue.id, orm.FlowRun.state_name == "Late")
    )
    late = int((await session.execute(stmt)).scalar_one())
    return WorkQueueStatusDetail(
        healthy=HEALTH_POLICY.evaluate_health_status(late, queue.last_polled, now),
        late_runs_count=late,
        last_polled=queue.last_polled,
        health_check_policy=HEALTH_POLICY,
    )
