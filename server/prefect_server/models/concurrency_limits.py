"""v1 concurrency limits: one per task tag, holding the ids of the task runs in its slots.

Slots are taken all or nothing across a task run's tags, inside the caller's write
transaction; the limit rows are read `FOR UPDATE` (on SQLite the write transaction holds
the database's write lock already), so two runs cannot both take the last slot.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import sqlalchemy as sa
from prefect._time import now
from prefect.schemas.concurrency import ConcurrencyLimitCreate
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database.dialects import insert
from prefect_server.database.orm_concurrency import ConcurrencyLimit

# Prefect 3's PREFECT_TASK_RUN_TAG_CONCURRENCY_SLOT_WAIT_SECONDS: how long a task run
# whose tag is full is told to wait before proposing Running again.
TAG_SLOT_WAIT_SECONDS = 30


class SlotsUnavailable(Exception):
    """A tag has no free slot; try again after `retry_after` seconds."""

    def __init__(self, tag: str, retry_after: int = TAG_SLOT_WAIT_SECONDS) -> None:
        super().__init__(f"Concurrency limit for the {tag} tag has been reached")
        self.tag = tag
        self.retry_after = retry_after


class SlotsNeverAvailable(Exception):
    """A tag's limit is 0: waiting would never end, so the caller should give up."""

    def __init__(self, tag: str) -> None:
        super().__init__(
            f'The concurrency limit on tag "{tag}" is 0 and will deadlock if the task '
            "tries to run again."
        )
        self.tag = tag


async def read_limit(session: AsyncSession, limit_id: uuid.UUID) -> ConcurrencyLimit | None:
    return await session.get(ConcurrencyLimit, limit_id)


async def read_limit_by_tag(
    session: AsyncSession, tag: str, *, lock: bool = False
) -> ConcurrencyLimit | None:
    if "\x00" in tag:  # no stored tag holds NUL (and PostgreSQL cannot compare it)
        return None
    stmt = sa.select(ConcurrencyLimit).where(ConcurrencyLimit.tag == tag)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def read_limits(session: AsyncSession, *, limit: int, offset: int) -> list[ConcurrencyLimit]:
    stmt = sa.select(ConcurrencyLimit).order_by(ConcurrencyLimit.tag).offset(offset).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def limits_for_tags(session: AsyncSession, tags: Iterable[str]) -> list[ConcurrencyLimit]:
    """The limits set on any of `tags`, locked for this transaction, in tag order.

    Always locking in the same order keeps two transactions that want overlapping tags
    from deadlocking on PostgreSQL.
    """
    wanted = sorted({str(t) for t in tags})
    if not wanted:
        return []
    stmt = (
        sa.select(ConcurrencyLimit)
        .where(ConcurrencyLimit.tag.in_(wanted))
        .order_by(ConcurrencyLimit.tag)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list((await session.execute(stmt)).scalars())


async def upsert_limit(session: AsyncSession, create: ConcurrencyLimitCreate) -> ConcurrencyLimit:
    """The tag's limit set to `create.concurrency_limit`, created if the tag has none.

    Slots already held stay held, even above a lowered limit: they free up as their task
    runs finish.
    """
    stamp = now()
    stmt = (
        insert(session, ConcurrencyLimit)
        .values(
            id=uuid.uuid4(),
            created=stamp,
            updated=stamp,
            tag=create.tag,
            concurrency_limit=create.concurrency_limit,
            active_slots=[],
        )
        .on_conflict_do_update(
            index_elements=["tag"],
            set_={"concurrency_limit": create.concurrency_limit, "updated": stamp},
        )
    )
    await session.execute(stmt)
    stored = await session.execute(
        sa.select(ConcurrencyLimit)
        .where(ConcurrencyLimit.tag == create.tag)
        .execution_options(populate_existing=True)
    )
    return stored.scalar_one()


async def delete_limit(session: AsyncSession, limit_id: uuid.UUID) -> bool:
    result = await session.execute(
        sa.delete(ConcurrencyLimit).where(ConcurrencyLimit.id == limit_id)
    )
    return bool(getattr(result, "rowcount", 0))


async def delete_limit_by_tag(session: AsyncSession, tag: str) -> bool:
    if "\x00" in tag:
        return False
    result = await session.execute(sa.delete(ConcurrencyLimit).where(ConcurrencyLimit.tag == tag))
    return bool(getattr(result, "rowcount", 0))


async def reset_limit_by_tag(
    session: AsyncSession, tag: str, slot_override: list[uuid.UUID] | None
) -> ConcurrencyLimit | None:
    """Replace the slot holders of `tag` with `slot_override` (none when not given)."""
    row = await read_limit_by_tag(session, tag, lock=True)
    if row is None:
        return None
    row.active_slots = _unique_ids(slot_override or [])
    row.updated = now()
    await session.flush()
    return row


async def acquire_slots(
    session: AsyncSession, tags: Iterable[str], task_run_id: uuid.UUID
) -> list[ConcurrencyLimit]:
    """Give `task_run_id` a slot of every limited tag in `tags`, or none at all.

    Raises `SlotsNeverAvailable` for a tag limited to 0 and `SlotsUnavailable` for a full
    one; then nothing has changed. A run already holding a slot keeps it (asking again is
    harmless). Tags without a limit are not limited.
    """
    holder = str(task_run_id)
    limits = await limits_for_tags(session, tags)
    for row in limits:
        if row.concurrency_limit == 0:
            raise SlotsNeverAvailable(row.tag)
    for row in limits:
        held = [str(s) for s in row.active_slots]
        if holder not in held and len(held) >= row.concurrency_limit:
            raise SlotsUnavailable(row.tag)
    for row in limits:
        held = [str(s) for s in row.active_slots]
        if holder not in held:
            row.active_slots = [*held, holder]
    await session.flush()
    return limits


async def release_slots(
    session: AsyncSession, tags: Iterable[str], task_run_id: uuid.UUID
) -> list[ConcurrencyLimit]:
    """Free the slots `task_run_id` holds on `tags`; the limits of those tags."""
    holder = str(task_run_id)
    limits = await limits_for_tags(session, tags)
    for row in limits:
        held = [str(s) for s in row.active_slots]
        if holder in held:
            row.active_slots = [s for s in held if s != holder]
    await session.flush()
    return limits


def _unique_ids(ids: Iterable[uuid.UUID | str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in ids:
        seen.setdefault(str(value), None)
    return list(seen)
