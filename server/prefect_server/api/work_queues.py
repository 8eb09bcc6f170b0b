"""Routes: `/work_queues`, work queues by id (Prefect's older, pool-less face of queues).

Queues created here live in the "default-agent-pool"; any queue can be read, changed or
polled here by its id.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, Path, status
from prefect._time import now
from prefect.schemas.objects import FlowRun
from prefect.schemas.work_pools import (
    DEFAULT_LIMIT,
    WorkQueue,
    WorkQueueCreate,
    WorkQueueFilterRequest,
    WorkQueueGetRunsRequest,
    WorkQueueStatusDetail,
    WorkQueueUpdate,
)
from prefect.settings import get_current_settings
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.api import convert
from prefect_server.api import work_pool_convert as wp
from prefect_server.api.dependencies import get_db, not_found
from prefect_server.database.engine import Database
from prefect_server.database.orm_work_pools import WorkQueue as WorkQueueRow
from prefect_server.models import work_pool_polls as polls
from prefect_server.models import work_queues as queues

router = APIRouter(prefix="/work_queues", tags=["Work Queues"])

QueueId = Annotated[uuid.UUID, Path(description="The work queue id")]


def queue_poll_timeout() -> float:
    """Seconds a queue stays READY after a poll (the foreman's setting)."""
    name = "PREFECT_SERVER_SERVICES_FOREMAN_WORK_QUEUE_LAST_POLLED_TIMEOUT_SECONDS"
    return float(get_current_settings().value_of(name))


async def _queue(session: AsyncSession, queue_id: uuid.UUID) -> WorkQueueRow:
    row = await queues.read_work_queue(session, queue_id)
    if row is None:
        not_found("Work queue")
    return row


@router.post("/", status_code=status.HTTP_201_CREATED)
async def create_work_queue(
    work_queue: WorkQueueCreate, db: Database = Depends(get_db)
) -> WorkQueue:
    with wp.http_errors():
        async with db.write() as session:
            row = await queues.create_work_queue(session, work_queue)
    return wp.work_queue(row)


@router.post("/filter")
async def read_work_queues(
    body: WorkQueueFilterRequest = Body(default_factory=WorkQueueFilterRequest),
    db: Database = Depends(get_db),
) -> list[WorkQueue]:
    async with db.read() as session:
        rows = await queues.read_work_queues(
            session, body.work_queues, limit=body.limit_or_default, offset=body.offset_or_zero
        )
    return [wp.work_queue(row) for row in rows]


# `:path`, so that a request for a queue name holding "/" answers 404, not 405
@router.get("/name/{name:path}")
async def read_work_queue_by_name(name: str, db: Database = Depends(get_db)) -> WorkQueue:
    async with db.read() as session:
        row = await queues.read_work_queue_by_name(session, name)
    if row is None:
        not_found("Work queue")
    return wp.work_queue(row)


@router.get("/{id}")
async def read_work_queue(id: QueueId, db: Database = Depends(get_db)) -> WorkQueue:
    async with db.read() as session:
        row = await _queue(session, id)
    return wp.work_queue(row)


@router.patch("/{id}", status_code=status.HTTP_204_NO_CONTENT)
async def update_work_queue(
    work_queue: WorkQueueUpdate, id: QueueId, db: Database = Depends(get_db)
) -> None:
    with wp.http_errors():
        async with db.write() as session:
            row = await _queue(session, id)
            await queues.update_work_queue(
                session, row, work_queue, now=now(), last_polled_timeout=queue_poll_timeout()
            )


@router.delete("/{id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_work_queue(id: QueueId, db: Database = Depends(get_db)) -> None:
    with wp.http_errors():
        async with db.write() as session:
            await queues.delete_work_queue(session, await _queue(session, id))


@router.post("/{id}/get_runs")
async def read_work_queue_runs(
    id: QueueId,
    body: WorkQueueGetRunsRequest = Body(default_factory=WorkQueueGetRunsRequest),
    x_prefect_ui: bool = Header(default=False),
    db: Database = Depends(get_db),
) -> list[FlowRun]:
    """The queue's runs a worker may start now; a poll unless the UI is only looking."""
    async with db.write() as session:
        row = await _queue(session, id)
        picked = await polls.scheduled_flow_runs(
            session,
            row.work_pool,
            [row],
            scheduled_before=body.scheduled_before,
            scheduled_after=None,
            limit=DEFAULT_LIMIT if body.limit is None else body.limit,
        )
        answer = [convert.flow_run(run) for run, _ in picked]
        if not x_prefect_ui:
            await polls.record_polls(session, [row], now())
    return answer


@router.get("/{id}/status")
async def read_work_queue_status(
    id: QueueId, db: Database = Depends(get_db)
) -> WorkQueueStatusDetail:
    async with db.read() as session:
        row = await _queue(session, id)
        return await polls.queue_status_detail(session, row, now())
