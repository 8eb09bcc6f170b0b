"""Routes: Deployments, their schedules, and runs created from them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

from fastapi import APIRouter, Body, Depends, HTTPException, Response, status
from prefect._time import now
from prefect.schemas.deployments import (
    Deployment,
    DeploymentBulkDeleteRequest,
    DeploymentBulkDeleteResponse,
    DeploymentCountRequest,
    DeploymentCreate,
    DeploymentFilterRequest,
    DeploymentFlowRunCreate,
    DeploymentPaginateRequest,
    DeploymentPaginationResponse,
    DeploymentUpdate,
    GetScheduledFlowRunsForDeploymentsRequest,
)
from prefect.schemas.objects import FlowRun
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.api import convert
from prefect_server.api.dependencies import get_db, not_found
from prefect_server.api.deployment_schedules import router as schedules_router
from prefect_server.api.pagination import page_count, page_request
from prefect_server.database.engine import Database
from prefect_server.database.orm_concurrency import ConcurrencyLimitV2 as LimitRow
from prefect_server.database.orm_deployments import Deployment as DeploymentRow
from prefect_server.models import concurrency_limits_v2 as limits
from prefect_server.models import deployment_flow_runs as run_models
from prefect_server.models import deployments as models
from prefect_server.models.deployment_parameters import (
    InvalidParameterSchema,
    ParameterSchemaError,
)
from prefect_server.models.deployment_schedules import DuplicateScheduleSlug, ScheduleSlugTaken
from prefect_server.models.work_pools import WorkPoolNotFound

router = APIRouter(prefix="/deployments", tags=["Deployments"])


def deployment(row: DeploymentRow, limit: LimitRow | None = None) -> Deployment:
    """The wire shape; `limit` is the v2 limit enforcing its `concurrency_limit`, if any."""
    result = Deployment.model_validate(row, from_attributes=True)
    if limit is not None:
        # as in Prefect 3, the limit object is the truth (it may be resized directly)
        shown = limits.as_response(limit, now())
        result.global_concurrency_limit = shown.model_dump(mode="json")
        result.concurrency_limit = shown.limit
    return result


async def deployments(session: AsyncSession, rows: list[DeploymentRow]) -> list[Deployment]:
    found = await models.concurrency_limits_of(session, rows)
    return [deployment(row, found.get(row.id)) for row in rows]


async def one(session: AsyncSession, row: DeploymentRow) -> Deployment:
    return (await deployments(session, [row]))[0]


def _raise(status_code: int, detail: str) -> NoReturn:
    raise HTTPException(status_code=status_code, detail=detail)


@contextmanager
def bad_input(action: str) -> Iterator[None]:
    """The model errors of a deployment request, as 4xx answers with their reason."""
    try:
        yield
    except (models.FlowNotFound, WorkPoolNotFound) as exc:
        _raise(404, str(exc))
    except (ParameterSchemaError, models.ParameterSchemaMissing) as exc:
        _raise(409, f"Error {action}: {exc}")
    except ScheduleSlugTaken as exc:
        _raise(409, str(exc))
    except (InvalidParameterSchema, DuplicateScheduleSlug) as exc:
        _raise(422, str(exc))


async def _read(db: Database, deployment_id: uuid.UUID) -> Deployment:
    async with db.read() as session:
        row = await models.read_deployment(session, deployment_id)
        if row is None:
            not_found("Deployment")
        return await one(session, row)


@router.post("/", status_code=status.HTTP_201_CREATED)
async def create_deployment(
    body: DeploymentCreate, response: Response, db: Database = Depends(get_db)
) -> Deployment:
    """Create the deployment, or update the flow's deployment of that name (200)."""
    with bad_input("creating deployment"):
        async with db.write() as session:
            row, created = await models.upsert_deployment(session, body, now())
            result = await one(session, row)
    if not created:
        response.status_code = status.HTTP_200_OK
    return result


@router.get("/{id}")
async def read_deployment(id: uuid.UUID, db: Database = Depends(get_db)) -> Deployment:
    return await _read(db, id)


# `:path`: a flow name may hold "/", a deployment name may not, so the last "/" splits them
@router.get("/name/{names:path}")
async def read_deployment_by_name(names: str, db: Database = Depends(get_db)) -> Deployment:
    flow_name, _, name = names.rpartition("/")
    if not flow_name or not name:
        not_found("Deployment")
    async with db.read() as session:
        row = await models.read_deployment_by_name(session, flow_name, name)
        if row is None:
            not_found("Deployment")
        return await one(session, row)


