"""The foreman: keeps worker, pool, queue and deployment statuses true to the clock.

- A worker that has sent no heartbeat for INACTIVITY_HEARTBEAT_MULTIPLE of its intervals
  (the fallback interval when it never said) is OFFLINE.
- A pool is PAUSED while paused, READY while one of its workers is ONLINE, NOT_READY
  otherwise ("prefect-agent" pools have no status).
- A queue is PAUSED while paused, READY when polled within
  WORK_QUEUE_LAST_POLLED_TIMEOUT_SECONDS, NOT_READY otherwise.
- A READY deployment (when the deployment table keeps `last_polled` and `status`) is
  NOT_READY once neither it nor its queue was polled within
  DEPLOYMENT_LAST_POLLED_TIMEOUT_SECONDS.

Heartbeats and polls make things ready as they happen; this pass is what notices silence.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from prefect._time import now as clock
from prefect.schemas.work_pools import WorkerStatus, WorkPoolStatus, WorkQueueStatus
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database import orm
from prefect_server.database.orm_work_pools import Worker, WorkPool, WorkQueue
from prefect_server.models.work_pools import AGENT_POOL_TYPE
from prefect_server.services.base import LoopService, setting_name


async def _changed(session: AsyncSession, stmt: Any) -> int:
    result = cast(CursorResult[Any], await session.execute(stmt))
    return int(result.rowcount or 0)


def _not(column: Any, value: str) -> sa.ColumnElement[bool]:
    """`column` is NULL or differs from `value` (SQL's `!=` is unknown on NULL)."""
    return sa.or_(column.is_(None), column != value)


class Foreman(LoopService):
    name = "foreman"

    def _setting(self, suffix: str) -> float:
        return float(self.settings.value_of(setting_name(self.name, suffix)))

    async def run_once(self, now: datetime | None = None) -> int:
        now = now if now is not None else clock()
        async with self.db.write() as session:
            changed = await self._workers_offline(session, now)
            changed += await self._pool_statuses(session)
            changed += await self._queue_statuses(session, now)
            changed += await self._deployments_not_ready(session, now)
        return changed

    async def _workers_offline(self, session: AsyncSession, now: datetime) -> int:
        multiple = self._setting("INACTIVITY_HEARTBEAT_MULTIPLE")
        fallback = self._setting("FALLBACK_HEARTBEAT_INTERVAL_SECONDS")
        online = await session.execute(
            sa.select(
                Worker.id, Worker.last_heartbeat_time, Worker.heartbeat_interval_seconds
            ).where(Worker.status == WorkerStatus.ONLINE.value)
        )
        silent = [
            worker_id
            for worker_id, last_beat, interval in online.all()
            if now - last_beat > timedelta(seconds=multiple * (interval or fallback))
        ]
        if not silent:
            return 0
        return await _changed(
            session,
            sa.update(Worker)
            .where(Worker.id.in_(silent))
            .values(status=WorkerStatus.OFFLINE.value, updated=now),
        )

    async def _pool_statuses(self, session: AsyncSession) -> int:
        has_online = sa.exists().where(
            Worker.work_pool_id == WorkPool.id, Worker.status == WorkerStatus.ONLINE.value
        )
        managed = WorkPool.type != AGENT_POOL_TYPE
        wanted = {
            WorkPoolStatus.PAUSED: WorkPool.is_paused.is_(True),
            WorkPoolStatus.READY: sa.and_(sa.not_(WorkPool.is_paused), has_online),
            WorkPoolStatus.NOT_READY: sa.and_(sa.not_(WorkPool.is_paused), sa.not_(has_online)),
        }
        changed = 0
        for status, condition in wanted.items():
            changed += await _changed(
                session,
                sa.update(WorkPool)
                .where(managed, condition, _not(WorkPool.status, status.value))
                .values(status=status.value)
                .execution_options(synchronize_session=False),
            )
        return changed

    async def _queue_statuses(self, session: AsyncSession, now: datetime) -> int:
        since = now - timedelta(seconds=self._setting("WORK_QUEUE_LAST_POLLED_TIMEOUT_SECONDS"))
        recent = sa.and_(WorkQueue.last_polled.is_not(None), WorkQueue.last_polled >= since)
        wanted = {
            WorkQueueStatus.PAUSED: WorkQueue.is_paused.is_(True),
            WorkQueueStatus.READY: sa.and_(sa.not_(WorkQueue.is_paused), recent),
            WorkQueueStatus.NOT_READY: sa.and_(sa.not_(WorkQueue.is_paused), sa.not_(recent)),
        }
        changed = 0
        for status, condition in wanted.items():
            changed += await _changed(
                session,
                sa.update(WorkQueue)
                .where(condition, _not(WorkQueue.status, status.value))
                .values(status=status.value)
                .execution_options(synchronize_session=False),
            )
        return changed

    async def _deployments_not_ready(self, session: AsyncSession, now: datetime) -> int:
        # The deployment table belongs to another module and may not keep poll times yet.
        table = orm.Base.metadata.tables.get("deployment")
        if table is None or not {"last_polled", "status"} <= set(table.c.keys()):
            return 0
        since = now - timedelta(seconds=self._setting("DEPLOYMENT_LAST_POLLED_TIMEOUT_SECONDS"))
        conditions = [
            table.c.status == "READY",
            table.c.last_polled.is_not(None),
            table.c.last_polled < since,
        ]
        if "work_queue_id" in table.c:
            # a deployment whose queue is still polled stays ready
            queue_polled = sa.exists().where(
                WorkQueue.id == table.c.work_queue_id, WorkQueue.last_polled >= since
            )
            conditions.append(sa.not_(queue_polled))
        return await _changed(
            session, sa.update(table).where(*conditions).values(status="NOT_READY")
        )
