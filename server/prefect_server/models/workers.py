"""Workers: heartbeats (an upsert by pool and name), listing, deleting."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from prefect.schemas.work_pools import WorkerFilter, WorkerStatus, WorkPoolStatus
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database.dialects import insert
from prefect_server.database.orm_work_pools import Worker, WorkPool
from prefect_server.models.work_pools import AGENT_POOL_TYPE


async def record_heartbeat(
    session: AsyncSession,
    pool: WorkPool,
    name: str,
    heartbeat_interval_seconds: int | None,
    now: datetime,
) -> None:
    """The worker is online as of `now`; its pool is READY unless paused."""
    changes: dict[str, Any] = {
        "last_heartbeat_time": now,
        "status": WorkerStatus.ONLINE.value,
        "updated": now,
    }
    if heartbeat_interval_seconds is not None:
        changes["heartbeat_interval_seconds"] = heartbeat_interval_seconds
    stmt = (
        insert(session, Worker)
        .values(id=uuid.uuid4(), work_pool_id=pool.id, name=name, created=now, **changes)
        # one row per (pool, name) even when a worker's heartbeats race each other
        .on_conflict_do_update(index_elements=["work_pool_id", "name"], set_=changes)
    )
    await session.execute(stmt)
    if pool.type != AGENT_POOL_TYPE and not pool.is_paused:
        pool.status = WorkPoolStatus.READY
        await session.flush()


def _worker_conditions(flt: WorkerFilter | None) -> list[sa.ColumnElement[bool]]:
    if flt is None:
        return []
    out: list[sa.ColumnElement[bool]] = []
    if flt.last_heartbeat_time is not None:
        if flt.last_heartbeat_time.before_ is not None:
            out.append(Worker.last_heartbeat_time <= flt.last_heartbeat_time.before_)
        if flt.last_heartbeat_time.after_ is not None:
            out.append(Worker.last_heartbeat_time >= flt.last_heartbeat_time.after_)
    if flt.status is not None:
        if flt.status.any_ is not None:
            out.append(Worker.status.in_([s.value for s in flt.status.any_]))
        if flt.status.not_any_ is not None:
            out.append(Worker.status.not_in([s.value for s in flt.status.not_any_]))
    if not out:
        return []
    return [sa.and_(*out) if flt.operator == "and_" else sa.or_(*out)]


async def read_workers(
    session: AsyncSession,
    pool_id: uuid.UUID,
    flt: WorkerFilter | None,
    *,
    limit: int | None,
    offset: int,
) -> Sequence[Worker]:
    """The pool's workers, the most recent heartbeat first."""
    stmt = (
        sa.select(Worker)
        .where(Worker.work_pool_id == pool_id, *_worker_conditions(flt))
        .order_by(Worker.last_heartbeat_time.desc(), Worker.name)
        .offset(offset)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def delete_worker(session: AsyncSession, pool_id: uuid.UUID, name: str) -> bool:
    stmt = sa.delete(Worker).where(Worker.work_pool_id == pool_id, Worker.name == name)
    result = cast(CursorResult[Any], await session.execute(stmt))
    return bool(result.rowcount)