@router.patch("/{id}", status_code=status.HTTP_204_NO_CONTENT)
async def update_deployment(
    id: uuid.UUID, body: DeploymentUpdate, db: Database = Depends(get_db)
) -> None:
    with bad_input("updating deployment"):
        async with db.write() as session:
            row = await models.read_deployment(session, id)
            if row is None:
                not_found("Deployment")
            await models.update_deployment(session, row, body, now())


@router.delete("/{id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_deployment(id: uuid.UUID, db: Database = Depends(get_db)) -> None:
    async with db.write() as session:
        found = await models.delete_deployment(session, id, now())
    if not found:
        not_found("Deployment")


@router.post("/filter")
async def read_deployments(
    body: DeploymentFilterRequest = Body(default_factory=DeploymentFilterRequest),
    db: Database = Depends(get_db),
) -> list[Deployment]:
    async with db.read() as session:
        rows = await models.read_deployments(session, body)
        return await deployments(session, rows)


@router.post("/count")
async def count_deployments(
    body: DeploymentCountRequest = Body(default_factory=DeploymentCountRequest),
    db: Database = Depends(get_db),
) -> int:
    async with db.read() as session:
        return await models.count_deployments(session, body)


@router.post("/paginate")
async def paginate_deployments(
    body: DeploymentPaginateRequest = Body(default_factory=DeploymentPaginateRequest),
    db: Database = Depends(get_db),
) -> DeploymentPaginationResponse:
    request = page_request(body, DeploymentFilterRequest)
    async with db.read() as session:
        count = await models.count_deployments(session, request)
        rows = await models.read_deployments(session, request)
        results = await deployments(session, rows)
    return DeploymentPaginationResponse(
        results=results,
        count=count,
        limit=body.limit,
        pages=page_count(count, body.limit),
        page=body.page,
    )


@router.post("/bulk_delete")
async def bulk_delete_deployments(
    body: DeploymentBulkDeleteRequest = Body(default_factory=DeploymentBulkDeleteRequest),
    db: Database = Depends(get_db),
) -> DeploymentBulkDeleteResponse:
    async with db.write() as session:
        deleted = await models.bulk_delete_deployments(session, body, now())
    return DeploymentBulkDeleteResponse(deleted=deleted)


@router.post("/{id}/create_flow_run", status_code=status.HTTP_201_CREATED)
async def create_flow_run_from_deployment(
    id: uuid.UUID,
    response: Response,
    body: DeploymentFlowRunCreate = Body(default_factory=DeploymentFlowRunCreate),
    db: Database = Depends(get_db),
) -> FlowRun:
    """A run of the deployment (200 with the existing run for a repeated idempotency key)."""
    with bad_input("creating flow run"):
        async with db.write() as session:
            row = await models.read_deployment(session, id)
            if row is None:
                not_found("Deployment")
            run, created = await run_models.create_flow_run_from_deployment(
                session, row, body, now()
            )
            result = convert.flow_run(run)
    if not created:
        response.status_code = status.HTTP_200_OK
    return result


@router.post("/{id}/pause_deployment")
async def pause_deployment(id: uuid.UUID, db: Database = Depends(get_db)) -> None:
    """Pause: the scheduler stops and the future auto-scheduled runs are removed."""
    async with db.write() as session:
        row = await models.read_deployment(session, id)
        if row is None:
            not_found("Deployment")
        await models.set_paused(session, row, True, now())


@router.post("/{id}/resume_deployment")
async def resume_deployment(id: uuid.UUID, db: Database = Depends(get_db)) -> None:
    """Resume: runs are scheduled again at once."""
    async with db.write() as session:
        row = await models.read_deployment(session, id)
        if row is None:
            not_found("Deployment")
        await models.set_paused(session, row, False, now())


@router.post("/get_scheduled_flow_runs")
async def get_scheduled_flow_runs_for_deployments(
    body: GetScheduledFlowRunsForDeploymentsRequest, db: Database = Depends(get_db)
) -> list[FlowRun]:
    """Scheduled runs of these deployments due by `scheduled_before`, for a polling runner."""
    async with db.write() as session:
        runs = await run_models.get_scheduled_flow_runs(session, body, now())
        return [convert.flow_run(run) for run in runs]


# every router here is mounted under /api by `prefect_server.app`
routers: list[APIRouter] = [router, schedules_router]
