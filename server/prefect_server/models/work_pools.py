"""Work pools: create (with their default queue), read by name, filter, update, delete.

A pool of a known type (process, docker, kubernetes) created without a base job template
gets the default one of its type (`prefect.workers.templates`); Prefect's server stores
an empty one, and leaves the default to its CLI.

Pool status follows Prefect: PAUSED while paused, READY while a worker is online,
NOT_READY otherwise; the legacy "prefect-agent" pools have no status at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from prefect.schemas.work_pools import (
    WorkerStatus,
    WorkPoolCreate,
    WorkPoolFilter,
    WorkPoolStatus,
    WorkPoolUpdate,
    WorkQueueCreate,
)
from prefect.workers.templates import POOL_TYPES, default_base_job_template
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database import orm
from prefect_server.database.orm_work_pools import Worker, WorkPool, WorkQueue
from prefect_server.models.queue_priorities import insert_work_queue

AGENT_POOL_TYPE = "prefect-agent"


class WorkPoolNotFound(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"Work pool {name!r} not found")
        self.name = name


class WorkPoolExists(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"A work pool named {name!r} already exists.")
        self.name = name


def is_reserved_name(name: str) -> bool:
    """Prefect keeps pool names starting with "prefect" for itself."""
    return name.lower().startswith("prefect")


async def read_work_pool_by_name(session: AsyncSession, name: str) -> WorkPool | None:
    result = await session.execute(sa.select(WorkPool).where(WorkPool.name == name))
    return result.scalar_one_or_none()


async def get_work_pool(session: AsyncSession, name: str) -> WorkPool:
    """The pool named `name`, or WorkPoolNotFound."""
    pool = await read_work_pool_by_name(session, name)
    if pool is None:
        raise WorkPoolNotFound(name)
    return pool


def _initial_status(pool_type: str, is_paused: bool) -> str | None:
    if pool_type == AGENT_POOL_TYPE:
        return None
    return WorkPoolStatus.PAUSED if is_paused else WorkPoolStatus.NOT_READY


def _template_of(create: WorkPoolCreate) -> dict[str, Any]:
    """The template sent, or the default of the pool's type when none was sent (a pool
    of another type, whose worker brings its own, keeps an empty one)."""
    if create.base_job_template or create.type not in POOL_TYPES:
        return create.base_job_template
    return default_base_job_template(create.type)


async def create_work_pool(session: AsyncSession, create: WorkPoolCreate) -> WorkPool:
    """A new pool with its "default" queue; WorkPoolExists when the name is taken."""
    if await read_work_pool_by_name(session, create.name) is not None:
        raise WorkPoolExists(create.name)
    pool = WorkPool(
        id=uuid.uuid4(),
        name=create.name,
        description=create.description,
        type=create.type,
        base_job_template=_template_of(create),
        storage_configuration=create.storage_configuration.model_dump(mode="json"),
        is_paused=create.is_paused,
        concurrency_limit=create.concurrency_limit,
        status=_initial_status(create.type, create.is_paused),
    )
    try:
        # a savepoint, so that losing a race on the name leaves the transaction usable
        async with session.begin_nested():
            session.add(pool)
            await session.flush()
    except IntegrityError:
        raise WorkPoolExists(create.name) from None
    default = await insert_work_queue(
        session,
        pool.id,
        WorkQueueCreate(name="default", description="The work pool's default queue."),
    )
    pool.default_queue_id = default.id
    await session.flush()
    return pool


def _pool_conditions(flt: WorkPoolFilter | None) -> list[sa.ColumnElement[bool]]:
    if flt is None:
        return []
    out: list[sa.ColumnElement[bool]] = []
    if flt.id is not None and flt.id.any_ is not None:
        out.append(WorkPool.id.in_(flt.id.any_))
    if flt.name is not None and flt.name.any_ is not None:
        out.append(WorkPool.name.in_(flt.name.any_))
    if flt.type is not None and flt.type.any_ is not None:
        out.append(WorkPool.type.in_(flt.type.any_))
    if not out:
        return []
    return [sa.and_(*out) if flt.operator == "and_" else sa.or_(*out)]


async def read_work_pools(
    session: AsyncSession, flt: WorkPoolFilter | None, *, limit: int | None, offset: int
) -> Sequence[WorkPool]:
    stmt = (
        sa.select(WorkPool)
        .where(*_pool_conditions(flt))
        .order_by(WorkPool.name)
        .offset(offset)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def count_work_pools(session: AsyncSession, flt: WorkPoolFilter | None) -> int:
    stmt = sa.select(sa.func.count()).select_from(WorkPool).where(*_pool_conditions(flt))
    return int((await session.execute(stmt)).scalar_one())


async def has_online_worker(session: AsyncSession, pool_id: uuid.UUID) -> bool:
    stmt = sa.select(
        sa.exists().where(Worker.work_pool_id == pool_id, Worker.status == WorkerStatus.ONLINE)
    )
    return bool((await session.execute(stmt)).scalar())


# fields that cannot be null: a null sent for them means "leave it"
_NOT_NULL = {"is_paused", "base_job_template", "storage_configuration"}


async def update_work_pool(session: AsyncSession, name: str, update: WorkPoolUpdate) -> None:
    pool = await get_work_pool(session, name)
    values: dict[str, Any] = {
        key: value
        for key, value in update.model_dump(mode="json", exclude_unset=True).items()
        if not (value is None and key in _NOT_NULL)
    }
    for key, value in values.items():
        setattr(pool, key, value)
    if "is_paused" in values and pool.type != AGENT_POOL_TYPE:
        if pool.is_paused:
            pool.status = WorkPoolStatus.PAUSED
        elif await has_online_worker(session, pool.id):
            pool.status = WorkPoolStatus.READY
        else:
            pool.status = WorkPoolStatus.NOT_READY
    await session.flush()


async def detach_runs_from_queues(session: AsyncSession, queue_ids: Any) -> None:
    """Runs (and deployments) of deleted queues keep their names but lose the link.

    This is Prefect's ON DELETE SET NULL, done by hand: the run and deployment tables do
    not declare a foreign key to the queue table.
    """
    await session.execute(
        sa.update(orm.FlowRun)
        .where(orm.FlowRun.work_queue_id.in_(queue_ids))
        .values(work_queue_id=None),
        execution_options={"synchronize_session": False},
    )
    deployment = orm.Base.metadata.tables.get("deployment")
    if deployment is not None and "work_queue_id" in deployment.c:
        await session.execute(
            sa.update(deployment)
            .where(deployment.c.work_queue_id.in_(queue_ids))
            .values(work_queue_id=None)
        )


async def delete_work_pool(session: AsyncSession, name: str) -> None:
    """Delete the pool with its queues and workers; WorkPoolNotFound if unknown."""
    pool = await get_work_pool(session, name)
    queue_ids = sa.select(WorkQueue.id).where(WorkQueue.work_pool_id == pool.id)
    await detach_runs_from_queues(session, queue_ids)
    for table in (Worker, WorkQueue):
        await session.execute(
            sa.delete(table).where(table.work_pool_id == pool.id),
            execution_options={"synchronize_session": False},
        )
    await session.execute(
        sa.delete(WorkPool).where(WorkPool.id == pool.id),
        execution_options={"synchronize_session": False},
    )
