"""`POST /events/count-by/{countable}`: matching events counted per time bucket, name or
resource, as Prefect 3 counts them.

Time buckets are `time_interval` units wide, counted from a fixed pivot (Monday
2024-04-01 UTC), so the same bucket has the same bounds in every query. The answer holds
every bucket from the one holding `since` to the one holding `until` (or the end of the
current unit when `until` is in the future), zero counts included; a bucket's `value` is
its position in that list, its `label` its start in ISO 8601.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from prefect._time import now
from prefect.schemas.events import Countable, EventCount, EventFilter, TimeUnit
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database.dialects import dialect_of
from prefect_server.database.orm_events import Event
from prefect_server.events.filtering import where_clauses

PIVOT = datetime(2024, 4, 1, tzinfo=UTC)
MAXIMUM_BUCKETS = 1000
MINIMUM_INTERVAL = 0.01


class InvalidEventCountParameters(ValueError):
    """A count request that would make too many buckets (a 422)."""


def _end_of_unit(moment: datetime, unit: TimeUnit) -> datetime:
    """The last microsecond of the `unit` (calendar second/minute/.../ISO week) holding it."""
    if unit == TimeUnit.second:
        start = moment.replace(microsecond=0)
        step = timedelta(seconds=1)
    elif unit == TimeUnit.minute:
        start = moment.replace(second=0, microsecond=0)
        step = timedelta(minutes=1)
    elif unit == TimeUnit.hour:
        start = moment.replace(minute=0, second=0, microsecond=0)
        step = timedelta(hours=1)
    else:
        start = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        step = timedelta(days=1)
        if unit == TimeUnit.week:
            start -= timedelta(days=start.weekday())
            step = timedelta(days=7)
    return start + step - timedelta(microseconds=1)


def bucket_spans(
    since: datetime, until: datetime, unit: TimeUnit, interval: float
) -> tuple[int, list[tuple[datetime, datetime]]]:
    """(index of the first bucket since the pivot, [(start, end) of each bucket])."""
    if interval < MINIMUM_INTERVAL:
        raise InvalidEventCountParameters(f"The minimum interval is {MINIMUM_INTERVAL}")
    delta = unit.as_timedelta(interval)
    since, until = since.astimezone(UTC), until.astimezone(UTC)
    buckets = math.ceil((until - since) / delta)
    if buckets > MAXIMUM_BUCKETS:
        raise InvalidEventCountParameters(
            f"The given interval would create {buckets} buckets, which is too many. Please "
            f"increase the interval or reduce the time range to produce {MAXIMUM_BUCKETS} "
            "buckets or fewer."
        )
    current = now()
    if until > current:
        until = _end_of_unit(current, unit)
    first = math.floor((since - PIVOT) / delta)
    spans: list[tuple[datetime, datetime]] = []
    start = PIVOT + delta * first
    while start < until:
        spans.append((start, start + delta - timedelta(microseconds=1)))
        start += delta
    return first, spans


def _floor(dialect: str, value: Any) -> Any:
    if dialect == "postgresql":
        return sa.func.floor(value)
    # SQLite may be built without math functions; CAST truncates toward zero
    truncated = sa.cast(value, sa.Integer)
    return truncated - sa.case((value < truncated, 1), else_=0)


def _bucket_expression(dialect: str, seconds: float) -> Any:
    """SQL: the index (since the pivot) of the bucket holding `events.occurred`."""
    elapsed: Any
    if dialect == "postgresql":
        elapsed = sa.func.extract("epoch", Event.occurred - sa.literal(PIVOT, sa.DateTime(True)))
    else:
        pivot = PIVOT.replace(tzinfo=None).isoformat(sep=" ")
        # julianday's float keeps about a tenth of a millisecond; round it away so an
        # event exactly on a bucket boundary lands in the later bucket
        elapsed = sa.func.round(
            (sa.func.julianday(Event.occurred) - sa.func.julianday(pivot)) * 86400.0, 3
        )
    return _floor(dialect, elapsed / seconds)


async def count_events(
    session: AsyncSession,
    flt: EventFilter,
    countable: Countable,
    time_unit: TimeUnit,
    time_interval: float,
) -> list[EventCount]:
    if countable in (Countable.day, Countable.time):
        if countable == Countable.day:
            # the older `day` countable is a `time` count in whole days
            time_unit, time_interval = TimeUnit.day, 1.0
        return await _count_by_time(session, flt, time_unit, time_interval)
    return await _count_by_value(session, flt, countable)


async def _count_by_time(
    session: AsyncSession, flt: EventFilter, unit: TimeUnit, interval: float
) -> list[EventCount]:
    first, spans = bucket_spans(flt.occurred.since, flt.occurred.until, unit, interval)
    dialect = dialect_of(session)
    bucket = _bucket_expression(dialect, unit.as_timedelta(interval).total_seconds()).label(
        "bucket"
    )
    stmt = (
        sa.select(bucket, sa.func.count().label("count"))
        .where(*where_clauses(flt, dialect))
        .group_by(bucket)
    )
    counts = [
        EventCount(
            value=str(i),
            label=start.isoformat(),
            count=0,
            start_time=start,
            end_time=end,
        )
        for i, (start, end) in enumerate(spans)
    ]
    for index, count in (await session.execute(stmt)).all():
        position = int(index) - first
        if 0 <= position < len(counts):
            counts[position].count += int(count)
    return counts


async def _count_by_value(
    session: AsyncSession, flt: EventFilter, countable: Countable
) -> list[EventCount]:
    value: Any
    label: Any
    if countable == Countable.event:
        value = label = Event.event
    else:
        value = Event.resource_id
        label = sa.func.coalesce(
            Event.resource["prefect.resource.name"].as_string(),
            Event.resource["prefect.name"].as_string(),
            Event.resource_id,
        )
    stmt = (
        sa.select(
            value.label("value"),
            label.label("label"),
            sa.func.count().label("count"),
            sa.func.min(Event.occurred).label("start_time"),
            sa.func.max(Event.occurred).label("end_time"),
        )
        .where(*where_clauses(flt, dialect_of(session)))
        .group_by(value, label)
    )
    # a resource renamed over time is one count, labelled with its latest name
    merged: dict[str, EventCount] = {}
    for row in (await session.execute(stmt)).mappings().all():
        found = merged.get(row["value"])
        if found is None:
            merged[row["value"]] = EventCount.model_validate(dict(row))
            continue
        found.count += row["count"]
        if row["end_time"] > found.end_time:
            found.label, found.end_time = row["label"], row["end_time"]
        found.start_time = min(found.start_time, row["start_time"])
    return sorted(merged.values(), key=lambda c: (-c.count, c.label))
