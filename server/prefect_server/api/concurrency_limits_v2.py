"""Routes of `/v2/concurrency_limits`: global limits, slots, and leases on slots.

Taking slots answers 423 Locked with a Retry-After header (seconds, as a float, as
Prefect 3 sends it) when a limit is full; the denied request is counted first, so the
estimate grows with the queue of waiting requests.
"""

from __future__ import annotations

import uuid
from typing import NoReturn

from fastapi import APIRouter, Body, Depends, HTTPException, Response, status
from prefect._time import now
from prefect.schemas.concurrency import (
    ConcurrencyLimitFilterBody,
    ConcurrencyLimitV2,
    ConcurrencyLimitV2Create,
    ConcurrencyLimitV2Update,
    ConcurrencyLimitWithLeaseResponse,
    GlobalConcurrencyLimitResponse,
    LeaseRelease,
    LeaseRenew,
    MinimalConcurrencyLimitResponse,
    SlotsDecrement,
    SlotsIncrement,
    SlotsIncrementWithLease,
)

from prefect_server.api.dependencies import get_db, not_found
from prefect_server.database.engine import Database
from prefect_server.models import concurrency_leases as leases
from prefect_server.models import concurrency_limits_v2 as models

router = APIRouter(prefix="/v2/concurrency_limits", tags=["Concurrency Limits V2"])

_NOT_FOUND = "Concurrency Limit"


def _conflict(exc: Exception) -> NoReturn:
    raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None


def _unprocessable(exc: Exception) -> NoReturn:
    raise HTTPException(422, detail=str(exc)) from None


def _locked(acquisition: models.Acquisition) -> NoReturn:
    retry_after = round(acquisition.retry_after or 0.0, 3)
    raise HTTPException(
        status.HTTP_423_LOCKED,
        detail="Not enough free concurrency slots; retry after the Retry-After seconds.",
        headers={"Retry-After": str(retry_after)},
    )


@router.post("/", status_code=status.HTTP_201_CREATED)
async def create_concurrency_limit_v2(
    concurrency_limit: ConcurrencyLimitV2Create, db: Database = Depends(get_db)
) -> ConcurrencyLimitV2:
    at = now()
    try:
        async with db.write() as session:
            row = await models.create_limit(session, concurrency_limit, at)
            return models.as_limit(row, at)
    except models.LimitNameTaken as exc:
        _conflict(exc)


@router.get("/{id_or_name}")
async def read_concurrency_limit_v2(
    id_or_name: str, db: Database = Depends(get_db)
) -> GlobalConcurrencyLimitResponse:
    async with db.read() as session:
        row = await models.read_limit(session, id_or_name)
        if row is None:
            not_found(_NOT_FOUND)
        return models.as_response(row, now())


@router.post("/filter")
async def read_all_concurrency_limits_v2(
    body: ConcurrencyLimitFilterBody = Body(default_factory=ConcurrencyLimitFilterBody),
    db: Database = Depends(get_db),
) -> list[GlobalConcurrencyLimitResponse]:
    at = now()
    async with db.read() as session:
        rows = await models.read_limits(session, limit=body.limit, offset=body.offset)
        return [models.as_response(row, at) for row in rows]


@router.patch("/{id_or_name}", status_code=status.HTTP_204_NO_CONTENT)
async def update_concurrency_limit_v2(
    id_or_name: str, concurrency_limit: ConcurrencyLimitV2Update, db: Database = Depends(get_db)
) -> None:
    try:
        async with db.write() as session:
            row = await models.read_limit(session, id_or_name, lock=True)
            if row is None:
                not_found(_NOT_FOUND)
            await models.update_limit(session, row, concurrency_limit, now())
    except models.LimitNameTaken as exc:
        _conflict(exc)


@router.delete("/{id_or_name}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_concurrency_limit_v2(id_or_name: str, db: Database = Depends(get_db)) -> None:
    async with db.write() as session:
        row = await models.read_limit(session, id_or_name, lock=True)
        if row is None:
            not_found(_NOT_FOUND)
        await models.delete_limit(session, row)


@router.post("/increment")
async def bulk_increment_active_slots(
    body: SlotsIncrement, db: Database = Depends(get_db)
) -> list[MinimalConcurrencyLimitResponse]:
    """Take `slots` on every active limit named, all or nothing (423 when full)."""
    at = now()
    try:
        async with db.write() as session:
            acquisition = await models.acquire_slots(
                session,
                body.names,
                body.slots,
                body.mode,
                at,
                create_if_missing=bool(body.create_if_missing),
            )
    except models.SlotRequestError as exc:
        _unprocessable(exc)
    if not acquisition.acquired:
        _locked(acquisition)
    return models.as_minimal(acquisition.limits)


@router.post("/increment-with-lease")
async def bulk_increment_active_slots_with_lease(
    body: SlotsIncrementWithLease, db: Database = Depends(get_db)
) -> ConcurrencyLimitWithLeaseResponse:
    """As `/increment`, and the slots are held by a lease that expires unless renewed."""
    at = now()
    try:
        async with db.write() as session:
            acquisition = await models.acquire_slots(session, body.names, body.slots, body.mode, at)
            lease = None
            if acquisition.acquired:
                lease = await leases.create_lease(
                    session,
                    acquisition.taken,
                    body.slots,
                    body.lease_duration,
                    at,
                    holder=body.holder,
                )
    except models.SlotRequestError as exc:
        _unprocessable(exc)
    if lease is None:
        _locked(acquisition)
    return ConcurrencyLimitWithLeaseResponse(
        lease_id=lease.id, limits=models.as_minimal(acquisition.limits)
    )


@router.post("/decrement")
async def bulk_decrement_active_slots(
    body: SlotsDecrement, db: Database = Depends(get_db)
) -> list[MinimalConcurrencyLimitResponse]:
    async with db.write() as session:
        rows = await models.release_slots_by_name(
            session, body.names, body.slots, now(), occupancy_seconds=body.occupancy_seconds
        )
        return models.as_minimal(rows)


@router.post("/decrement-with-lease", status_code=status.HTTP_204_NO_CONTENT)
async def bulk_decrement_active_slots_with_lease(
    body: LeaseRelease, db: Database = Depends(get_db)
) -> Response:
    """Give back the lease's slots; an unknown (already released) lease is not an error."""
    async with db.write() as session:
        await leases.release_lease(session, body.lease_id, now())
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/leases/{lease_id}/renew", status_code=status.HTTP_204_NO_CONTENT)
async def renew_concurrency_lease(
    lease_id: uuid.UUID,
    body: LeaseRenew = Body(default_factory=LeaseRenew),
    db: Database = Depends(get_db),
) -> Response:
    async with db.write() as session:
        found = await leases.renew_lease(session, lease_id, body.lease_duration, now())
    if not found:
        not_found("Lease")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
