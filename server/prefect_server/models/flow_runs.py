"""Flow runs: create (idempotent by id and by idempotency key), read, update, filter, delete."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from prefect.schemas.actions import FlowRunCreate, FlowRunUpdate, StateCreate
from prefect.schemas.filters import CountRequest, FlowRunBulkDeleteRequest, FlowRunFilterRequest
from prefect.schemas.objects import StateType
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from prefect_server.database import filters, orm
from prefect_server.database.dialects import dialect_of
from prefect_server.database.lean_writer import new_object
from prefect_server.database.orm_run_input import FlowRunInput
from prefect_server.models.names import generate_run_name
from prefect_server.orchestration.transition import propose_state


class FlowNotFound(LookupError):
    pass


async def read_flow_run(session: AsyncSession, run_id: uuid.UUID) -> orm.FlowRun | None:
    return await session.get(orm.FlowRun, run_id)


async def read_flow_run_for_transition(
    session: AsyncSession, run_id: uuid.UUID
) -> tuple[orm.FlowRun, orm.Flow | None] | None:
    """The run with its current state and its flow, in one SELECT.

    For a state change: the rules read the state, and the change's event names the flow,
    which it finds in the session while the caller holds the returned flow.
    """
    stmt = (
        sa.select(orm.FlowRun, orm.Flow)
        .outerjoin(orm.Flow, orm.Flow.id == orm.FlowRun.flow_id)
        .options(joinedload(orm.FlowRun.state))
        .where(orm.FlowRun.id == run_id)
    )
    found = (await session.execute(stmt)).first()
    if found is None:
        return None
    return found[0], found[1]


async def _by_idempotency_key(
    session: AsyncSession, flow_id: uuid.UUID, key: str
) -> orm.FlowRun | None:
    stmt = sa.select(orm.FlowRun).where(
        orm.FlowRun.flow_id == flow_id, orm.FlowRun.idempotency_key == key
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def _existing(session: AsyncSession, create: FlowRunCreate) -> orm.FlowRun | None:
    if create.id is not None and (found := await read_flow_run(session, create.id)):
        return found
    if create.idempotency_key is not None:
        return await _by_idempotency_key(session, create.flow_id, create.idempotency_key)
    return None


def new_run(create: FlowRunCreate) -> orm.FlowRun:
    """The run `create` asks for, not stored yet and without a state."""
    values = create.model_dump(exclude={"state", "id"})
    values["empirical_policy"] = create.empirical_policy.model_dump(mode="json")
    values["name"] = create.name or generate_run_name()
    # the counters the orchestration and the event read before the row is written
    values.update(id=create.id or uuid.uuid4(), run_count=0, total_run_time=timedelta(0))
    run = new_object(orm.FlowRun, values)
    set_committed_value(run, "state", None)
    return run


def first_state(create: FlowRunCreate) -> StateCreate:
    return create.state or StateCreate(type=StateType.PENDING)


async def create_flow_run(session: AsyncSession, create: FlowRunCreate) -> tuple[orm.FlowRun, bool]:
    """The new run and True, or the run this request already created (same id or key) and False.

    The initial state (Pending unless given) goes through orchestration like any other,
    and the run's row is written once, with that state already on it.
    """
    if (existing := await _existing(session, create)) is not None:
        return existing, False
    # held until the run's first event is written, which names the flow (the session's
    # identity map keeps only objects something else refers to)
    flow = await session.get(orm.Flow, create.flow_id)
    if flow is None:
        raise FlowNotFound(f"Flow {create.flow_id} not found")
    run = new_run(create)
    if create.work_pool_name is not None or create.work_queue_name is not None:
        # a run named into a pool or queue belongs to it, so that its workers find it
        from prefect_server.models.work_queues import resolve_work_queue

        queue = await resolve_work_queue(session, create.work_pool_name, create.work_queue_name)
        if queue is not None:
            run.work_queue_id = queue.id
            run.work_queue_name = queue.name
            run.work_pool_id = queue.work_pool_id
            run.work_pool_name = queue.work_pool.name
    initial = first_state(create)
    if dialect_of(session) != "postgresql":
        # SQLite: this write transaction has held the database's lock since the lookup of
        # an existing run, so no other writer can have taken the id or key meanwhile;
        # the row goes in with its first state, inserted by the orchestration
        await propose_state(session, run, initial, new_run=True)
        return run, True
    try:
        # a savepoint, so that losing a race on the key leaves the transaction usable
        async with session.begin_nested():
            session.add(run)
            await session.flush()
    except IntegrityError:
        if (existing := await _existing(session, create)) is not None:
            return existing, False
        raise
    await propose_state(session, run, initial)
    return run, True


async def update_flow_run(session: AsyncSession, run_id: uuid.UUID, update: FlowRunUpdate) -> bool:
    values = update.model_dump(exclude_unset=True)
    if "empirical_policy" in values and update.empirical_policy is not None:
        values["empirical_policy"] = update.empirical_policy.model_dump(mode="json")
    run = await read_flow_run(session, run_id)
    if run is None:
        return False
    for key, value in values.items():
        setattr(run, key, value)
    await session.flush()
    return True


async def read_flow_runs(session: AsyncSession, body: FlowRunFilterRequest) -> list[orm.FlowRun]:
    stmt = (
        sa.select(orm.FlowRun)
        .where(*filters.flow_runs_where(body, dialect_of(session)))
        .order_by(*filters.flow_run_order(body.sort))
        .offset(body.offset)
        .limit(body.limit)
    )
    return list((await session.execute(stmt)).scalars())


async def count_flow_runs(session: AsyncSession, body: CountRequest | FlowRunFilterRequest) -> int:
    """Exact up to a limit, then estimated on PostgreSQL (see `models.counting`)."""
    from prefect_server.models.counting import bounded_count

    chosen = await filters.choose_related(session, body)
    where = filters.flow_runs_where(body, dialect_of(session), chosen)
    return await bounded_count(session, orm.FlowRun, where)


async def delete_flow_run(session: AsyncSession, run_id: uuid.UUID) -> bool:
    """Delete the run with its states, task runs (and theirs) and logs; False if unknown."""
    if await session.get(orm.FlowRun, run_id) is None:
        return False
    await delete_runs_cascade(session, [run_id])
    return True


async def delete_runs_cascade(
    session: AsyncSession, run_ids: Sequence[uuid.UUID] | sa.Select[uuid.UUID]
) -> None:
    """Delete flow runs (a list of ids or a query of them) with everything recorded under them.

    Explicit rather than relying on ON DELETE CASCADE, which SQLite only honours on
    connections that enabled foreign keys. Children go first: each statement re-evaluates
    `run_ids`, so the runs must still exist while their children are found.
    """
    task_runs = sa.select(orm.TaskRun.id).where(orm.TaskRun.flow_run_id.in_(run_ids))
    statements = [
        sa.delete(FlowRunInput).where(FlowRunInput.flow_run_id.in_(run_ids)),
        sa.delete(orm.TaskRunState).where(orm.TaskRunState.task_run_id.in_(task_runs)),
        sa.delete(orm.Log).where(
            sa.or_(orm.Log.flow_run_id.in_(run_ids), orm.Log.task_run_id.in_(task_runs))
        ),
        sa.delete(orm.TaskRun).where(orm.TaskRun.flow_run_id.in_(run_ids)),
        sa.delete(orm.FlowRunState).where(orm.FlowRunState.flow_run_id.in_(run_ids)),
        sa.delete(orm.FlowRun).where(orm.FlowRun.id.in_(run_ids)),
    ]
    for stmt in statements:
        await session.execute(stmt, execution_options={"synchronize_session": False})


async def bulk_delete_flow_runs(
    session: AsyncSession, body: FlowRunBulkDeleteRequest
) -> list[uuid.UUID]:
    """Delete up to `body.limit` runs matching the filters (oldest ids last); their ids."""
    where = CountRequest(
        flows=body.flows,
        flow_runs=body.flow_runs,
        task_runs=body.task_runs,
        deployments=body.deployments,
        work_pools=body.work_pools,
        work_pool_queues=body.work_pool_queues,
    )
    chosen = await filters.choose_related(session, where)
    stmt = (
        sa.select(orm.FlowRun.id)
        .where(*filters.flow_runs_where(where, dialect_of(session), chosen))
        .order_by(orm.FlowRun.id)
        .limit(body.limit)
    )
    ids = list((await session.execute(stmt)).scalars())
    if ids:
        await delete_runs_cascade(session, ids)
    return ids


async def update_flow_run_labels(
    session: AsyncSession, run_id: uuid.UUID, labels: dict[str, Any]
) -> bool:
    """Merge `labels` into the run's labels (given keys win); False if the run is unknown."""
    # the row is locked on PostgreSQL so that two concurrent merges both land; SQLite's
    # write transaction already holds the database lock
    stmt = sa.select(orm.FlowRun).where(orm.FlowRun.id == run_id).with_for_update()
    run = (await session.execute(stmt)).scalar_one_or_none()
    if run is None:
        return False
    run.labels = {**(run.labels or {}), **labels}
    await session.flush()
    return True
