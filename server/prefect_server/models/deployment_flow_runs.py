"""Runs of a deployment: created on request, and found by a runner polling its deployments."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from prefect.schemas.actions import FlowRunCreate, StateCreate
from prefect.schemas.deployments import (
    DeploymentFlowRunCreate,
    GetScheduledFlowRunsForDeploymentsRequest,
)
from prefect.schemas.objects import StateDetails, StateType
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database import orm
from prefect_server.database.orm_deployments import Deployment
from prefect_server.models.deployment_parameters import validate_parameters
from prefect_server.models.deployments import ParameterSchemaMissing, mark_deployments_ready
from prefect_server.models.flow_runs import create_flow_run
from prefect_server.models.scheduled_runs import run_labels
from prefect_server.models.work_queues import resolve_work_queue


def _check_parameters(
    deployment: Deployment, create: DeploymentFlowRunCreate, parameters: dict[str, object]
) -> None:
    enforce = (
        create.enforce_parameter_schema
        if create.enforce_parameter_schema is not None
        else deployment.enforce_parameter_schema
    )
    if not enforce:
        return
    schema = deployment.parameter_openapi_schema
    if not isinstance(schema, dict):
        raise ParameterSchemaMissing(
            "Cannot create a flow run with enforced parameters: the deployment does not have "
            "a valid parameter schema."
        )
    validate_parameters(parameters, schema)


async def create_flow_run_from_deployment(
    session: AsyncSession, deployment: Deployment, create: DeploymentFlowRunCreate, now: datetime
) -> tuple[orm.FlowRun, bool]:
    """A run of the deployment, or the run this request already made (same idempotency key).

    ParameterSchemaError when enforced parameters do not match the schema; WorkPoolNotFound
    when `work_queue_name` needs a pool that is gone.
    """
    parameters = {**deployment.parameters, **create.parameters}
    _check_parameters(deployment, create, parameters)
    queue_id, queue_name = deployment.work_queue_id, deployment.work_queue_name
    pool_id, pool_name = deployment.work_pool_id, deployment.work_pool_name
    if create.work_queue_name is not None and create.work_queue_name != queue_name:
        queue = await resolve_work_queue(session, pool_name, create.work_queue_name)
        assert queue is not None
        queue_id, queue_name = queue.id, queue.name
        pool_id, pool_name = queue.work_pool_id, queue.work_pool.name
    state = create.state or StateCreate(
        type=StateType.SCHEDULED, name="Scheduled", state_details=StateDetails(scheduled_time=now)
    )
    action = FlowRunCreate(
        name=create.name,
        flow_id=deployment.flow_id,
        deployment_id=deployment.id,
        state=state,
        parameters=parameters,
        context=create.context,
        parent_task_run_id=create.parent_task_run_id,
        infrastructure_document_id=(
            create.infrastructure_document_id or deployment.infrastructure_document_id
        ),
        empirical_policy=create.empirical_policy,
        tags=sorted({*deployment.tags, *create.tags}),
        labels=run_labels(deployment, create.labels),
        idempotency_key=create.idempotency_key,
        work_pool_name=pool_name,
        work_queue_name=queue_name,
        # the run's overrides only: workers merge them over the deployment's, as in Prefect
        job_variables=create.job_variables,
    )
    run, created = await create_flow_run(session, action)
    if created:
        run.deployment_version = deployment.version
        run.work_queue_id = queue_id
        run.work_pool_id = pool_id
        await session.flush()
    return run, created


async def get_scheduled_flow_runs(
    session: AsyncSession, body: GetScheduledFlowRunsForDeploymentsRequest, now: datetime
) -> list[orm.FlowRun]:
    """Scheduled runs of these deployments due by `scheduled_before`, soonest first.

    The deployments count as polled now (their status becomes READY), as in Prefect.
    """
    stmt = sa.select(orm.FlowRun).where(
        orm.FlowRun.deployment_id.in_(body.deployment_ids),
        orm.FlowRun.state_type == StateType.SCHEDULED.value,
    )
    if body.scheduled_before is not None:
        stmt = stmt.where(orm.FlowRun.next_scheduled_start_time <= body.scheduled_before)
    stmt = stmt.order_by(
        orm.FlowRun.next_scheduled_start_time.asc().nulls_last(), orm.FlowRun.id
    ).limit(body.limit)
    runs = list((await session.execute(stmt)).scalars())
    await mark_deployments_ready(session, now, deployment_ids=list(body.deployment_ids))
    return runs
