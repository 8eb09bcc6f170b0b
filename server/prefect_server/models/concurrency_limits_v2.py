"""v2 (global) concurrency limits: named pools of slots, optionally decaying over time.

Decay is not run by a background loop: a limit stores its counters as of `slots_as_of`,
and whoever reads or writes it works out what has decayed since. A limit with
`slot_decay_per_second` > 0 frees that many occupied slots per second (a rate limit);
denied slots, which only serve the Retry-After estimate, decay at that rate too, or at
one per average occupancy when the limit does not decay.

Taking slots is all or nothing across the named limits, inside the caller's write
transaction, with the limit rows read `FOR UPDATE` in id order (SQLite serialises write
transactions already), so concurrent requests never overfill a limit.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from prefect.schemas.concurrency import (
    ConcurrencyLimitV2,
    ConcurrencyLimitV2Create,
    ConcurrencyLimitV2Update,
    GlobalConcurrencyLimitResponse,
    MinimalConcurrencyLimitResponse,
    SlotMode,
)
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database.dialects import insert
from prefect_server.database.orm_concurrency import ConcurrencyLimitV2 as Row

# The average occupancy is a moving average over about `limit * 2` releases, and never
# drops below a tenth of a second (it divides the denied-slot decay).
OCCUPANCY_SAMPLES_PER_SLOT = 2
MIN_OCCUPANCY_SECONDS = 0.1


class SlotRequestError(ValueError):
    """A slot request that can never succeed as asked (answered 422)."""


class LimitNameTaken(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f'A concurrency limit named "{name}" already exists.')


@dataclass
class Acquisition:
    """The outcome of a slot request: the limits named, and whether slots were taken."""

    limits: list[Row]
    acquired: bool
    taken: list[Row] = field(default_factory=list)
    retry_after: float | None = None


# -- decay ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slots:
    active: int
    denied: int
    as_of: datetime


def slots_at(row: Row, at: datetime) -> Slots:
    """The limit's counters at `at`, after what has decayed since `row.slots_as_of`.

    `as_of` keeps the fraction of a slot that has not decayed yet: it moves forward by
    whole decayed slots only, so that frequent updates cannot hold decay back.
    """
    decay = row.slot_decay_per_second
    rate = decay if decay > 0 else 1.0 / max(row.avg_slot_occupancy_seconds, MIN_OCCUPANCY_SECONDS)
    elapsed = max((at - row.slots_as_of).total_seconds(), 0.0)
    # capped: more than every slot held decays the same as every slot held
    gone = math.floor(min(rate * elapsed, float(row.active_slots + row.denied_slots + 1)))
    active = max(row.active_slots - gone, 0) if decay > 0 else row.active_slots
    denied = max(row.denied_slots - gone, 0)
    still_decaying = (decay > 0 and row.active_slots > gone) or row.denied_slots > gone
    as_of = row.slots_as_of + timedelta(seconds=gone / rate) if still_decaying else at
    return Slots(active=active, denied=denied, as_of=as_of)


def _settle(row: Row, at: datetime) -> None:
    """Write the decayed counters into the row, before changing them."""
    slots = slots_at(row, at)
    row.active_slots = slots.active
    row.denied_slots = slots.denied
    row.slots_as_of = slots.as_of


# -- wire shapes ----------------------------------------------------------------------------


def as_limit(row: Row, at: datetime) -> ConcurrencyLimitV2:
    slots = slots_at(row, at)
    return ConcurrencyLimitV2(
        id=row.id,
        created=row.created,
        updated=row.updated,
        active=row.active,
        name=row.name,
        limit=row.limit,
        active_slots=slots.active,
        denied_slots=slots.denied,
        slot_decay_per_second=row.slot_decay_per_second,
        avg_slot_occupancy_seconds=row.avg_slot_occupancy_seconds,
    )


def as_response(row: Row, at: datetime) -> GlobalConcurrencyLimitResponse:
    return GlobalConcurrencyLimitResponse(
        id=row.id,
        created=row.created,
        updated=row.updated,
        active=row.active,
        name=row.name,
        limit=row.limit,
        active_slots=slots_at(row, at).active,
        slot_decay_per_second=row.slot_decay_per_second,
    )


def as_minimal(rows: Iterable[Row]) -> list[MinimalConcurrencyLimitResponse]:
    return [MinimalConcurrencyLimitResponse(id=r.id, name=r.name, limit=r.limit) for r in rows]


# -- reads and writes -----------------------------------------------------------------------


def parse_id(id_or_name: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(id_or_name)
    except ValueError:
        return None


async def read_limit(session: AsyncSession, id_or_name: str, *, lock: bool = False) -> Row | None:
    """The limit with this id, or else with this name (a name may look like an id)."""
    if "\x00" in id_or_name:  # no stored name holds NUL (and PostgreSQL cannot compare it)
        return None
    limit_id = parse_id(id_or_name)
    where = Row.id == limit_id if limit_id is not None else Row.name == id_or_name
    stmt = sa.select(Row).where(where).execution_options(populate_existing=True)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def read_limits(session: AsyncSession, *, limit: int, offset: int) -> list[Row]:
    stmt = sa.select(Row).order_by(Row.name).offset(offset).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def create_limit(
    session: AsyncSession, create: ConcurrencyLimitV2Create, at: datetime
) -> Row:
    """A new limit; `LimitNameTaken` if the name is in use (checked by the insert itself)."""
    limit_id = uuid.uuid4()
    stmt = (
        insert(session, Row)
        .values(
            id=limit_id,
            created=at,
            updated=at,
            slots_as_of=at,
            avg_slot_occupancy_seconds=2.0,
            **create.model_dump(),
        )
        .on_conflict_do_nothing(index_elements=["name"])
    )
    result = cast(CursorResult[Any], await session.execute(stmt))
    if not result.rowcount:
        raise LimitNameTaken(create.name)
    row = await session.get(Row, limit_id)
    assert row is not None
    return row


async def update_limit(
    session: AsyncSession, row: Row, update: ConcurrencyLimitV2Update, at: datetime
) -> None:
    """Apply the fields that were sent (null leaves a field as it is)."""
    changes = update.model_dump(exclude_unset=True, exclude_none=True)
    new_name = changes.get("name")
    if new_name is not None and new_name != row.name:
        taken = await session.execute(sa.select(Row.id).where(Row.name == new_name))
        if taken.first() is not None:
            raise LimitNameTaken(new_name)
    # counters set by hand count from now; the others keep what has decayed so far
    _settle(row, at)
    for key, value in changes.items():
        setattr(row, key, value)
    row.updated = at
    await session.flush()


async def delete_limit(session: AsyncSession, row: Row) -> None:
    await session.delete(row)
    await session.flush()


async def _lock_by_names(session: AsyncSession, names: Sequence[str]) -> list[Row]:
    if not names:
        return []
    stmt = (
        sa.select(Row)
        .where(Row.name.in_(sorted(set(names))))
        .order_by(Row.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list((await session.execute(stmt)).scalars())


async def lock_by_ids(session: AsyncSession, ids: Iterable[uuid.UUID | str]) -> list[Row]:
    wanted = sorted({uuid.UUID(str(i)) for i in ids})
    if not wanted:
        return []
    stmt = (
        sa.select(Row)
        .where(Row.id.in_(wanted))
        .order_by(Row.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list((await session.execute(stmt)).scalars())


async def _create_missing(session: AsyncSession, names: Sequence[str], at: datetime) -> None:
    """Unknown names become inactive limits of one slot, which block nothing."""
    for name in sorted(set(names)):
        stmt = (
            insert(session, Row)
            .values(
                id=uuid.uuid4(),
                created=at,
                updated=at,
                slots_as_of=at,
                name=name,
                limit=1,
                active=False,
                active_slots=0,
                denied_slots=0,
                slot_decay_per_second=0.0,
                avg_slot_occupancy_seconds=2.0,
            )
            .on_conflict_do_nothing(index_elements=["name"])
        )
        await session.execute(stmt)


async def acquire_slots(
    session: AsyncSession,
    names: Sequence[str],
    slots: int,
    mode: SlotMode,
    at: datetime,
    *,
    create_if_missing: bool = False,
) -> Acquisition:
    """Take `slots` on every active limit named, or on none.

    When some limit has too few free slots nothing is taken; the denied slots are counted
    (the caller commits that) and `retry_after` estimates when to ask again.
    """
    if create_if_missing:
        await _create_missing(session, names, at)
    rows = await _lock_by_names(session, names)
    active = [r for r in rows if r.active]
    if any(r.limit < slots for r in active):
        raise SlotRequestError("Slots requested is greater than the limit")
    steady = sorted(r.name for r in active if r.slot_decay_per_second <= 0)
    if mode == "rate_limit" and steady:
        raise SlotRequestError(
            "Only concurrency limits with slot decay can be used for rate limiting. The "
            f"following limits do not have a decay configured: {','.join(steady)!r}"
        )
    for row in active:
        _settle(row, at)
    ordered = sorted(rows, key=lambda r: r.name)
    if all(r.active_slots + slots <= r.limit for r in active):
        for row in active:
            row.active_slots += slots
        await session.flush()
        return Acquisition(limits=ordered, acquired=True, taken=active)
    retry_after = _retry_after(active, slots)
    for row in active:
        row.denied_slots += slots
    await session.flush()
    return Acquisition(limits=ordered, acquired=False, retry_after=retry_after)


def _retry_after(limits: Sequence[Row], slots: int) -> float:
    """Seconds until the most contended limit may have `slots` free (Prefect 3's estimate).

    Requests already denied queue ahead of this one. A decaying limit frees one slot per
    1/decay seconds; any other frees `limit` slots per average occupancy.
    """

    def queued(row: Row) -> float:
        waiting = float(slots + row.denied_slots)
        return waiting if row.slot_decay_per_second > 0 else waiting / max(row.limit, 1)

    blocking = max(limits, key=queued)
    per_slot = (
        1.0 / blocking.slot_decay_per_second
        if blocking.slot_decay_per_second > 0
        else blocking.avg_slot_occupancy_seconds
    )
    return per_slot * queued(blocking)


async def release_slots(
    session: AsyncSession,
    rows: Sequence[Row],
    slots: int,
    at: datetime,
    *,
    occupancy_seconds: float | None = None,
) -> None:
    """Give back `slots` on the active limits among `rows` (locked by the caller)."""
    for row in rows:
        if not row.active:
            continue
        _settle(row, at)
        row.active_slots = max(row.active_slots - slots, 0)
        if occupancy_seconds:
            per_slot = max(occupancy_seconds / slots, MIN_OCCUPANCY_SECONDS)
            samples = max(row.limit, 1) * OCCUPANCY_SAMPLES_PER_SLOT
            avg = row.avg_slot_occupancy_seconds
            row.avg_slot_occupancy_seconds = avg + (per_slot - avg) / samples
    await session.flush()


async def release_slots_by_name(
    session: AsyncSession,
    names: Sequence[str],
    slots: int,
    at: datetime,
    *,
    occupancy_seconds: float | None = None,
) -> list[Row]:
    rows = await _lock_by_names(session, names)
    await release_slots(session, rows, slots, at, occupancy_seconds=occupancy_seconds)
    return sorted(rows, key=lambda r: r.name)
