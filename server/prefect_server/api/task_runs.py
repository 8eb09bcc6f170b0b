"""/task_runs routes, including the batched `report` of runs orchestrated in the flow process."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Body, Depends, HTTPException, Response, status
from prefect.schemas.actions import SetStateBody, TaskRunCreate, TaskRunReport, TaskRunUpdate
from prefect.schemas.filters import CountRequest, TaskRunFilterRequest, TaskRunPaginateRequest
from prefect.schemas.objects import TaskRun
from prefect.schemas.responses import (
    OrchestrationResult,
    SetStateStatus,
    TaskRunPaginationResponse,
)

from prefect_server.api import convert
from prefect_server.api.bulk import bulk_body, bulk_openapi
from prefect_server.api.dependencies import get_db, not_found
from prefect_server.api.pagination import page_count, page_request
from prefect_server.database.engine import Database
from prefect_server.models import task_run_reports
from prefect_server.models import task_runs as models
from prefect_server.orchestration.concurrency_rules import (
    propose_task_state,
    release_reported_slots,
)

router = APIRouter(prefix="/task_runs", tags=["Task Runs"])


@router.post("/", status_code=status.HTTP_201_CREATED)
async def create_task_run(
    task_run: TaskRunCreate, response: Response, db: Database = Depends(get_db)
) -> TaskRun:
    try:
        async with db.write() as session:
            row, created = await models.create_task_run(session, task_run)
    except models.FlowRunNotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    if not created:
        response.status_code = status.HTTP_200_OK
    return convert.task_run(row)


@router.post("/report", openapi_extra=bulk_openapi(TaskRunReport))
async def report_task_runs(
    reports: list[TaskRunReport] = Depends(bulk_body(TaskRunReport)),
    db: Database = Depends(get_db),
) -> dict[str, int]:
    async with db.write() as session:
        runs, states = await task_run_reports.store_reports(session, reports)
        # runs with tags took their slots through set_state; leaving Running is reported here
        await release_reported_slots(session, reports)
    return {"task_runs": runs, "states": states}


@router.get("/{id}")
async def read_task_run(id: uuid.UUID, db: Database = Depends(get_db)) -> TaskRun:
    async with db.read() as session:
        row = await models.read_task_run(session, id)
    if row is None:
        not_found("Task run")
    return convert.task_run(row)


@router.post("/filter")
async def read_task_runs(
    body: TaskRunFilterRequest = Body(default_factory=TaskRunFilterRequest),
    db: Database = Depends(get_db),
) -> list[TaskRun]:
    async with db.read() as session:
        rows = await models.read_task_runs(session, body)
    return [convert.task_run(row) for row in rows]


@router.post("/count")
async def count_task_runs(
    body: CountRequest = Body(default_factory=CountRequest), db: Database = Depends(get_db)
) -> int:
    async with db.read() as session:
        return await models.count_task_runs(session, body)


@router.post("/{id}/set_state")
async def set_task_run_state(
    id: uuid.UUID, body: SetStateBody, response: Response, db: Database = Depends(get_db)
) -> OrchestrationResult:
    async with db.write() as session:
        run = await models.read_task_run(session, id)
        if run is None:
            not_found("Task run")
        # the tag concurrency rules need the store (slots), so they wrap the policy here
        result = await propose_task_state(session, run, body.state, force=body.force)
    accepted = result.status == SetStateStatus.ACCEPT
    response.status_code = status.HTTP_201_CREATED if accepted else status.HTTP_200_OK
    return result


@router.patch("/{id}", status_code=status.HTTP_204_NO_CONTENT)
async def update_task_run(
    id: uuid.UUID, task_run: TaskRunUpdate, db: Database = Depends(get_db)
) -> None:
    async with db.write() as session:
        found = await models.update_task_run(session, id, task_run)
    if not found:
        not_found("Task run")


@router.delete("/{id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_task_run(id: uuid.UUID, db: Database = Depends(get_db)) -> None:
    async with db.write() as session:
        found = await models.delete_task_run(session, id)
    if not found:
        not_found("Task run")


@router.post("/paginate")
async def paginate_task_runs(
    body: TaskRunPaginateRequest = Body(default_factory=TaskRunPaginateRequest),
    db: Database = Depends(get_db),
) -> TaskRunPaginationResponse:
    request = page_request(body, TaskRunFilterRequest)
    async with db.read() as session:
        count = await models.count_task_runs(session, request)
        rows = await models.read_task_runs(session, request)
    return TaskRunPaginationResponse(
        results=[convert.task_run(row) for row in rows],
        count=count,
        limit=body.limit,
        pages=page_count(count, body.limit),
        page=body.page,
    )
