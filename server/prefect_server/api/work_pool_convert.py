"""Work-pool rows to wire models, and the models' errors to HTTP answers."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from fastapi import HTTPException, status
from prefect.schemas.work_pools import Worker, WorkPool, WorkQueue

from prefect_server.database import orm_work_pools as rows
from prefect_server.models.work_pools import WorkPoolExists, WorkPoolNotFound
from prefect_server.models.work_queues import (
    DefaultQueueDeletion,
    WorkQueueExists,
    WorkQueueNotFound,
)


def work_pool(row: rows.WorkPool) -> WorkPool:
    return WorkPool.model_validate(row, from_attributes=True)


def work_queue(row: rows.WorkQueue) -> WorkQueue:
    queue = WorkQueue.model_validate(row, from_attributes=True)
    queue.work_pool_name = row.work_pool.name
    return queue


def worker(row: rows.Worker) -> Worker:
    return Worker.model_validate(row, from_attributes=True)


@contextlib.contextmanager
def http_errors() -> Iterator[None]:
    """Turn the work-pool models' errors into 404/409 answers with their reason.

    Used around the whole transaction, so that it is rolled back first.
    """
    try:
        yield
    except (WorkPoolNotFound, WorkQueueNotFound) as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from None
    except (WorkPoolExists, WorkQueueExists, DefaultQueueDeletion) as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None


def reserved_name() -> HTTPException:
    return HTTPException(
        status.HTTP_403_FORBIDDEN,
        detail="Work pools starting with 'Prefect' are reserved for internal use.",
    )
