"""Multi-row INSERTs of events and their resources straight through the driver.

A batch of task-run reports makes thousands of event rows and several resource rows for
each, and SQLAlchemy's per-value bind processing (timestamps formatted for SQLite, JSON
encoded, UUIDs converted) costs more than the database's work for them. Here the rows
become parameter tuples directly, in the storage format the ORM types use
(`prefect_server.database.types`: SQLite's DATETIME text and CHAR(32) UUIDs; native
values for asyncpg), and go to the driver's `executemany`. What events of one run share
(their related resources) is encoded once. Reads still go through the ORM.
"""

from __future__ import annotations

import contextlib
import gc
import os
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic_core import to_json
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database.dialects import dialect_of

EVENT_COLUMNS = (
    "id",
    "created",
    "updated",
    "occurred",
    "event",
    "resource_id",
    "resource",
    "related_resource_ids",
    "related",
    "payload",
    "received",
    "recorded",
    "follows",
)
RESOURCE_COLUMNS = (
    "id",
    "created",
    "updated",
    "occurred",
    "resource_id",
    "resource_role",
    "resource",
    "event_id",
)
_HIDDEN_LABELS = ("prefect.resource.id", "prefect.resource.role")


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Hold off the cyclic garbage collector while a batch is built and written.

    A batch allocates tens of thousands of short-lived tuples and dicts, which reference
    counting frees as soon as the INSERT is done; left on, the collector would run many
    young and several full passes over the whole heap meanwhile, which measured as most
    of the batch's cost.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Encoder:
    """Python values as the driver of one backend takes them, memoizing what repeats."""

    def __init__(self, dialect: str) -> None:
        self.sqlite = dialect == "sqlite"
        self._times: dict[datetime, Any] = {}
        # keyed by id(): the related lists of one run's events are the same object; the
        # object is kept beside its encoding so that its id is not reused meanwhile
        self._related: dict[int, tuple[object, str, str, list[tuple[str, str, str]]]] = {}

    def time(self, value: datetime) -> Any:
        try:
            return self._times[value]
        except KeyError:
            pass
        utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        # SQLite: the text SQLAlchemy's DATETIME writes, so that ranges compare alike
        encoded = utc.strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else utc
        self._times[value] = encoded
        return encoded

    def uuid(self, value: uuid.UUID | None) -> Any:
        if value is None or not self.sqlite:
            return value
        return value.hex

    def new_id(self) -> Any:
        # a primary key nobody refers to: random bits are enough, and cheaper than uuid4
        return os.urandom(16).hex() if self.sqlite else uuid.uuid4()

    @staticmethod
    def json(value: Any) -> str:
        return to_json(value).decode()

    def related(self, related: list[dict[str, str]]) -> tuple[str, str, list[tuple[str, str, str]]]:
        """(related JSON, related ids JSON, [(id, role, other labels JSON)])."""
        found = self._related.get(id(related))
        if found is not None:
            return found[1], found[2], found[3]
        resources = [
            (
                labels["prefect.resource.id"],
                labels["prefect.resource.role"],
                self.json({k: v for k, v in labels.items() if k not in _HIDDEN_LABELS}),
            )
            for labels in related
        ]
        ids = self.json([resource_id for resource_id, _, _ in resources])
        encoded = self.json(related)
        self._related[id(related)] = (related, encoded, ids, resources)
        return encoded, ids, resources


def insert_sql(dialect: str, paramstyle: str, table: str, columns: Sequence[str]) -> str:
    if paramstyle == "qmark":
        marks = ", ".join("?" * len(columns))
    elif paramstyle == "numeric_dollar":
        marks = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    elif paramstyle == "format":
        marks = ", ".join(["%s"] * len(columns))
    else:  # pragma: no cover - the two supported drivers use the styles above
        raise NotImplementedError(f"paramstyle {paramstyle}")
    names = ", ".join(f'"{column}"' for column in columns)
    if table == "events":
        # a concurrent writer of the same event id is not an error
        if dialect == "sqlite":
            return f'INSERT OR IGNORE INTO "{table}" ({names}) VALUES ({marks})'
        return f'INSERT INTO "{table}" ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING'
    return f'INSERT INTO "{table}" ({names}) VALUES ({marks})'


async def insert_events(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT event rows (`store.event_row`) and a resource row per related resource."""
    if not rows:
        return
    dialect = dialect_of(session)
    events, resources = encode_events(dialect, rows)
    paramstyle = session.get_bind().dialect.paramstyle
    connection = await session.connection()
    await connection.exec_driver_sql(
        insert_sql(dialect, paramstyle, "events", EVENT_COLUMNS), events
    )
    if resources:
        await connection.exec_driver_sql(
            insert_sql(dialect, paramstyle, "event_resources", RESOURCE_COLUMNS), resources
        )


def encode_events(
    dialect: str, rows: Sequence[dict[str, Any]]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The parameter tuples of the `events` rows and of their `event_resources` rows."""
    enc = _Encoder(dialect)
    events: list[tuple[Any, ...]] = []
    resources: list[tuple[Any, ...]] = []
    for row in rows:
        related, related_ids, shared = enc.related(row["related"])
        recorded, occurred, event_id = (
            enc.time(row["recorded"]),
            enc.time(row["occurred"]),
            enc.uuid(row["id"]),
        )
        events.append(
            (
                event_id,
                recorded,
                recorded,
                occurred,
                row["event"],
                row["resource"]["prefect.resource.id"],
                enc.json(row["resource"]),
                related_ids,
                related,
                enc.json(row["payload"]),
                enc.time(row["received"]),
                recorded,
                enc.uuid(row["follows"]),
            )
        )
        for resource_id, role, labels in shared:
            resources.append(
                (enc.new_id(), recorded, recorded, occurred, resource_id, role, labels, event_id)
            )
    return events, resources
