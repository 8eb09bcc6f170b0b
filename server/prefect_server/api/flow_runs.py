"""/flow_runs routes."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Body, Depends, HTTPException, Response, status
from prefect._time import now
from prefect.schemas.actions import FlowRunCreate, FlowRunUpdate, SetStateBody
from prefect.schemas.filters import (
    CountRequest,
    FlowRunBulkDeleteRequest,
    FlowRunFilterRequest,
    FlowRunPaginateRequest,
    HistoryRequest,
)
from prefect.schemas.objects import FlowRun, KeyValueLabels
from prefect.schemas.responses import (
    DependencyResult,
    FlowRunBulkDeleteResponse,
    FlowRunPaginationResponse,
    HistoryResponse,
    OrchestrationResult,
    SetStateStatus,
)

from prefect_server.api import convert, flow_run_input
from prefect_server.api.dependencies import get_db, not_found
from prefect_server.api.pagination import page_count, page_request
from prefect_server.database.engine import Database
from prefect_server.models import flow_runs as models
from prefect_server.models.flow_run_create_lean import create_flow_run_lean
from prefect_server.models.flow_run_listing import list_flow_runs
from prefect_server.models.graph import flow_run_graph
from prefect_server.models.history import flow_run_history
from prefect_server.models.work_pools import WorkPoolNotFound
from prefect_server.orchestration.transition import propose_state

router = APIRouter(prefix="/flow_runs", tags=["Flow Runs"])


@router.post("/", status_code=status.HTTP_201_CREATED)
async def create_flow_run(
    flow_run: FlowRunCreate, response: Response, db: Database = Depends(get_db)
) -> FlowRun:
    row = await create_flow_run_lean(db, flow_run)
    if row is not None:
        return convert.flow_run(row)
    try:
        async with db.write() as session:
            row, created = await models.create_flow_run(session, flow_run)
    except (models.FlowNotFound, WorkPoolNotFound) as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    if not created:
        response.status_code = status.HTTP_200_OK
    return convert.flow_run(row)


@router.get("/{id}")
async def read_flow_run(id: uuid.UUID, db: Database = Depends(get_db)) -> FlowRun:
    async with db.read() as session:
        row = await models.read_flow_run(session, id)
    if row is None:
        not_found("Flow run")
    return convert.flow_run(row)


@router.patch("/{id}", status_code=status.HTTP_204_NO_CONTENT)
async def update_flow_run(
    id: uuid.UUID, flow_run: FlowRunUpdate, db: Database = Depends(get_db)
) -> None:
    async with db.write() as session:
        found = await models.update_flow_run(session, id, flow_run)
    if not found:
        not_found("Flow run")


@router.delete("/{id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_flow_run(id: uuid.UUID, db: Database = Depends(get_db)) -> None:
    async with db.write() as session:
        found = await models.delete_flow_run(session, id)
    if not found:
        not_found("Flow run")


@router.post("/filter")
async def read_flow_runs(
    body: FlowRunFilterRequest = Body(default_factory=FlowRunFilterRequest),
    db: Database = Depends(get_db),
) -> list[FlowRun]:
    async with db.read() as session:
        return await list_flow_runs(session, body)


@router.post("/count")
async def count_flow_runs(
    body: CountRequest = Body(default_factory=CountRequest), db: Database = Depends(get_db)
) -> int:
    async with db.read() as session:
        return await models.count_flow_runs(session, body)


@router.post("/{id}/set_state")
async def set_flow_run_state(
    id: uuid.UUID, body: SetStateBody, response: Response, db: Database = Depends(get_db)
) -> OrchestrationResult:
    async with db.write() as session:
        loaded = await models.read_flow_run_for_transition(session, id)
        if loaded is None:
            not_found("Flow run")
        run, _flow = loaded
        result = await propose_state(session, run, body.state, force=body.force)
    accepted = result.status == SetStateStatus.ACCEPT
    response.status_code = status.HTTP_201_CREATED if accepted else status.HTTP_200_OK
    return result


@router.post("/paginate")
async def paginate_flow_runs(
    body: FlowRunPaginateRequest = Body(default_factory=FlowRunPaginateRequest),
    db: Database = Depends(get_db),
) -> FlowRunPaginationResponse:
    request = page_request(body, FlowRunFilterRequest)
    async with db.read() as session:
        count = await models.count_flow_runs(session, request)
        results = await list_flow_runs(session, request)
    return FlowRunPaginationResponse(
        results=results,
        count=count,
        limit=body.limit,
        pages=page_count(count, body.limit),
        page=body.page,
    )


@router.post("/history")
async def read_flow_run_history(
    body: HistoryRequest, db: Database = Depends(get_db)
) -> list[HistoryResponse]:
    async with db.read() as session:
        return await flow_run_history(session, body, now())


@router.post("/bulk_delete")
async def bulk_delete_flow_runs(
    body: FlowRunBulkDeleteRequest = Body(default_factory=FlowRunBulkDeleteRequest),
    db: Database = Depends(get_db),
) -> FlowRunBulkDeleteResponse:
    async with db.write() as session:
        deleted = await models.bulk_delete_flow_runs(session, body)
    return FlowRunBulkDeleteResponse(deleted=deleted)


@router.get("/{id}/graph")
async def read_flow_run_graph(
    id: uuid.UUID, db: Database = Depends(get_db)
) -> list[DependencyResult]:
    async with db.read() as session:
        if await models.read_flow_run(session, id) is None:
            not_found("Flow run")
        return await flow_run_graph(session, id, now())


@router.patch("/{id}/labels", status_code=status.HTTP_204_NO_CONTENT)
async def update_flow_run_labels(
    id: uuid.UUID, labels: KeyValueLabels = Body(...), db: Database = Depends(get_db)
) -> None:
    async with db.write() as session:
        found = await models.update_flow_run_labels(session, id, labels)
    if not found:
        not_found("Flow run")


# /{id}/resume and /{id}/input...: pause/resume with input, in a module of their own
router.include_router(flow_run_input.router)
