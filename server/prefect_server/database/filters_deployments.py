"""Deployment filter bodies (`prefect.schemas.deployments`) turned into SQL.

`deployment_condition` is the one condition other resources need to filter their rows by
deployment (`{"deployments": {...}}` in a flow-run filter body): runs whose
`deployment_id` is in `select(Deployment.id).where(deployment_condition(...))`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from prefect.schemas.deployments import DeploymentCountRequest, DeploymentFilter, DeploymentSort
from prefect.schemas.filters import CountRequest
from prefect.schemas.work_pools import WorkPoolFilter, WorkQueueFilter

from prefect_server.database import orm
from prefect_server.database.filters import (
    Condition,
    _combine,
    _tags,
    flow_condition,
    flow_runs_where,
)
from prefect_server.database.orm_deployments import Deployment
from prefect_server.database.orm_work_pools import WorkPool, WorkQueue


def _like(col: Any, text: str) -> Condition:
    # substring match, case-insensitive, with the user's text taken literally
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    condition: Condition = col.ilike(f"%{escaped}%", escape="\\")
    return condition


def deployment_condition(flt: DeploymentFilter | None, dialect: str) -> Condition:
    if flt is None:
        return sa.true()
    t = Deployment
    out: list[Condition] = []
    if flt.id is not None and flt.id.any_ is not None:
        out.append(t.id.in_(flt.id.any_))
    if flt.name is not None:
        if flt.name.any_ is not None:
            out.append(t.name.in_(flt.name.any_))
        if flt.name.like_ is not None:
            out.append(_like(t.name, flt.name.like_))
    if flt.flow_or_deployment_name is not None and flt.flow_or_deployment_name.like_ is not None:
        text = flt.flow_or_deployment_name.like_
        flows = sa.select(orm.Flow.id).where(_like(orm.Flow.name, text))
        out.append(sa.or_(_like(t.name, text), t.flow_id.in_(flows)))
    if flt.paused is not None and flt.paused.eq_ is not None:
        out.append(t.paused.is_(flt.paused.eq_))
    out.extend(_tags(t.tags, flt.tags, dialect))
    if flt.work_queue_name is not None and flt.work_queue_name.any_ is not None:
        out.append(t.work_queue_name.in_(flt.work_queue_name.any_))
    limit = flt.concurrency_limit
    if limit is not None:
        if limit.ge_ is not None:
            out.append(t.concurrency_limit >= limit.ge_)
        if limit.le_ is not None:
            out.append(t.concurrency_limit <= limit.le_)
        if limit.is_null_ is not None:
            column = t.concurrency_limit
            out.append(column.is_(None) if limit.is_null_ else column.is_not(None))
    return _combine(flt.operator, out)


def _pool_condition(flt: WorkPoolFilter) -> Condition:
    out: list[Condition] = []
    if flt.id is not None and flt.id.any_ is not None:
        out.append(WorkPool.id.in_(flt.id.any_))
    if flt.name is not None and flt.name.any_ is not None:
        out.append(WorkPool.name.in_(flt.name.any_))
    if flt.type is not None and flt.type.any_ is not None:
        out.append(WorkPool.type.in_(flt.type.any_))
    return _combine(flt.operator, out)


def _queue_condition(flt: WorkQueueFilter) -> Condition:
    out: list[Condition] = []
    if flt.id is not None and flt.id.any_ is not None:
        out.append(WorkQueue.id.in_(flt.id.any_))
    if flt.name is not None:
        if flt.name.any_ is not None:
            out.append(WorkQueue.name.in_(flt.name.any_))
        if flt.name.startswith_ is not None:
            escaped = [
                p.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                for p in flt.name.startswith_
            ]
            prefixes = [WorkQueue.name.ilike(p + "%", escape="\\") for p in escaped]
            out.append(sa.or_(*prefixes) if prefixes else sa.false())
    return _combine(flt.operator, out)


def deployments_where(body: DeploymentCountRequest, dialect: str) -> list[Condition]:
    """The conditions of a deployment filter body; the relation filters narrow (AND)."""
    t = Deployment
    out = [deployment_condition(body.deployments, dialect)]
    if body.flows is not None:
        flows = sa.select(orm.Flow.id).where(flow_condition(body.flows, dialect))
        out.append(t.flow_id.in_(flows))
    if body.flow_runs is not None or body.task_runs is not None:
        related = CountRequest(flow_runs=body.flow_runs, task_runs=body.task_runs)
        runs = sa.select(orm.FlowRun.deployment_id).where(
            orm.FlowRun.deployment_id.is_not(None), *flow_runs_where(related, dialect)
        )
        out.append(t.id.in_(runs))
    if body.work_pools is not None:
        pools = sa.select(WorkPool.id).where(_pool_condition(body.work_pools))
        queues = sa.select(WorkQueue.id).where(WorkQueue.work_pool_id.in_(pools))
        out.append(t.work_queue_id.in_(queues))
    if body.work_pool_queues is not None:
        queues = sa.select(WorkQueue.id).where(_queue_condition(body.work_pool_queues))
        out.append(t.work_queue_id.in_(queues))
    return out


def deployment_order(sort: DeploymentSort) -> list[Any]:
    t = Deployment
    by: dict[DeploymentSort, list[Any]] = {
        DeploymentSort.CREATED_DESC: [t.created.desc()],
        DeploymentSort.UPDATED_DESC: [t.updated.desc()],
        DeploymentSort.NAME_ASC: [t.name.asc()],
        DeploymentSort.NAME_DESC: [t.name.desc()],
    }
    return [*by[sort], t.id.desc()]
