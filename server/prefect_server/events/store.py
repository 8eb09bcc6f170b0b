"""Events as the API receives and answers them: storing `ReceivedEvent`s, pages,
next-page tokens, and the catch-up reads of the websocket stream."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from prefect._time import now
from prefect.schemas.events import EventFilter, EventOrder, ReceivedEvent
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from prefect_server.database.dialects import dialect_of
from prefect_server.database.orm_events import Event
from prefect_server.events.filtering import where_clauses
from prefect_server.events.persist import event_row, write_rows


class InvalidTokenError(ValueError):
    """A next-page token that is not one this server made."""


# -- writing ------------------------------------------------------------------------------


def row_of(event: ReceivedEvent, recorded: datetime) -> dict[str, Any]:
    return event_row(
        id=event.id,
        occurred=event.occurred,
        event=event.event,
        resource=dict(event.resource.root),
        related=[dict(r.root) for r in event.related],
        payload=event.payload,
        received=event.received,
        follows=event.follows,
        recorded=recorded,
    )


async def write_events(session: AsyncSession, events: Sequence[ReceivedEvent]) -> int:
    """Store received events; returns how many were new."""
    recorded = now()
    return len(await write_rows(session, [row_of(event, recorded) for event in events]))


# -- reading ------------------------------------------------------------------------------


def to_event(row: Event) -> ReceivedEvent:
    return ReceivedEvent.model_validate(row, from_attributes=True)


def _order(flt: EventFilter) -> Any:
    return sa.desc if flt.order == EventOrder.DESC else sa.asc


async def count_matching(session: AsyncSession, flt: EventFilter) -> int:
    clauses = where_clauses(flt, dialect_of(session))
    if flt.resource is not None and flt.resource.distinct:
        stmt = sa.select(sa.func.count(sa.distinct(Event.resource_id))).where(*clauses)
    else:
        stmt = sa.select(sa.func.count()).select_from(Event).where(*clauses)
    return int((await session.execute(stmt)).scalar_one())


async def read_matching(
    session: AsyncSession, flt: EventFilter, *, limit: int, offset: int = 0
) -> list[ReceivedEvent]:
    """Matching events in the filter's order (occurred, then id as tie-breaker)."""
    order = _order(flt)
    clauses = where_clauses(flt, dialect_of(session))
    if flt.resource is not None and flt.resource.distinct:
        # the first event of each resource in the requested order
        rank = (
            sa.func.row_number()
            .over(partition_by=Event.resource_id, order_by=(order(Event.occurred), order(Event.id)))
            .label("rank")
        )
        ranked = sa.select(Event, rank).where(*clauses).subquery()
        latest = aliased(Event, ranked)
        stmt = (
            sa.select(latest)
            .where(ranked.c.rank == 1)
            .order_by(order(ranked.c.occurred), order(ranked.c.id))
        )
    else:
        stmt = sa.select(Event).where(*clauses).order_by(order(Event.occurred), order(Event.id))
    if flt.id.id:
        limit = min(limit, len(flt.id.id))
    stmt = stmt.limit(limit).offset(offset)
    rows = (await session.execute(stmt)).scalars().all()
    return [to_event(row) for row in rows]


def to_page_token(flt: EventFilter, total: int, page_size: int, offset: int) -> str | None:
    """The token of the page after the one at `offset`, or None when that was the last."""
    if offset + page_size >= total or page_size <= 0:
        return None
    data = {
        "filter": flt.model_dump(mode="json"),
        "count": total,
        "page_size": page_size,
        "offset": offset + page_size,
    }
    return base64.b64encode(json.dumps(data).encode()).decode()


def from_page_token(token: str) -> tuple[EventFilter, int, int, int]:
    try:
        data = json.loads(base64.b64decode(token, validate=True))
        return (
            EventFilter.model_validate(data["filter"]),
            int(data["count"]),
            int(data["page_size"]),
            int(data["offset"]),
        )
    except Exception as exc:  # any damage to the token makes it unusable
        raise InvalidTokenError("Unable to parse page token") from exc


async def query_events(
    session: AsyncSession, flt: EventFilter, page_size: int
) -> tuple[list[ReceivedEvent], int, str | None]:
    total = await count_matching(session, flt)
    events = await read_matching(session, flt, limit=page_size)
    return events, total, to_page_token(flt, total, page_size, 0)


async def query_next_page(
    session: AsyncSession, token: str
) -> tuple[list[ReceivedEvent], int, str | None]:
    flt, total, page_size, offset = from_page_token(token)
    events = await read_matching(session, flt, limit=page_size, offset=offset)
    return events, total, to_page_token(flt, total, page_size, offset)


async def read_recorded_since(
    session: AsyncSession,
    flt: EventFilter,
    since: datetime,
    *,
    after_id: uuid.UUID | None = None,
    limit: int,
) -> list[tuple[ReceivedEvent, datetime]]:
    """Matching events recorded at or after `since` (after `after_id` among those recorded
    exactly then), in (recorded, id) order, each with when it was recorded: the websocket
    catch-up of events that other processes wrote."""
    if after_id is None:
        cursor = Event.recorded >= since
    else:
        cursor = sa.or_(
            Event.recorded > since, sa.and_(Event.recorded == since, Event.id > after_id)
        )
    stmt = (
        sa.select(Event)
        .where(cursor, *where_clauses(flt, dialect_of(session)))
        .order_by(Event.recorded, Event.id)
        .limit(limit)
    )
    rows = (await session.execute(stmt)).scalars().all()
    return [(to_event(row), row.recorded) for row in rows]
