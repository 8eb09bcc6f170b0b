"""Routes: Work pools (by name), their queues and workers; work queues by id."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, status
from prefect._time import now
from prefect.schemas.work_pools import (
    GetScheduledFlowRunsRequest,
    Worker,
    WorkerFilterRequest,
    WorkerFlowRunResponse,
    WorkerHeartbeat,
    WorkPool,
    WorkPoolCountRequest,
    WorkPoolCreate,
    WorkPoolFilterRequest,
    WorkPoolUpdate,
    WorkQueue,
    WorkQueueCreate,
    WorkQueueFilterRequest,
    WorkQueueUpdate,
)

from prefect_server.api import work_pool_convert as wp
from prefect_server.api.dependencies import get_db, not_found
from prefect_server.api.work_queues import queue_poll_timeout
from prefect_server.api.work_queues import router as work_queues_router
from prefect_server.database.engine import Database
from prefect_server.models import work_pool_long_poll as long_poll
from prefect_server.models import work_pools as pools
from prefect_server.models import work_queues as queues
from prefect_server.models import workers

router = APIRouter(prefix="/work_pools", tags=["Work Pools"])

PoolName = Annotated[str, Path(description="The work pool name")]


# -- pools --------------------------------------------------------------------------------


@router.post("/", status_code=status.HTTP_201_CREATED)
async def create_work_pool(work_pool: WorkPoolCreate, db: Database = Depends(get_db)) -> WorkPool:
    if pools.is_reserved_name(work_pool.name):
        raise wp.reserved_name()
    with wp.http_errors():
        async with db.write() as session:
            row = await pools.create_work_pool(session, work_pool)
    return wp.work_pool(row)


@router.post("/filter")
async def read_work_pools(
    body: WorkPoolFilterRequest = Body(default_factory=WorkPoolFilterRequest),
    db: Database = Depends(get_db),
) -> list[WorkPool]:
    async with db.read() as session:
        rows = await pools.read_work_pools(
            session, body.work_pools, limit=body.limit_or_default, offset=body.offset_or_zero
        )
    return [wp.work_pool(row) for row in rows]


@router.post("/count")
async def count_work_pools(
    body: WorkPoolCountRequest = Body(default_factory=WorkPoolCountRequest),
    db: Database = Depends(get_db),
) -> int:
    async with db.read() as session:
        return await pools.count_work_pools(session, body.work_pools)


@router.get("/{name}")
async def read_work_pool(name: PoolName, db: Database = Depends(get_db)) -> WorkPool:
    with wp.http_errors():
        async with db.read() as session:
            row = await pools.get_work_pool(session, name)
    return wp.work_pool(row)


@router.patch("/{name}", status_code=status.HTTP_204_NO_CONTENT)
async def update_work_pool(
    work_pool: WorkPoolUpdate, name: PoolName, db: Database = Depends(get_db)
) -> None:
    # reserved pools may only be paused or limited, as in Prefect
    if pools.is_reserved_name(name) and work_pool.model_fields_set - {
        "is_paused",
        "concurrency_limit",
    }:
        raise wp.reserved_name()
    with wp.http_errors():
        async with db.write() as session:
            await pools.update_work_pool(session, name, work_pool)


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_work_pool(name: PoolName, db: Database = Depends(get_db)) -> None:
    if pools.is_reserved_name(name):
        raise wp.reserved_name()
    with wp.http_errors():
        async with db.write() as session:
            await pools.delete_work_pool(session, name)


@router.post("/{name}/get_scheduled_flow_runs")
async def get_scheduled_flow_runs(
    name: PoolName,
    body: GetScheduledFlowRunsRequest = Body(default_factory=GetScheduledFlowRunsRequest),
    db: Database = Depends(get_db),
) -> list[WorkerFlowRunResponse]:
    """Scheduled runs for a worker of the pool, and a poll recorded on the queues asked;
    with `wait_seconds`, held until there are some (see `work_pool_long_poll`)."""
    with wp.http_errors():
        return await long_poll.scheduled_runs(db, name, body)


# -- the queues of a pool -------------------------------------------------------------------


@router.post("/{work_pool_name}/queues", status_code=status.HTTP_201_CREATED)
async def create_pool_queue(
    work_queue: WorkQueueCreate, work_pool_name: PoolName, db: Database = Depends(get_db)
) -> WorkQueue:
    with wp.http_errors():
        async with db.write() as session:
            pool = await pools.get_work_pool(session, work_pool_name)
            row = await queues.create_work_queue_in_pool(session, pool, work_queue)
    return wp.work_queue(row)


@router.post("/{work_pool_name}/queues/filter")
async def read_pool_queues(
    work_pool_name: PoolName,
    body: WorkQueueFilterRequest = Body(default_factory=WorkQueueFilterRequest),
    db: Database = Depends(get_db),
) -> list[WorkQueue]:
    with wp.http_errors():
        async with db.read() as session:
            pool = await pools.get_work_pool(session, work_pool_name)
            rows = await queues.read_work_queues(
                session,
                body.work_queues,
                pool_id=pool.id,
                limit=body.limit_or_default,
                offset=body.offset_or_zero,
            )
    return [wp.work_queue(row) for row in rows]


@router.get("/{work_pool_name}/queues/{name}")
async def read_pool_queue(
    work_pool_name: PoolName, name: str, db: Database = Depends(get_db)
) -> WorkQueue:
    with wp.http_errors():
        async with db.read() as session:
            row = await queues.get_work_queue_in_pool(session, work_pool_name, name)
    return wp.work_queue(row)


@router.patch("/{work_pool_name}/queues/{name}", status_code=status.HTTP_204_NO_CONTENT)
async def update_pool_queue(
    work_queue: WorkQueueUpdate,
    work_pool_name: PoolName,
    name: str,
    db: Database = Depends(get_db),
) -> None:
    with wp.http_errors():
        async with db.write() as session:
            row = await queues.get_work_queue_in_pool(session, work_pool_name, name)
            await queues.update_work_queue(
                session, row, work_queue, now=now(), last_polled_timeout=queue_poll_timeout()
            )


@router.delete("/{work_pool_name}/queues/{name}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_pool_queue(
    work_pool_name: PoolName, name: str, db: Database = Depends(get_db)
) -> None:
    with wp.http_errors():
        async with db.write() as session:
            row = await queues.get_work_queue_in_pool(session, work_pool_name, name)
            await queues.delete_work_queue(session, row)


# -- workers --------------------------------------------------------------------------------


@router.post("/{work_pool_name}/workers/heartbeat", status_code=status.HTTP_204_NO_CONTENT)
async def worker_heartbeat(
    body: WorkerHeartbeat, work_pool_name: PoolName, db: Database = Depends(get_db)
) -> None:
    with wp.http_errors():
        async with db.write() as session:
            pool = await pools.get_work_pool(session, work_pool_name)
            await workers.record_heartbeat(
                session, pool, body.name, body.heartbeat_interval_seconds, now()
            )


@router.post("/{work_pool_name}/workers/filter")
async def read_workers(
    work_pool_name: PoolName,
    body: WorkerFilterRequest = Body(default_factory=WorkerFilterRequest),
    db: Database = Depends(get_db),
) -> list[Worker]:
    with wp.http_errors():
        async with db.read() as session:
            pool = await pools.get_work_pool(session, work_pool_name)
            rows = await workers.read_workers(
                session,
                pool.id,
                body.workers,
                limit=body.limit_or_default,
                offset=body.offset_or_zero,
            )
    return [wp.worker(row) for row in rows]


@router.delete("/{work_pool_name}/workers/{name}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_worker(
    work_pool_name: PoolName, name: str, db: Database = Depends(get_db)
) -> None:
    with wp.http_errors():
        async with db.write() as session:
            pool = await pools.get_work_pool(session, work_pool_name)
            deleted = await workers.delete_worker(session, pool.id, name)
    if not deleted:
        not_found("Worker")


# every router here is mounted under /api by `prefect_server.app`
routers: list[APIRouter] = [router, work_queues_router]
