"""The state history of flow runs and task runs."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database import orm


async def flow_run_states(session: AsyncSession, run_id: uuid.UUID) -> list[orm.FlowRunState]:
    stmt = (
        sa.select(orm.FlowRunState)
        .where(orm.FlowRunState.flow_run_id == run_id)
        .order_by(orm.FlowRunState.timestamp, orm.FlowRunState.created)
    )
    return list((await session.execute(stmt)).scalars())


async def task_run_states(session: AsyncSession, run_id: uuid.UUID) -> list[orm.TaskRunState]:
    stmt = (
        sa.select(orm.TaskRunState)
        .where(orm.TaskRunState.task_run_id == run_id)
        .order_by(orm.TaskRunState.timestamp, orm.TaskRunState.created)
    )
    return list((await session.execute(stmt)).scalars())
