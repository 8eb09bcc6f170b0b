"""Work queues: inside a pool by name, or by id; and which queue a deployment or run uses.

`resolve_work_queue` is what deployments and runs call with the pool and queue names they
were given: a named queue missing from an existing pool is created, as in Prefect; a
queue named without a pool lives in Prefect's "default-agent-pool".
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from prefect.schemas.work_pools import (
    DEFAULT_AGENT_WORK_POOL_NAME,
    WorkPoolCreate,
    WorkQueueCreate,
    WorkQueueFilter,
    WorkQueueStatus,
    WorkQueueUpdate,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database.orm_work_pools import WorkPool, WorkQueue
from prefect_server.models.queue_priorities import (
    insert_work_queue,
    pool_queues,
    settle_priorities,
)
from prefect_server.models.work_pools import (
    AGENT_POOL_TYPE,
    WorkPoolNotFound,
    create_work_pool,
    detach_runs_from_queues,
    get_work_pool,
    read_work_pool_by_name,
)

__all__ = [
    "DefaultQueueDeletion",
    "WorkPoolNotFound",
    "WorkQueueExists",
    "WorkQueueNotFound",
    "create_work_queue",
    "create_work_queue_in_pool",
    "delete_work_queue",
    "read_work_queue",
    "read_work_queue_by_name",
    "read_work_queue_in_pool",
    "read_work_queues",
    "resolve_work_queue",
    "update_work_queue",
    "work_pool_name_of",
]


class WorkQueueNotFound(LookupError):
    pass


class WorkQueueExists(ValueError):
    pass


class DefaultQueueDeletion(ValueError):
    def __init__(self) -> None:
        super().__init__("Can't delete a pool's default queue.")


# -- reading ------------------------------------------------------------------------------


async def read_work_queue(session: AsyncSession, queue_id: uuid.UUID) -> WorkQueue | None:
    return await session.get(WorkQueue, queue_id)


async def read_work_queue_in_pool(
    session: AsyncSession, pool_name: str, queue_name: str
) -> WorkQueue | None:
    """The queue `queue_name` of the pool `pool_name` (None if either is missing)."""
    stmt = (
        sa.select(WorkQueue)
        .join(WorkPool, WorkPool.id == WorkQueue.work_pool_id)
        .where(WorkPool.name == pool_name, WorkQueue.name == queue_name)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_work_queue_in_pool(
    session: AsyncSession, pool_name: str, queue_name: str
) -> WorkQueue:
    """The named queue of the named pool; WorkPoolNotFound or WorkQueueNotFound."""
    await get_work_pool(session, pool_name)
    queue = await read_work_queue_in_pool(session, pool_name, queue_name)
    if queue is None:
        raise WorkQueueNotFound(f"Work pool queue '{pool_name}/{queue_name}' not found.")
    return queue


async def read_work_queue_by_name(session: AsyncSession, name: str) -> WorkQueue | None:
    """`GET /work_queues/name/{name}`: the queue of that name in the default agent pool.

    Without that pool (nothing was ever created through `/work_queues/`), the first queue
    of that name in any pool, as Prefect does.
    """
    stmt = sa.select(WorkQueue).where(WorkQueue.name == name)
    agent_pool = await read_work_pool_by_name(session, DEFAULT_AGENT_WORK_POOL_NAME)
    if agent_pool is not None:
        stmt = stmt.where(WorkQueue.work_pool_id == agent_pool.id)
    stmt = stmt.order_by(WorkQueue.created, WorkQueue.id).limit(1)
    return (await session.execute(stmt)).scalar_one_or_none()


def _queue_conditions(flt: WorkQueueFilter | None) -> list[sa.ColumnElement[bool]]:
    if flt is None:
        return []
    out: list[sa.ColumnElement[bool]] = []
    if flt.id is not None and flt.id.any_ is not None:
        out.append(WorkQueue.id.in_(flt.id.any_))
    if flt.name is not None:
        if flt.name.any_ is not None:
            out.append(WorkQueue.name.in_(flt.name.any_))
        if flt.name.startswith_ is not None:
            prefixes = [
                WorkQueue.name.ilike(_escape_like(prefix) + "%", escape="\\")
                for prefix in flt.name.startswith_
            ]
            out.append(sa.or_(*prefixes) if prefixes else sa.false())
    if not out:
        return []
    return [sa.and_(*out) if flt.operator == "and_" else sa.or_(*out)]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def read_work_queues(
    session: AsyncSession,
    flt: WorkQueueFilter | None,
    *,
    pool_id: uuid.UUID | None = None,
    limit: int | None,
    offset: int,
) -> Sequence[WorkQueue]:
    """Queues matching `flt`: of one pool by priority, or of all pools by name."""
    stmt = sa.select(WorkQueue).where(*_queue_conditions(flt))
    if pool_id is not None:
        stmt = stmt.where(WorkQueue.work_pool_id == pool_id).order_by(
            WorkQueue.priority, WorkQueue.name
        )
    else:
        stmt = stmt.order_by(WorkQueue.name, WorkQueue.id)
    return list((await session.execute(stmt.offset(offset).limit(limit))).scalars())


def work_pool_name_of(session: AsyncSession, queue: WorkQueue) -> str:
    """The name of the pool `queue` belongs to (loaded with the queue: no query)."""
    del session  # kept in the signature for callers that hold one
    return queue.work_pool.name


# -- creating -----------------------------------------------------------------------------


async def create_work_queue_in_pool(
    session: AsyncSession, pool: WorkPool, create: WorkQueueCreate
) -> WorkQueue:
    """A new queue of `pool`; WorkQueueExists when the pool has one of that name."""
    if await read_work_queue_in_pool(session, pool.name, create.name) is not None:
        raise WorkQueueExists(
            f"A work queue named {create.name!r} already exists in {pool.name!r}."
        )
    try:
        async with session.begin_nested():
            return await insert_work_queue(session, pool.id, create)
    except IntegrityError:
        raise WorkQueueExists(
            f"A work queue named {create.name!r} already exists in {pool.name!r}."
        ) from None


async def _agent_pool(session: AsyncSession) -> WorkPool:
    pool = await read_work_pool_by_name(session, DEFAULT_AGENT_WORK_POOL_NAME)
    if pool is None:
        pool = await create_work_pool(
            session, WorkPoolCreate(name=DEFAULT_AGENT_WORK_POOL_NAME, type=AGENT_POOL_TYPE)
        )
    return pool


async def create_work_queue(session: AsyncSession, create: WorkQueueCreate) -> WorkQueue:
    """`POST /work_queues/`: a queue of the default agent pool (created on first use)."""
    return await create_work_queue_in_pool(session, await _agent_pool(session), create)


async def resolve_work_queue(
    session: AsyncSession, work_pool_name: str | None, work_queue_name: str | None
) -> WorkQueue | None:
    """The queue a deployment or run with these names belongs to.

    None when both are None; the pool's default queue when only the pool is named; a
    named queue is created in its pool when missing; a pool that does not exist raises
    WorkPoolNotFound (its message is "Work pool 'x' not found").
    """
    if work_pool_name is None and work_queue_name is None:
        return None
    if work_pool_name is None:
        pool = await _agent_pool(session)
    else:
        pool = await get_work_pool(session, work_pool_name)
    if work_queue_name is None:
        assert pool.default_queue_id is not None
        queue = await read_work_queue(session, pool.default_queue_id)
        assert queue is not None
        return queue
    existing = await read_work_queue_in_pool(session, pool.name, work_queue_name)
    if existing is not None:
        return existing
    try:
        return await create_work_queue_in_pool(session, pool, WorkQueueCreate(name=work_queue_name))
    except WorkQueueExists:
        # created by a concurrent request between the read and the insert
        queue = await read_work_queue_in_pool(session, pool.name, work_queue_name)
        assert queue is not None
        return queue


# -- changing -----------------------------------------------------------------------------


def _polled_recently(last_polled: datetime | None, now: datetime, timeout: float) -> bool:
    return last_polled is not None and (now - last_polled).total_seconds() <= timeout


async def update_work_queue(
    session: AsyncSession,
    queue: WorkQueue,
    update: WorkQueueUpdate,
    *,
    now: datetime,
    last_polled_timeout: float,
) -> None:
    """Apply the fields sent; a rename to a taken name raises WorkQueueExists."""
    values: dict[str, Any] = update.model_dump(exclude_unset=True, exclude={"filter"})
    for key in ("name", "is_paused", "priority"):
        if key in values and values[key] is None:
            del values[key]
    if "name" in values and values["name"] != queue.name:
        pool_name = queue.work_pool.name
        if await read_work_queue_in_pool(session, pool_name, values["name"]) is not None:
            raise WorkQueueExists(
                f"A work queue named {values['name']!r} already exists in {pool_name!r}."
            )
    for key, value in values.items():
        setattr(queue, key, value)
    if "is_paused" in values:
        if queue.is_paused:
            queue.status = WorkQueueStatus.PAUSED
        elif queue.status == WorkQueueStatus.PAUSED:
            ready = _polled_recently(queue.last_polled, now, last_polled_timeout)
            queue.status = WorkQueueStatus.READY if ready else WorkQueueStatus.NOT_READY
    if "priority" in values:
        settle_priorities(await pool_queues(session, queue.work_pool_id), moved=queue)
    await session.flush()


async def delete_work_queue(session: AsyncSession, queue: WorkQueue) -> None:
    """Delete a queue that is not its pool's default (DefaultQueueDeletion otherwise)."""
    if queue.work_pool.default_queue_id == queue.id:
        raise DefaultQueueDeletion()
    await detach_runs_from_queues(session, [queue.id])
    await session.execute(
        sa.delete(WorkQueue).where(WorkQueue.id == queue.id),
        execution_options={"synchronize_session": False},
    )
