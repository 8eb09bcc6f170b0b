"""Deployments: upsert by (flow, name), read, filter, update, pause, delete.

Every change that can move a deployment's plan (its schedules, parameters, queue, paused
flag, ...) replaces its future auto-scheduled runs in the same transaction, so the runs a
worker sees always match the deployment as it now stands.

A deployment's `concurrency_limit` lives, as in Prefect 3, in a v2 global concurrency
limit named `deployment:{id}`, created, changed and deleted with it; the orchestration
rules in `orchestration.deployment_concurrency` take and give back its slots.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from prefect.schemas.concurrency import ConcurrencyLimitV2Create, ConcurrencyLimitV2Update
from prefect.schemas.deployments import (
    DeploymentBulkDeleteRequest,
    DeploymentCountRequest,
    DeploymentCreate,
    DeploymentFilterRequest,
    DeploymentStatus,
    DeploymentUpdate,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database import orm
from prefect_server.database.dialects import dialect_of
from prefect_server.database.filters_deployments import deployment_order, deployments_where
from prefect_server.database.orm_concurrency import ConcurrencyLimitV2 as LimitRow
from prefect_server.database.orm_deployments import Deployment, DeploymentSchedule
from prefect_server.models import concurrency_limits_v2 as limits
from prefect_server.models.deployment_parameters import validate_parameters
from prefect_server.models.deployment_schedules import sync_schedules
from prefect_server.models.scheduled_runs import delete_future_auto_scheduled_runs, reschedule
from prefect_server.models.work_queues import resolve_work_queue


class FlowNotFound(LookupError):
    pass


class ParameterSchemaMissing(ValueError):
    """Parameters are enforced but the deployment has no schema to enforce them with."""


# Columns that cannot be empty: null in an update leaves them as they are.
_NOT_NULLABLE = frozenset(
    {"paused", "parameters", "tags", "labels", "job_variables", "enforce_parameter_schema"}
)
# Fields copied onto the runs the scheduler makes: changing one replaces the future runs.
_RUN_FIELDS = frozenset(
    {
        "schedules",
        "paused",
        "parameters",
        "tags",
        "labels",
        "version",
        "work_pool_name",
        "work_queue_name",
        "infrastructure_document_id",
    }
)
# Fields that are not plain columns of the row.
_NOT_COLUMNS = frozenset({"schedules", "work_pool_name", "work_queue_name", "flow_id", "name"})


async def _deployment_labels(
    session: AsyncSession, flow_id: uuid.UUID, given: dict[str, Any]
) -> dict[str, Any]:
    """The flow's labels, the system's, then the deployment's own, as Prefect merges them."""
    flow = await session.get(orm.Flow, flow_id)
    inherited = flow.labels if flow is not None else {}
    return {**(inherited or {}), "prefect.flow.id": str(flow_id), **given}


