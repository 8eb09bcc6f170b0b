"""Routes: Concurrency limits: v1 by tag, v2 global limits with leases.

v1 (`/concurrency_limits`) keeps one limit per task tag and the ids of the task runs in
its slots; Prefect 3 answers its writes with 200 and no body for deletes and resets, and
so do we. The v2 routes live in `concurrency_limits_v2`.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Body, Depends, HTTPException, status
from prefect.schemas.concurrency import (
    ConcurrencyLimit,
    ConcurrencyLimitCreate,
    ConcurrencyLimitFilterBody,
    ConcurrencyLimitResetBody,
    MinimalConcurrencyLimitResponse,
    V1SlotsDecrement,
    V1SlotsIncrement,
)

from prefect_server.api import concurrency_limits_v2
from prefect_server.api.dependencies import get_db, not_found
from prefect_server.database.engine import Database
from prefect_server.database.orm_concurrency import ConcurrencyLimit as Row
from prefect_server.models import concurrency_limits as models

router = APIRouter(prefix="/concurrency_limits", tags=["Concurrency Limits"])

_NOT_FOUND = "Concurrency limit"


def _limit(row: Row) -> ConcurrencyLimit:
    return ConcurrencyLimit.model_validate(row, from_attributes=True)


def _minimal(rows: list[Row]) -> list[MinimalConcurrencyLimitResponse]:
    return [
        MinimalConcurrencyLimitResponse(id=r.id, name=r.tag, limit=r.concurrency_limit)
        for r in rows
    ]


@router.post("/")
async def create_concurrency_limit(
    concurrency_limit: ConcurrencyLimitCreate, db: Database = Depends(get_db)
) -> ConcurrencyLimit:
    """Create the tag's limit, or change it if the tag has one (slots held stay held)."""
    async with db.write() as session:
        row = await models.upsert_limit(session, concurrency_limit)
        return _limit(row)


@router.get("/{id}")
async def read_concurrency_limit(id: uuid.UUID, db: Database = Depends(get_db)) -> ConcurrencyLimit:
    async with db.read() as session:
        row = await models.read_limit(session, id)
        if row is None:
            not_found(_NOT_FOUND)
        return _limit(row)


# `:path`, so that a tag holding "/" is still found
@router.get("/tag/{tag:path}")
async def read_concurrency_limit_by_tag(
    tag: str, db: Database = Depends(get_db)
) -> ConcurrencyLimit:
    async with db.read() as session:
        row = await models.read_limit_by_tag(session, tag)
        if row is None:
            not_found(_NOT_FOUND)
        return _limit(row)


@router.post("/filter")
async def read_concurrency_limits(
    body: ConcurrencyLimitFilterBody = Body(default_factory=ConcurrencyLimitFilterBody),
    db: Database = Depends(get_db),
) -> list[ConcurrencyLimit]:
    async with db.read() as session:
        rows = await models.read_limits(session, limit=body.limit, offset=body.offset)
        return [_limit(row) for row in rows]


@router.post("/tag/{tag:path}/reset")
async def reset_concurrency_limit_by_tag(
    tag: str,
    body: ConcurrencyLimitResetBody = Body(default_factory=ConcurrencyLimitResetBody),
    db: Database = Depends(get_db),
) -> None:
    """Free every slot of the tag, or make exactly `slot_override` the holders."""
    async with db.write() as session:
        row = await models.reset_limit_by_tag(session, tag, body.slot_override)
    if row is None:
        not_found(_NOT_FOUND)


@router.delete("/{id}")
async def delete_concurrency_limit(id: uuid.UUID, db: Database = Depends(get_db)) -> None:
    async with db.write() as session:
        found = await models.delete_limit(session, id)
    if not found:
        not_found(_NOT_FOUND)


@router.delete("/tag/{tag:path}")
async def delete_concurrency_limit_by_tag(tag: str, db: Database = Depends(get_db)) -> None:
    async with db.write() as session:
        found = await models.delete_limit_by_tag(session, tag)
    if not found:
        not_found(_NOT_FOUND)


@router.post("/increment")
async def increment_concurrency_limits_v1(
    body: V1SlotsIncrement, db: Database = Depends(get_db)
) -> list[MinimalConcurrencyLimitResponse]:
    """A slot of every limited tag in `names` for the task run, or 423 and none at all.

    A full tag answers 423 with Retry-After; a tag limited to 0 answers 423 without one,
    since waiting would never help.
    """
    try:
        async with db.write() as session:
            rows = await models.acquire_slots(session, body.names, body.task_run_id)
            return _minimal(rows)
    except models.SlotsNeverAvailable as exc:
        raise HTTPException(status.HTTP_423_LOCKED, detail=str(exc)) from None
    except models.SlotsUnavailable as exc:
        raise HTTPException(
            status.HTTP_423_LOCKED,
            detail=str(exc),
            headers={"Retry-After": str(exc.retry_after)},
        ) from None


@router.post("/decrement")
async def decrement_concurrency_limits_v1(
    body: V1SlotsDecrement, db: Database = Depends(get_db)
) -> list[MinimalConcurrencyLimitResponse]:
    async with db.write() as session:
        rows = await models.release_slots(session, body.names, body.task_run_id)
        return _minimal(rows)


# every router here is mounted under /api by `prefect_server.app`
routers: list[APIRouter] = [router, concurrency_limits_v2.router]
