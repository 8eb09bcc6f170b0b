"""/flow_runs routes."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Body, Depends, HTTPException, Response, status
from prefect.schemas.actions import FlowRunCreate, FlowRunUpdate, SetStateBody
from prefect.schemas.filters import CountRequest, FlowRunFilterRequest
from prefect.schemas.objects import FlowRun
from prefect.schemas.responses import OrchestrationResult, SetStateStatus

from prefect_server.api import convert
from prefect_server.api.dependencies import get_db, not_found
from prefect_server.database.engine import Database
from prefect_server.models import flow_runs as models
from prefect_server.orchestration.transition import propose_state

router = APIRouter(prefix="/flow_runs", tags=["Flow Runs"])


@router.post("/", status_code=status.HTTP_201_CREATED)
async def create_flow_run(
    flow_run: FlowRunCreate, response: Response, db: Database = Depends(get_db)
) -> FlowRun:
    try:
        async with db.write() as session:
            row, created = await models.create_flow_run(session, flow_run)
    except models.FlowNotFound as exc:
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
        rows = await models.read_flow_runs(session, body)
    return [convert.flow_run(row) for row in rows]


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
        run = await models.read_flow_run(session, id)
        if run is None:
            not_found("Flow run")
        result = await propose_state(session, run, body.state, force=body.force)
    accepted = result.status == SetStateStatus.ACCEPT
    response.status_code = status.HTTP_201_CREATED if accepted else status.HTTP_200_OK
    return result
