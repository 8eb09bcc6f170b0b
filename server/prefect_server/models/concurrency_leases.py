"""Leases on v2 concurrency slots: held until released, renewed, or expired.

A lease is a row written in the same transaction that takes its slots, so slots and
lease appear together or not at all. Releasing a lease gives its slots back and deletes
it; the repossessor does the same for leases whose expiration has passed, so the slots of
a holder that crashed come back without anyone calling.

Lock order is lease first, then limits (as in `release_lease`), everywhere.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from prefect.schemas.concurrency import ConcurrencyLeaseHolder
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database.orm_concurrency import ConcurrencyLease, ConcurrencyLimitV2
from prefect_server.models import concurrency_limits_v2 as limits

# leases released per transaction by the repossessor, so one pass never holds many locks
REPOSSESS_BATCH = 200


async def create_lease(
    session: AsyncSession,
    held: Sequence[ConcurrencyLimitV2],
    slots: int,
    duration_seconds: float,
    at: datetime,
    *,
    holder: ConcurrencyLeaseHolder | None = None,
) -> ConcurrencyLease:
    lease = ConcurrencyLease(
        id=uuid.uuid4(),
        created=at,
        updated=at,
        expiration=at + timedelta(seconds=duration_seconds),
        resource_ids=[str(row.id) for row in held],
        slots=slots,
        holder=holder.model_dump(mode="json") if holder is not None else None,
    )
    session.add(lease)
    await session.flush()
    return lease


async def read_lease(
    session: AsyncSession, lease_id: uuid.UUID, *, lock: bool = False
) -> ConcurrencyLease | None:
    stmt = sa.select(ConcurrencyLease).where(ConcurrencyLease.id == lease_id)
    if lock:
        stmt = stmt.with_for_update()
    return (
        await session.execute(stmt.execution_options(populate_existing=True))
    ).scalar_one_or_none()


async def renew_lease(
    session: AsyncSession, lease_id: uuid.UUID, duration_seconds: float, at: datetime
) -> bool:
    """Push the lease's expiration to `at + duration`; False if there is no such lease.

    A lease past its expiration that the repossessor has not taken yet still holds its
    slots, so renewing it is allowed, as in Prefect.
    """
    lease = await read_lease(session, lease_id, lock=True)
    if lease is None:
        return False
    lease.expiration = at + timedelta(seconds=duration_seconds)
    await session.flush()
    return True


async def _give_back(
    session: AsyncSession, lease: ConcurrencyLease, at: datetime, occupancy: float | None
) -> None:
    rows = await limits.lock_by_ids(session, lease.resource_ids)
    await limits.release_slots(session, rows, lease.slots, at, occupancy_seconds=occupancy)
    await session.delete(lease)
    await session.flush()


async def release_lease(session: AsyncSession, lease_id: uuid.UUID, at: datetime) -> bool:
    """Give back the lease's slots and delete it; False if there is no such lease."""
    lease = await read_lease(session, lease_id, lock=True)
    if lease is None:
        return False
    occupancy = max((at - lease.created).total_seconds(), 0.0)
    await _give_back(session, lease, at, occupancy or None)
    return True


async def release_expired(
    session: AsyncSession, at: datetime, *, batch: int = REPOSSESS_BATCH
) -> int:
    """Release up to `batch` leases that expired before `at`; how many were released.

    Leases another transaction is releasing or renewing right now are skipped (they are
    locked); the next pass sees them again if they are still expired.
    """
    stmt = (
        sa.select(ConcurrencyLease)
        .where(ConcurrencyLease.expiration < at)
        .order_by(ConcurrencyLease.expiration)
        .limit(batch)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    expired = list((await session.execute(stmt)).scalars())
    for lease in expired:
        # the holder never said how long it used them: no occupancy sample
        await _give_back(session, lease, at, None)
    return len(expired)
