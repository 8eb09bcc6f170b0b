"""Schedules of deployments (Prefect 3's shapes) and the dates they give.

    IntervalSchedule(interval=timedelta(days=1), anchor_date=..., timezone="Europe/Berlin")
    CronSchedule(cron="0 9 * * 1-5", timezone="America/New_York")
    RRuleSchedule(rrule="FREQ=WEEKLY;BYDAY=MO;BYHOUR=9", timezone="UTC")

Each has `get_dates(n, start, end)`: the dates on or after `start`, at most `n` of them and
none after `end`, as timezone-aware datetimes in the schedule's timezone.

Daylight saving time, as Prefect documents it:

- An interval of a day or more keeps the wall-clock time: a daily schedule anchored at
  09:00 in New York fires at 09:00 local time all year (the whole days of the time since
  the anchor move the wall clock; the hours left over are elapsed time). An interval
  under a day is elapsed time: an hourly schedule fires every 60 minutes, so when the
  clocks go back two runs both read 01:xx local time.
- Cron reads wall-clock time in its timezone: an hourly cron fires at each new local hour,
  so when the clocks go back it fires at the first 01:00 and then at 02:00, two hours
  later; a time the clocks skip fires at the same moment after the jump (02:30 on the
  spring-forward day fires at 03:30).
- An RRule keeps the wall-clock time of its start date in its timezone.

The anchor of an interval schedule is a point of the grid, not a start: dates before it
are produced too. croniter and dateutil are imported only when dates are computed or a
cron/RRule string is validated, so importing this module stays cheap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ConfigDict, Field, field_validator, model_validator

from prefect._time import now
from prefect.schemas._base import PrefectBaseModel

if TYPE_CHECKING:
    from dateutil.rrule import rrule as DateutilRRule  # type: ignore[import-untyped]
    from dateutil.rrule import rruleset as DateutilRRuleSet

# a schedule never looks at more candidate dates than this in one call
MAX_ITERATIONS = 1000
# about a year of RDATEs, as Prefect allows
MAX_RRULE_LENGTH = 6500
# the start of an RRule that names no DTSTART
DEFAULT_ANCHOR_DATE = dt.datetime(2020, 1, 1)

UTC = dt.UTC


def _zone(name: str | None) -> dt.tzinfo:
    return ZoneInfo(name) if name else UTC


def validate_timezone(name: str | None) -> str | None:
    """`name` if it is an IANA timezone (None stays None), else ValueError."""
    if name is None:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f'Invalid timezone: "{name}" (specify in IANA tzdata format, for example, '
            "America/New_York)"
        ) from None
    return name


def _aware(value: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """A naive datetime is read as wall-clock time in `zone`."""
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def _resolve_wall(wall: dt.datetime, zone: dt.tzinfo, fold: int = 0) -> dt.datetime:
    """The instant a naive wall-clock time stands for in `zone`, in UTC.

    An ambiguous time (the clocks went back) is its first occurrence unless `fold` says
    otherwise; a skipped time (the clocks jumped) is the moment just after the jump at
    the same distance from it, as Python's fold=0 reading gives (02:30 -> 03:30).
    """
    return wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)


class _Window:
    """The `get_dates` arguments made concrete: bounds in UTC and a count.

    Everything inside is compared in UTC: two aware datetimes of one zone compare by wall
    clock and ignore `fold`, so 01:30 before and after the clocks go back would be equal.
    """

    def __init__(
        self, n: int | None, start: dt.datetime | None, end: dt.datetime | None, zone: dt.tzinfo
    ) -> None:
        self.zone = zone
        self.start = _aware(start, zone).astimezone(UTC) if start is not None else now()
        self.end = _aware(end, zone).astimezone(UTC) if end is not None else None
        if n is None:
            # with an end, as many as fit (within the iteration cap); else the next one
            n = MAX_ITERATIONS if end is not None else 1
        self.n = n

    def collect(self, candidates: Iterator[dt.datetime]) -> list[dt.datetime]:
        dates: list[dt.datetime] = []
        seen: set[dt.datetime] = set()
        for attempt, date in enumerate(candidates):
            if self.end is not None and date > self.end:
                break
            # two wall-clock times can name one instant around a DST change
            if date >= self.start and date not in seen:
                seen.add(date)
                dates.append(date)
            if len(dates) >= self.n or attempt >= MAX_ITERATIONS:
                break
        return [date.astimezone(self.zone) for date in sorted(dates)]


class _Schedule(PrefectBaseModel):
    # extra fields forbidden, so that a schedule dict matches exactly one schedule type
    model_config = ConfigDict(extra="forbid", populate_by_name=True, ser_json_timedelta="float")

    timezone: str | None = Field(default=None, examples=["America/New_York"])

    @field_validator("timezone")
    @classmethod
    def _valid_timezone(cls, value: str | None) -> str | None:
        return validate_timezone(value)

    @property
    def zone(self) -> dt.tzinfo:
        return _zone(self.timezone)

    def get_dates(
        self, n: int | None = None, start: dt.datetime | None = None, end: dt.datetime | None = None
    ) -> list[dt.datetime]:
        """Dates on or after `start` (default now), at most `n`, none after `end`, sorted.

        Without `n`: the next date, or with `end` every date up to it (at most 1000
        candidates are looked at). A naive `start` or `end` is wall-clock time in the
        schedule's timezone.
        """
        window = _Window(n, start, end, self.zone)
        return window.collect(self._candidates(window.start))

    def _candidates(self, start: dt.datetime) -> Iterator[dt.datetime]:
        """Dates in UTC, ascending, from about `start` (UTC) on."""
        raise NotImplementedError


def _default_anchor() -> dt.datetime:
    return now()


class IntervalSchedule(_Schedule):
    """Every `interval` on the grid through `anchor_date` (default: when it was made).

    Without a `timezone` the anchor's IANA zone is used when it has one, else UTC; a naive
    anchor is wall-clock time in the schedule's timezone.
    """

    interval: dt.timedelta
    anchor_date: dt.datetime = Field(default_factory=_default_anchor)

    @field_validator("interval")
    @classmethod
    def _positive(cls, value: dt.timedelta) -> dt.timedelta:
        if value <= dt.timedelta(0):
            raise ValueError("The interval must be positive")
        return value

    @model_validator(mode="after")
    def _anchor_zone(self) -> IntervalSchedule:
        if self.anchor_date.tzinfo is None:
            self.anchor_date = self.anchor_date.replace(tzinfo=_zone(self.timezone))
        if self.timezone is None:
            tz = self.anchor_date.tzinfo
            self.timezone = tz.key if isinstance(tz, ZoneInfo) else "UTC"
        return self

    def _date_at(self, k: int, anchor: dt.datetime) -> dt.datetime:
        """The k-th date of the grid (k < 0: before the anchor), in UTC."""
        elapsed = k * self.interval
        if self.interval < dt.timedelta(days=1) or k == 0:
            return anchor.astimezone(UTC) + elapsed
        # the whole days of k intervals move the wall clock, what is left is elapsed time;
        # so a 36-hour schedule anchored at midnight stays on midnight and noon
        wall = anchor.replace(tzinfo=None) + dt.timedelta(days=elapsed.days)
        return _resolve_wall(wall, self.zone, anchor.fold) + (elapsed - dt.timedelta(elapsed.days))

    def _candidates(self, start: dt.datetime) -> Iterator[dt.datetime]:
        anchor = self.anchor_date.astimezone(self.zone)
        # a first guess from elapsed time, corrected for DST shifts in either direction
        k = (start - anchor) // self.interval - 1
        while self._date_at(k, anchor) >= start:
            k -= 1
        while self._date_at(k, anchor) < start:
            k += 1
        while True:
            yield self._date_at(k, anchor)
            k += 1


class CronSchedule(_Schedule):
    """A cron expression read in wall-clock time of `timezone` (default UTC).

    `day_or` (default True) joins day-of-month and day-of-week with OR, as cron does;
    False joins them with AND (e.g. "the second Friday": `0 9 8-14 * 5`).
    """

    cron: str = Field(examples=["0 0 * * *"])
    day_or: bool = True

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        from croniter import croniter

        # croniter's random (R) and hashed (H) expressions are not deterministic
        if any(part.casefold() in {"r", "h"} for part in value.split()):
            raise ValueError(f'Random and Hashed expressions are unsupported, received: "{value}"')
        if not croniter.is_valid(value):
            raise ValueError(f'Invalid cron string: "{value}"')
        return value

    def _candidates(self, start: dt.datetime) -> Iterator[dt.datetime]:
        from croniter import croniter

        zone = self.zone
        local = start.astimezone(zone)
        # one second back, so that a start on a cron time is itself a candidate; one
        # hour more, so that the second pass of an ambiguous hour is not skipped
        wall = local.replace(tzinfo=None) - dt.timedelta(hours=1, seconds=1)
        wall = wall.replace(microsecond=0)
        for next_wall in croniter(self.cron, wall, day_or=self.day_or).all_next(dt.datetime):
            yield _resolve_wall(next_wall, zone)


class RRuleSchedule(_Schedule):
    """An iCalendar recurrence rule (RFC 5545), as dateutil reads it.

    The rule's DTSTART (default 2020-01-01 00:00) is wall-clock time in `timezone` (default
    the DTSTART's own zone, else UTC), and every date keeps that wall-clock time.
    """

    rrule: str

    @field_validator("rrule")
    @classmethod
    def _valid_rrule(cls, value: str) -> str:
        from dateutil.rrule import rrulestr  # type: ignore[import-untyped]

        if len(value) > MAX_RRULE_LENGTH:
            raise ValueError(
                f"Max length is {MAX_RRULE_LENGTH}, got {len(value)}; split the rule up"
            )
        try:
            rrulestr(value, dtstart=DEFAULT_ANCHOR_DATE, cache=True)
        except (ValueError, TypeError) as exc:
            raise ValueError(f'Invalid RRule string "{value}": {exc}') from None
        return value

    def to_rrule(self) -> DateutilRRule | DateutilRRuleSet:
        """The dateutil rule, with every naive date placed in the schedule's timezone."""
        from dateutil.rrule import rrule, rruleset, rrulestr  # type: ignore[import-untyped]

        zone = self.zone
        parsed = rrulestr(self.rrule, dtstart=DEFAULT_ANCHOR_DATE, cache=True)
        if isinstance(parsed, rrule):
            return _localized_rule(parsed, zone)
        localized = rruleset(cache=True)
        # dateutil keeps a parsed set's parts only in private attributes
        for rule in parsed._rrule:  # type: ignore[attr-defined]
            localized.rrule(_localized_rule(rule, zone))
        for rule in parsed._exrule:  # type: ignore[attr-defined]
            localized.exrule(_localized_rule(rule, zone))
        for date in parsed._rdate:  # type: ignore[attr-defined]
            localized.rdate(_aware(date, zone))
        for date in parsed._exdate:  # type: ignore[attr-defined]
            localized.exdate(_aware(date, zone))
        return localized

    def _candidates(self, start: dt.datetime) -> Iterator[dt.datetime]:
        rule = self.to_rrule()
        for date in rule.xafter(start, count=MAX_ITERATIONS + 1, inc=True):
            yield date.astimezone(UTC)


