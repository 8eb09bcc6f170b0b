"""Routes of a flow run's inputs and of resuming a paused run (mounted by `flow_runs`).

    POST   /flow_runs/{id}/resume          {"run_input": {...}}  -> OrchestrationResult
    POST   /flow_runs/{id}/input           {"key", "value", "sender"}
    POST   /flow_runs/{id}/input/filter    {"prefix", "limit", "exclude_keys"}
    GET    /flow_runs/{id}/input/{key}     the value, as text
    DELETE /flow_runs/{id}/input/{key}

As in Prefect 3, a resume that the run's state or the input does not allow is answered
200 with an ABORT or REJECT result whose `details.reason` says why; only a run that does
not exist is a 404.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Body, Depends, HTTPException, Response, status
from fastapi.responses import PlainTextResponse
from prefect.schemas.flow_run_input import (
    FlowRunInput,
    FlowRunInputCreate,
    FlowRunInputFilter,
    ResumeFlowRun,
)
from prefect.schemas.responses import OrchestrationResult, SetStateStatus
from sqlalchemy.exc import IntegrityError

from prefect_server.api.dependencies import get_db, not_found
from prefect_server.database.engine import Database
from prefect_server.models import flow_run_input as models
from prefect_server.models.flow_runs import read_flow_run

# no prefix: included into the /flow_runs router
router = APIRouter()


@router.post("/{id}/resume")
async def resume_flow_run(
    id: uuid.UUID,
    response: Response,
    body: ResumeFlowRun = Body(default_factory=ResumeFlowRun),
    db: Database = Depends(get_db),
) -> OrchestrationResult:
    async with db.write() as session:
        run = await read_flow_run(session, id)
        if run is None:
            not_found("Flow run")
        result = await models.resume_flow_run(session, run, body.run_input)
    accepted = result.status == SetStateStatus.ACCEPT
    response.status_code = status.HTTP_201_CREATED if accepted else status.HTTP_200_OK
    return result


@router.post("/{id}/input", status_code=status.HTTP_201_CREATED)
async def create_flow_run_input(
    id: uuid.UUID, body: FlowRunInputCreate, db: Database = Depends(get_db)
) -> None:
    try:
        async with db.write() as session:
            if await read_flow_run(session, id) is None:
                not_found("Flow run")
            await models.create_input(session, id, body)
    except models.InputKeyTaken as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    except IntegrityError:
        # a concurrent request stored the same key between our check and our write
        raise HTTPException(status_code=409, detail=str(models.InputKeyTaken(body.key))) from None


@router.post("/{id}/input/filter")
async def filter_flow_run_input(
    id: uuid.UUID, body: FlowRunInputFilter, db: Database = Depends(get_db)
) -> list[FlowRunInput]:
    async with db.read() as session:
        rows = await models.filter_inputs(session, id, body)
    return [FlowRunInput.model_validate(row, from_attributes=True) for row in rows]


@router.get("/{id}/input/{key}", response_class=PlainTextResponse)
async def read_flow_run_input(id: uuid.UUID, key: str, db: Database = Depends(get_db)) -> str:
    async with db.read() as session:
        row = await models.read_input(session, id, key)
    if row is None:
        not_found("Flow run input")
    return row.value


@router.delete("/{id}/input/{key}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_flow_run_input(id: uuid.UUID, key: str, db: Database = Depends(get_db)) -> None:
    async with db.write() as session:
        deleted = await models.delete_input(session, id, key)
    if not deleted:
        not_found("Flow run input")