async def read_deployment(session: AsyncSession, deployment_id: uuid.UUID) -> Deployment | None:
    """The deployment with its schedules and queue as stored now (reloaded if cached)."""
    stmt = (
        sa.select(Deployment)
        .where(Deployment.id == deployment_id)
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def read_deployment_by_name(
    session: AsyncSession, flow_name: str, name: str
) -> Deployment | None:
    stmt = (
        sa.select(Deployment)
        .join(orm.Flow, orm.Flow.id == Deployment.flow_id)
        .where(orm.Flow.name == flow_name, Deployment.name == name)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def read_deployments(
    session: AsyncSession, body: DeploymentFilterRequest
) -> list[Deployment]:
    stmt = (
        sa.select(Deployment)
        .where(*deployments_where(body, dialect_of(session)))
        .order_by(*deployment_order(body.sort))
        .offset(body.offset)
        .limit(body.limit)
    )
    return list((await session.execute(stmt)).scalars())


async def count_deployments(session: AsyncSession, body: DeploymentCountRequest) -> int:
    stmt = (
        sa.select(sa.func.count())
        .select_from(Deployment)
        .where(*deployments_where(body, dialect_of(session)))
    )
    return int((await session.execute(stmt)).scalar_one())


async def _place_in_queue(
    session: AsyncSession, row: Deployment, pool_name: str | None, queue_name: str | None
) -> None:
    """Point the deployment at the queue these names give (WorkPoolNotFound if unknown)."""
    queue = await resolve_work_queue(session, pool_name, queue_name)
    row.work_queue_id = queue.id if queue is not None else None
    row.work_queue_name = queue.name if queue is not None else None


def _column_values(data: dict[str, Any], concurrency_options: Any) -> dict[str, Any]:
    values = {k: v for k, v in data.items() if k not in _NOT_COLUMNS}
    values = {k: v for k, v in values.items() if v is not None or k not in _NOT_NULLABLE}
    if "concurrency_options" in values and concurrency_options is not None:
        values["concurrency_options"] = concurrency_options.model_dump(mode="json")
    return values


def limit_name(deployment_id: uuid.UUID) -> str:
    """The v2 limit that enforces a deployment's `concurrency_limit` (Prefect 3's name)."""
    return f"deployment:{deployment_id}"


async def _sync_concurrency_limit(
    session: AsyncSession, row: Deployment, sent: dict[str, Any], now: datetime
) -> None:
    """Keep the deployment's v2 limit in step with a `concurrency_limit` that was sent:
    a number creates or resizes it, null deletes it (slots held by running flows are
    then simply not counted any more, as when a v2 limit is deleted)."""
    if "concurrency_limit" not in sent:
        return
    wanted: int | None = sent["concurrency_limit"]
    name = limit_name(row.id)
    existing = await limits.read_limit(session, name, lock=True)
    if wanted is None:
        if existing is not None:
            await limits.delete_limit(session, existing)
        row.global_concurrency_limit_id = None
        return
    if existing is None:
        existing = await limits.create_limit(
            session, ConcurrencyLimitV2Create(name=name, limit=wanted), now
        )
    elif existing.limit != wanted:
        await limits.update_limit(session, existing, ConcurrencyLimitV2Update(limit=wanted), now)
    row.global_concurrency_limit_id = existing.id


async def concurrency_limits_of(
    session: AsyncSession, rows: list[Deployment]
) -> dict[uuid.UUID, LimitRow]:
    """The v2 limits these deployments point at, by deployment id, in one query."""
    wanted = {r.id: r.global_concurrency_limit_id for r in rows if r.global_concurrency_limit_id}
    if not wanted:
        return {}
    stmt = (
        sa.select(LimitRow)
        .where(LimitRow.id.in_(set(wanted.values())))
        .execution_options(populate_existing=True)
    )
    found = {limit.id: limit for limit in (await session.execute(stmt)).scalars()}
    return {dep: found[lim] for dep, lim in wanted.items() if lim in found}


async def _by_flow_and_name(
    session: AsyncSession, flow_id: uuid.UUID, name: str
) -> Deployment | None:
    stmt = sa.select(Deployment).where(Deployment.flow_id == flow_id, Deployment.name == name)
    return (await session.execute(stmt)).scalar_one_or_none()


async def upsert_deployment(
    session: AsyncSession, create: DeploymentCreate, now: datetime
) -> tuple[Deployment, bool]:
    """Create the deployment, or update the flow's deployment of that name; True if created.

    As in Prefect, an update changes only the fields the request set, and the schedules
    become the ones sent (matched by slug, so a redeploy keeps their ids).
    """
    if await session.get(orm.Flow, create.flow_id) is None:
        raise FlowNotFound("Flow not found")
    sent = create.model_dump(exclude_unset=True)
    row = await _by_flow_and_name(session, create.flow_id, create.name)
    created = row is None
    if row is None:
        values = _column_values(create.model_dump(), create.concurrency_options)
        row = Deployment(id=uuid.uuid4(), flow_id=create.flow_id, name=create.name, **values)
        try:
            # a savepoint, so that losing a race on the name leaves the transaction usable
            async with session.begin_nested():
                session.add(row)
                await session.flush()
        except IntegrityError:
            row = await _by_flow_and_name(session, create.flow_id, create.name)
            if row is None:
                raise
            created = False
    if not created:
        for key, value in _column_values(sent, create.concurrency_options).items():
            setattr(row, key, value)
        row.updated = now
    if created or "labels" in sent:
        row.labels = await _deployment_labels(session, create.flow_id, create.labels)
    if created or "work_pool_name" in sent or "work_queue_name" in sent:
        await _place_in_queue(session, row, create.work_pool_name, create.work_queue_name)
    await session.flush()
    await _sync_concurrency_limit(session, row, sent, now)
    await sync_schedules(session, row.id, create.schedules)
    await reschedule(session, [row.id], now)
    fresh = await read_deployment(session, row.id)
    assert fresh is not None
    return fresh, created


def _check_parameters(row: Deployment, update: DeploymentUpdate) -> None:
    enforce = (
        update.enforce_parameter_schema
        if update.enforce_parameter_schema is not None
        else row.enforce_parameter_schema
    )
    if not enforce:
        return
    schema = update.parameter_openapi_schema or row.parameter_openapi_schema
    if not isinstance(schema, dict):
        if update.parameters is not None:
            raise ParameterSchemaMissing(
                "Cannot update parameters because parameter schema enforcement is enabled "
                "and the deployment does not have a valid parameter schema."
            )
        return
    parameters = update.parameters if update.parameters is not None else row.parameters
    validate_parameters(parameters, schema, ignore_required=True)


async def update_deployment(
    session: AsyncSession, row: Deployment, update: DeploymentUpdate, now: datetime
) -> Deployment:
    """Apply `update` (ParameterSchemaError, WorkPoolNotFound, ... on bad input)."""
    _check_parameters(row, update)
    sent = update.model_dump(exclude_unset=True)
    for key, value in _column_values(sent, update.concurrency_options).items():
        setattr(row, key, value)
    row.updated = now
    if update.labels is not None:
        row.labels = await _deployment_labels(session, row.flow_id, update.labels)
    if "work_pool_name" in sent or "work_queue_name" in sent:
        current_pool = row.work_pool_name
        pool = update.work_pool_name if "work_pool_name" in sent else current_pool
        queue = update.work_queue_name
        if queue is None and "work_queue_name" not in sent and pool == current_pool:
            queue = row.work_queue_name
        await _place_in_queue(session, row, pool, queue)
    await session.flush()
    await _sync_concurrency_limit(session, row, sent, now)
    if update.schedules is not None:
        await sync_schedules(session, row.id, update.schedules)
    if _RUN_FIELDS & sent.keys():
        await reschedule(session, [row.id], now)
    fresh = await read_deployment(session, row.id)
    assert fresh is not None
    return fresh


async def set_paused(session: AsyncSession, row: Deployment, paused: bool, now: datetime) -> None:
    """Pause (its future auto-scheduled runs go) or resume (they come back at once)."""
    row.paused = paused
    row.updated = now
    await session.flush()
    await reschedule(session, [row.id], now)


async def _delete(session: AsyncSession, ids: list[uuid.UUID], now: datetime) -> None:
    await delete_future_auto_scheduled_runs(session, ids, now)
    for table in (DeploymentSchedule,):
        await session.execute(
            sa.delete(table).where(table.deployment_id.in_(ids)),
            execution_options={"synchronize_session": False},
        )
    await session.execute(
        sa.delete(Deployment).where(Deployment.id.in_(ids)),
        execution_options={"synchronize_session": False},
    )
    # leases on the deleted limits stay behind and expire harmlessly
    await session.execute(
        sa.delete(LimitRow).where(LimitRow.name.in_([limit_name(i) for i in ids])),
        execution_options={"synchronize_session": False},
    )


async def delete_deployment(session: AsyncSession, deployment_id: uuid.UUID, now: datetime) -> bool:
    """Delete the deployment, its schedules and its future auto-scheduled runs."""
    if await session.get(Deployment, deployment_id) is None:
        return False
    await _delete(session, [deployment_id], now)
    return True


async def bulk_delete_deployments(
    session: AsyncSession, body: DeploymentBulkDeleteRequest, now: datetime
) -> list[uuid.UUID]:
    """Delete up to `body.limit` deployments matching the filter; their ids."""
    where = DeploymentCountRequest(deployments=body.deployments)
    stmt = (
        sa.select(Deployment.id)
        .where(*deployments_where(where, dialect_of(session)))
        .order_by(Deployment.id)
        .limit(body.limit)
    )
    ids = list((await session.execute(stmt)).scalars())
    if ids:
        await _delete(session, ids, now)
    return ids


async def mark_deployments_ready(
    session: AsyncSession,
    now: datetime,
    *,
    deployment_ids: list[uuid.UUID] | None = None,
    work_queue_ids: list[uuid.UUID] | None = None,
) -> None:
    """Something polled for these deployments' runs (by id, or by their queues) just now."""
    conditions = []
    if deployment_ids:
        conditions.append(Deployment.id.in_(deployment_ids))
    if work_queue_ids:
        conditions.append(Deployment.work_queue_id.in_(work_queue_ids))
    if not conditions:
        return
    await session.execute(
        sa.update(Deployment)
        .where(sa.or_(*conditions))
        .values(last_polled=now, status=DeploymentStatus.READY.value),
        execution_options={"synchronize_session": False},
    )
