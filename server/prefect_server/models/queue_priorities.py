"""Work queue rows and their priorities within a pool.

Priorities are positive and unique within a pool; 1 is polled first. A new queue without
a priority takes the lowest free one; a queue given a priority another queue holds takes
it, and the queues at and below it move down only as far as needed to stay unique.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from prefect.schemas.work_pools import WorkQueueCreate, WorkQueueStatus
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database.orm_work_pools import WorkQueue


async def pool_queues(session: AsyncSession, pool_id: uuid.UUID) -> list[WorkQueue]:
    """The pool's queues, highest priority (lowest number) first."""
    stmt = (
        sa.select(WorkQueue)
        .where(WorkQueue.work_pool_id == pool_id)
        .order_by(WorkQueue.priority, WorkQueue.name)
    )
    return list((await session.execute(stmt)).scalars())


def _first_free(taken: list[int]) -> int:
    expected = 1
    for priority in sorted(set(taken)):
        if priority != expected:
            return expected
        expected += 1
    return expected


def settle_priorities(queues: list[WorkQueue], moved: WorkQueue | None = None) -> None:
    """Make priorities unique again after `moved` took its (already set) priority.

    Order is kept: `moved` goes before the queue that held its priority, and every queue
    that now collides with the one above it moves down by the least it can.
    """
    ordered = sorted((q for q in queues if q is not moved), key=lambda q: q.priority)
    if moved is not None:
        at = next((i for i, q in enumerate(ordered) if q.priority >= moved.priority), None)
        ordered.insert(len(ordered) if at is None else at, moved)
    floor = 0
    for queue in ordered:
        if queue.priority <= floor:
            queue.priority = floor + 1
        floor = queue.priority


async def insert_work_queue(
    session: AsyncSession, pool_id: uuid.UUID, create: WorkQueueCreate
) -> WorkQueue:
    """Add a queue to the pool (the caller checks the name is free); priorities settle."""
    queues = await pool_queues(session, pool_id)
    priority = create.priority or _first_free([q.priority for q in queues])
    queue = WorkQueue(
        id=uuid.uuid4(),
        work_pool_id=pool_id,
        name=create.name,
        description=create.description,
        is_paused=create.is_paused,
        concurrency_limit=create.concurrency_limit,
        priority=priority,
        status=WorkQueueStatus.PAUSED if create.is_paused else WorkQueueStatus.NOT_READY,
    )
    session.add(queue)
    settle_priorities(queues, moved=queue)
    await session.flush()
    await session.refresh(queue, attribute_names=["work_pool"])
    return queue
