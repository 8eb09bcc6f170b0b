"""Flows: idempotent create by name, read, update, filter, count, delete with their runs."""

from __future__ import annotations

import uuid
from typing import Any, cast

import sqlalchemy as sa
from prefect.schemas.actions import FlowCreate, FlowUpdate
from prefect.schemas.filters import CountRequest, FlowFilterRequest
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database import filters, orm
from prefect_server.database.dialects import dialect_of, insert
from prefect_server.models.flow_runs import delete_runs_cascade


async def get_flow_by_name(session: AsyncSession, name: str) -> orm.Flow | None:
    result = await session.execute(sa.select(orm.Flow).where(orm.Flow.name == name))
    return result.scalar_one_or_none()


async def create_flow(session: AsyncSession, flow: FlowCreate) -> tuple[orm.Flow, bool]:
    """The flow named `flow.name`, created unless it exists; True when created.

    The insert skips a conflicting name instead of failing, so two processes registering
    the same flow at once both end up with the one row.
    """
    existing = await get_flow_by_name(session, flow.name)
    if existing is not None:
        return existing, False
    stmt = (
        insert(session, orm.Flow)
        .values(id=uuid.uuid4(), name=flow.name, tags=flow.tags, labels=flow.labels)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    result = cast(CursorResult[Any], await session.execute(stmt))
    row = await get_flow_by_name(session, flow.name)
    assert row is not None
    return row, bool(result.rowcount)


async def read_flow(session: AsyncSession, flow_id: uuid.UUID) -> orm.Flow | None:
    return await session.get(orm.Flow, flow_id)


async def read_flows(session: AsyncSession, body: FlowFilterRequest) -> list[orm.Flow]:
    stmt = (
        sa.select(orm.Flow)
        .where(*filters.flows_where(body, dialect_of(session)))
        .order_by(*filters.flow_order(body.sort))
        .offset(body.offset)
        .limit(body.limit)
    )
    return list((await session.execute(stmt)).scalars())


async def count_flows(session: AsyncSession, body: CountRequest | FlowFilterRequest) -> int:
    stmt = (
        sa.select(sa.func.count())
        .select_from(orm.Flow)
        .where(*filters.flows_where(body, dialect_of(session)))
    )
    return int((await session.execute(stmt)).scalar_one())


async def update_flow(session: AsyncSession, flow_id: uuid.UUID, update: FlowUpdate) -> bool:
    flow = await read_flow(session, flow_id)
    if flow is None:
        return False
    # a field sent as null means "leave it", as in Prefect's update actions
    for key, value in update.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(flow, key, value)
    await session.flush()
    return True


async def delete_flow(session: AsyncSession, flow_id: uuid.UUID) -> bool:
    """Delete the flow with its runs, their task runs, states and logs; False if unknown."""
    if await read_flow(session, flow_id) is None:
        return False
    await delete_runs_cascade(
        session, sa.select(orm.FlowRun.id).where(orm.FlowRun.flow_id == flow_id)
    )
    await session.execute(
        sa.delete(orm.Flow).where(orm.Flow.id == flow_id),
        execution_options={"synchronize_session": False},
    )
    return True