def _localized_rule(rule: DateutilRRule, zone: dt.tzinfo) -> DateutilRRule:
    start: dt.datetime = rule._dtstart  # type: ignore[attr-defined]
    until: dt.datetime | None = rule._until  # type: ignore[attr-defined]
    changes: dict[str, Any] = {"dtstart": _aware(start, zone)}
    if until is not None:
        changes["until"] = _aware(until, zone)
    return rule.replace(**changes)


class NoSchedule(PrefectBaseModel):
    """Prefect's "no schedule": it gives no dates."""

    model_config = ConfigDict(extra="forbid")

    def get_dates(
        self, n: int | None = None, start: dt.datetime | None = None, end: dt.datetime | None = None
    ) -> list[dt.datetime]:
        return []


SCHEDULE_TYPES: TypeAlias = IntervalSchedule | CronSchedule | RRuleSchedule | NoSchedule


def construct_schedule(
    interval: float | dt.timedelta | None = None,
    anchor_date: dt.datetime | str | None = None,
    cron: str | None = None,
    rrule: str | None = None,
    timezone: str | None = None,
) -> SCHEDULE_TYPES:
    """One schedule from exactly one of `interval` (seconds or timedelta), `cron`, `rrule`."""
    given = [x for x in (interval, cron, rrule) if x is not None]
    if len(given) != 1:
        raise ValueError("Exactly one of interval, cron or rrule must be given")
    if interval is not None:
        delta = interval if isinstance(interval, dt.timedelta) else dt.timedelta(seconds=interval)
        fields: dict[str, Any] = {"interval": delta, "timezone": timezone}
        if anchor_date is not None:
            fields["anchor_date"] = anchor_date
        return IntervalSchedule.model_validate(fields)
    if anchor_date is not None:
        raise ValueError("An anchor date can only be given with an interval")
    if cron is not None:
        return CronSchedule(cron=cron, timezone=timezone)
    assert rrule is not None
    return RRuleSchedule(rrule=rrule, timezone=timezone)


__all__ = [
    "MAX_ITERATIONS",
    "SCHEDULE_TYPES",
    "CronSchedule",
    "IntervalSchedule",
    "NoSchedule",
    "RRuleSchedule",
    "construct_schedule",
    "validate_timezone",
]
