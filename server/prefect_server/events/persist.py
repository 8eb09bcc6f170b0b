"""Writing event rows: a fixed number of statements per batch, in the caller's
transaction, published to websocket subscribers when that transaction commits.

The state-change path writes through here on every state a run takes, so this module
and what it imports stay free of the pydantic event models (building them costs tens of
milliseconds at start-up, in every process that opens the embedded store).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database.orm_events import Event
from prefect_server.events.broker import publish_after_commit
from prefect_server.events.bulk import insert_events

# bound-parameter lists stay well under SQLite's and asyncpg's limits
_CHUNK = 2000


def event_row(
    *,
    id: uuid.UUID,
    occurred: datetime,
    event: str,
    resource: dict[str, str],
    related: list[dict[str, str]],
    payload: dict[str, Any],
    received: datetime,
    follows: uuid.UUID | None,
    recorded: datetime,
) -> dict[str, Any]:
    """The `events` row of one event (plain data: the state-change path builds these
    without pydantic models, for speed)."""
    return {
        "id": id,
        "occurred": occurred,
        "event": event,
        "resource": resource,
        "related": related,
        "payload": payload,
        "received": received,
        "recorded": recorded,
        "follows": follows,
    }


async def _existing_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    found: set[uuid.UUID] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        found.update(
            (await session.execute(sa.select(Event.id).where(Event.id.in_(chunk)))).scalars()
        )
    return found


async def write_rows(
    session: AsyncSession, rows: list[dict[str, Any]], *, known_new: bool = False
) -> list[dict[str, Any]]:
    """Insert event rows (skipping ids already stored) and publish them after commit.

    `known_new` skips the lookup of stored ids, for events whose ids were just made (the
    state-change events take the id of the state row written in the same transaction).
    Returns the rows written.
    """
    if not rows:
        return []
    unique = list({row["id"]: row for row in rows}.values())
    if not known_new:
        stored = await _existing_ids(session, [row["id"] for row in unique])
        unique = [row for row in unique if row["id"] not in stored]
        if not unique:
            return []
    await insert_events(session, unique)
    publish_after_commit(session, unique)
    return unique
