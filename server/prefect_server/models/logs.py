"""Run logs: written in batches, read through a filter."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from prefect.schemas.actions import LogCreate
from prefect.schemas.filters import LogFilterRequest
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database import filters, orm


async def create_logs(session: AsyncSession, logs: Sequence[LogCreate]) -> int:
    if not logs:
        return 0
    rows = [{"id": uuid.uuid4(), **log.model_dump()} for log in logs]
    await session.execute(sa.insert(orm.Log), rows)
    return len(rows)


async def read_logs(session: AsyncSession, body: LogFilterRequest) -> list[orm.Log]:
    stmt = (
        sa.select(orm.Log)
        .where(filters.log_condition(body.logs))
        .order_by(*filters.log_order(body.sort))
        .offset(body.offset)
        .limit(body.limit)
    )
    return list((await session.execute(stmt)).scalars())
