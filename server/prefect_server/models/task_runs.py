"""Task runs: create (idempotent on flow run, task and dynamic key), read, filter, change."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from prefect.schemas.actions import StateCreate, TaskRunCreate, TaskRunUpdate
from prefect.schemas.filters import CountRequest, TaskRunFilterRequest
from prefect.schemas.objects import StateType
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from prefect_server.database import filters, orm
from prefect_server.database.dialects import dialect_of
from prefect_server.orchestration.transition import propose_state


class FlowRunNotFound(LookupError):
    pass


async def read_task_run(session: AsyncSession, run_id: uuid.UUID) -> orm.TaskRun | None:
    return await session.get(orm.TaskRun, run_id)


async def _existing(session: AsyncSession, create: TaskRunCreate) -> orm.TaskRun | None:
    if create.id is not None and (found := await read_task_run(session, create.id)):
        return found
    if create.flow_run_id is None:
        return None
    stmt = sa.select(orm.TaskRun).where(
        orm.TaskRun.flow_run_id == create.flow_run_id,
        orm.TaskRun.task_key == create.task_key,
        orm.TaskRun.dynamic_key == create.dynamic_key,
    )
    return (await session.execute(stmt)).scalar_one_or_none()


def task_inputs_json(create: TaskRunCreate) -> dict[str, Any]:
    return {
        name: [item.model_dump(mode="json") for item in items]
        for name, items in create.task_inputs.items()
    }


async def create_task_run(session: AsyncSession, create: TaskRunCreate) -> tuple[orm.TaskRun, bool]:
    """The new run and True, or the run already stored for the same id or keys and False."""
    if (existing := await _existing(session, create)) is not None:
        return existing, False
    if (
        create.flow_run_id is not None
        and await session.get(orm.FlowRun, create.flow_run_id) is None
    ):
        raise FlowRunNotFound(f"Flow run {create.flow_run_id} not found")
    values = create.model_dump(exclude={"state", "id", "task_inputs", "empirical_policy"})
    run = orm.TaskRun(
        id=create.id or uuid.uuid4(),
        empirical_policy=create.empirical_policy.model_dump(mode="json"),
        task_inputs=task_inputs_json(create),
        **{**values, "name": create.name or create.task_key},
    )
    try:
        async with session.begin_nested():
            session.add(run)
            await session.flush()
    except IntegrityError:
        if (existing := await _existing(session, create)) is not None:
            return existing, False
        raise
    set_committed_value(run, "state", None)
    await propose_state(session, run, create.state or StateCreate(type=StateType.PENDING))
    return run, True


async def read_task_runs(session: AsyncSession, body: TaskRunFilterRequest) -> list[orm.TaskRun]:
    chosen = await filters.choose_related(session, body)
    stmt = (
        sa.select(orm.TaskRun)
        .where(*filters.task_runs_where(body, dialect_of(session), chosen))
        .order_by(*filters.task_run_order(body.sort))
        .offset(body.offset)
        .limit(body.limit)
    )
    return list((await session.execute(stmt)).scalars())


async def count_task_runs(session: AsyncSession, body: CountRequest | TaskRunFilterRequest) -> int:
    """Exact up to a limit, then estimated on PostgreSQL (see `models.counting`)."""
    from prefect_server.models.counting import bounded_count

    chosen = await filters.choose_related(session, body)
    where = filters.task_runs_where(body, dialect_of(session), chosen)
    return await bounded_count(session, orm.TaskRun, where)


async def update_task_run(session: AsyncSession, run_id: uuid.UUID, update: TaskRunUpdate) -> bool:
    run = await read_task_run(session, run_id)
    if run is None:
        return False
    for key, value in update.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(run, key, value)
    await session.flush()
    return True


async def delete_task_run(session: AsyncSession, run_id: uuid.UUID) -> bool:
    """Delete the task run with its states and logs; False if unknown."""
    if await read_task_run(session, run_id) is None:
        return False
    statements = [
        sa.delete(orm.TaskRunState).where(orm.TaskRunState.task_run_id == run_id),
        sa.delete(orm.Log).where(orm.Log.task_run_id == run_id),
        sa.delete(orm.TaskRun).where(orm.TaskRun.id == run_id),
    ]
    for stmt in statements:
        await session.execute(stmt, execution_options={"synchronize_session": False})
    return True
