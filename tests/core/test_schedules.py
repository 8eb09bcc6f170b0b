"""Schedules: the dates they give, across DST changes, and the inputs they refuse."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from prefect.schemas.deployments import DeploymentSchedule
from prefect.schemas.schedules import (
    CronSchedule,
    IntervalSchedule,
    NoSchedule,
    RRuleSchedule,
    construct_schedule,
)
from pydantic import TypeAdapter, ValidationError

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def in_utc(dates: list[datetime]) -> list[datetime]:
    return [d.astimezone(UTC) for d in dates]


# -- interval ---------------------------------------------------------------------------


def test_daily_interval_keeps_local_wall_clock_across_spring_forward() -> None:
    schedule = IntervalSchedule(
        interval=timedelta(days=1), anchor_date=datetime(2026, 3, 1, 9, tzinfo=NY)
    )
    assert schedule.timezone == "America/New_York"
    dates = schedule.get_dates(n=4, start=utc(2026, 3, 6, 12))
    assert [d.hour for d in dates] == [9, 9, 9, 9]
    # 09:00 EST is 14:00 UTC, 09:00 EDT (from March 8) is 13:00 UTC
    assert in_utc(dates) == [utc(2026, 3, 6, 14), utc(2026, 3, 7, 14), utc(2026, 3, 8, 13),
                             utc(2026, 3, 9, 13)]  # fmt: skip


def test_hourly_interval_is_elapsed_time_when_clocks_go_back() -> None:
    schedule = IntervalSchedule(
        interval=timedelta(hours=1), anchor_date=datetime(2026, 11, 1, 0, tzinfo=NY)
    )
    dates = schedule.get_dates(n=4, start=datetime(2026, 11, 1, 0, tzinfo=NY))
    assert in_utc(dates) == [utc(2026, 11, 1, h) for h in (4, 5, 6, 7)]
    # two of them read 01:00 local time: before and after the change
    assert [(d.hour, d.utcoffset()) for d in dates[1:3]] == [
        (1, timedelta(hours=-4)),
        (1, timedelta(hours=-5)),
    ]


def test_interval_of_a_day_and_a_half_moves_days_by_wall_clock_and_the_rest_by_time() -> None:
    schedule = IntervalSchedule(
        interval=timedelta(hours=36),
        anchor_date=datetime(2026, 3, 27, 0, tzinfo=BERLIN),
        timezone="Europe/Berlin",
    )
    dates = schedule.get_dates(n=3, start=datetime(2026, 3, 27, tzinfo=BERLIN))
    # Berlin moves to summer time on March 29 at 02:00
    assert [d.replace(tzinfo=None) for d in dates] == [
        datetime(2026, 3, 27, 0),
        datetime(2026, 3, 28, 12),
        datetime(2026, 3, 30, 0),
    ]


def test_anchor_is_a_point_of_the_grid_not_a_start() -> None:
    schedule = IntervalSchedule(interval=timedelta(hours=5), anchor_date=utc(2030, 1, 1))
    assert in_utc(schedule.get_dates(n=2, start=utc(2026, 1, 1, 1))) == [
        utc(2026, 1, 1, 4),
        utc(2026, 1, 1, 9),
    ]


def test_interval_dates_include_start_and_stop_at_end() -> None:
    schedule = IntervalSchedule(interval=timedelta(minutes=30), anchor_date=utc(2026, 1, 1))
    dates = schedule.get_dates(start=utc(2026, 1, 1, 1), end=utc(2026, 1, 1, 2, 15))
    assert in_utc(dates) == [utc(2026, 1, 1, 1), utc(2026, 1, 1, 1, 30), utc(2026, 1, 1, 2)]
    assert len(schedule.get_dates(start=utc(2026, 1, 1, 1))) == 1
    # with no end, n caps; with an end, at most 1000 candidates are looked at
    assert len(schedule.get_dates(start=utc(2026, 1, 1), end=utc(2027, 1, 1))) == 1000


def test_naive_anchor_is_wall_clock_in_the_schedule_timezone() -> None:
    schedule = IntervalSchedule(
        interval=timedelta(days=1), anchor_date=datetime(2026, 1, 1, 8), timezone="Europe/Berlin"
    )
    assert schedule.anchor_date.utcoffset() == timedelta(hours=1)
    wire = IntervalSchedule.model_validate_json(schedule.model_dump_json())
    assert wire == schedule
    assert json.loads(schedule.model_dump_json())["interval"] == 86400.0


def test_interval_without_zone_in_anchor_uses_utc() -> None:
    schedule = IntervalSchedule.model_validate(
        {"interval": 3600, "anchor_date": "2026-03-01T09:00:00-05:00"}
    )
    assert schedule.timezone == "UTC"
    assert schedule.interval == timedelta(hours=1)


@pytest.mark.parametrize(
    "fields",
    [
        {"interval": 0},
        {"interval": -5},
        {"interval": 60, "timezone": "Mars/Olympus"},
        {"interval": 60, "timezone": ""},
        {"interval": 60, "cron": "* * * * *"},
    ],
)
def test_bad_interval_schedules(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        IntervalSchedule.model_validate(fields)


# -- cron -------------------------------------------------------------------------------


def test_hourly_cron_fires_at_each_new_local_hour_when_clocks_go_back() -> None:
    schedule = CronSchedule(cron="0 * * * *", timezone="America/New_York")
    dates = schedule.get_dates(n=4, start=datetime(2026, 11, 1, 0, tzinfo=NY))
    # 01:00 EDT, then 02:00 EST two hours later: the repeated 01:00 does not fire again
    assert in_utc(dates) == [utc(2026, 11, 1, h) for h in (4, 5, 7, 8)]


def test_hourly_cron_skips_the_missing_hour_when_clocks_go_forward() -> None:
    schedule = CronSchedule(cron="0 * * * *", timezone="America/New_York")
    dates = schedule.get_dates(n=4, start=datetime(2026, 3, 8, 0, tzinfo=NY))
    assert [d.hour for d in dates] == [0, 1, 3, 4]
    assert in_utc(dates) == [utc(2026, 3, 8, h) for h in (5, 6, 7, 8)]


def test_daily_cron_keeps_local_time_and_runs_a_skipped_time_after_the_jump() -> None:
    at_nine = CronSchedule(cron="0 9 * * *", timezone="Europe/Berlin")
    dates = at_nine.get_dates(n=3, start=utc(2026, 3, 28))
    assert [d.hour for d in dates] == [9, 9, 9]
    assert in_utc(dates) == [utc(2026, 3, 28, 8), utc(2026, 3, 29, 7), utc(2026, 3, 30, 7)]

    at_half_two = CronSchedule(cron="30 2 * * *", timezone="America/New_York")
    dates = at_half_two.get_dates(n=3, start=datetime(2026, 3, 7, tzinfo=NY))
    assert in_utc(dates) == [utc(2026, 3, 7, 7, 30), utc(2026, 3, 8, 7, 30),
                             utc(2026, 3, 9, 6, 30)]  # fmt: skip


def test_cron_start_on_a_cron_time_is_included_and_naive_bounds_are_local() -> None:
    schedule = CronSchedule(cron="*/15 * * * *", timezone="Europe/Berlin")
    dates = schedule.get_dates(start=datetime(2026, 6, 1, 10, 0), end=datetime(2026, 6, 1, 10, 45))
    assert [d.minute for d in dates] == [0, 15, 30, 45]
    assert dates[0].astimezone(UTC) == utc(2026, 6, 1, 8)


def test_cron_day_or() -> None:
    second_friday = CronSchedule(cron="0 9 8-14 * 5", day_or=False)
    dates = second_friday.get_dates(n=2, start=utc(2026, 1, 1))
    assert [d.date().isoformat() for d in dates] == ["2026-01-09", "2026-02-13"]
    either = CronSchedule(cron="0 9 8-14 * 5")
    assert len(either.get_dates(start=utc(2026, 1, 1), end=utc(2026, 1, 31))) > 2


@pytest.mark.parametrize("cron", ["not a cron", "0 0 * *", "H 0 * * *", "R 0 * * *", "61 * * * *"])
def test_bad_cron_strings(cron: str) -> None:
    with pytest.raises(ValidationError):
        CronSchedule(cron=cron)


# -- rrule ------------------------------------------------------------------------------


def test_rrule_keeps_wall_clock_time_of_its_timezone() -> None:
    schedule = RRuleSchedule(rrule="FREQ=DAILY;BYHOUR=9;BYMINUTE=0", timezone="Europe/Berlin")
    dates = schedule.get_dates(n=3, start=utc(2026, 3, 28))
    assert in_utc(dates) == [utc(2026, 3, 28, 8), utc(2026, 3, 29, 7), utc(2026, 3, 30, 7)]


def test_rrule_with_dtstart_count_and_exdate() -> None:
    schedule = RRuleSchedule(
        rrule="DTSTART:20260301T090000\nRRULE:FREQ=DAILY;COUNT=3\nEXDATE:20260302T090000",
        timezone="America/New_York",
    )
    dates = schedule.get_dates(start=utc(2026, 1, 1), end=utc(2027, 1, 1))
    assert [d.replace(tzinfo=None) for d in dates] == [
        datetime(2026, 3, 1, 9),
        datetime(2026, 3, 3, 9),
    ]


def test_rrule_with_its_own_zone() -> None:
    schedule = RRuleSchedule(
        rrule="DTSTART;TZID=America/New_York:20260301T090000\nRRULE:FREQ=WEEKLY;BYDAY=MO"
    )
    assert in_utc(schedule.get_dates(n=2, start=utc(2026, 3, 1))) == [
        utc(2026, 3, 2, 14),
        utc(2026, 3, 9, 13),
    ]


@pytest.mark.parametrize("rrule", ["FREQ=SOMETIMES", "not a rule", "FREQ=DAILY;" + "X" * 7000])
def test_bad_rrules(rrule: str) -> None:
    with pytest.raises(ValidationError):
        RRuleSchedule(rrule=rrule)


# -- the union on the wire ------------------------------------------------------------


def test_schedule_dicts_parse_to_exactly_one_type() -> None:
    def parse(schedule: object) -> object:
        return DeploymentSchedule.model_validate({"schedule": schedule}).schedule

    assert isinstance(parse({"interval": 60}), IntervalSchedule)
    assert isinstance(parse({"cron": "0 0 * * *", "timezone": "UTC"}), CronSchedule)
    assert isinstance(parse({"rrule": "FREQ=HOURLY"}), RRuleSchedule)
    assert isinstance(parse({}), NoSchedule)
    assert NoSchedule().get_dates(n=3) == []
    with pytest.raises(ValidationError):
        parse({"cron": "0 0 * * *", "interval": 60})


def test_construct_schedule() -> None:
    assert construct_schedule(interval=60).interval == timedelta(minutes=1)  # type: ignore[union-attr]
    assert isinstance(construct_schedule(cron="0 0 * * *", timezone="UTC"), CronSchedule)
    assert isinstance(construct_schedule(rrule="FREQ=DAILY"), RRuleSchedule)
    for bad in (
        {},
        {"interval": 60, "cron": "* * * * *"},
        {"cron": "* * * * *", "anchor_date": "2026-01-01"},
    ):
        with pytest.raises(ValueError):
            construct_schedule(**bad)  # type: ignore[arg-type]
    adapter: TypeAdapter[object] = TypeAdapter(IntervalSchedule)
    assert adapter.validate_python({"interval": 1.5}).interval == timedelta(seconds=1.5)  # type: ignore[attr-defined]


def test_importing_schedules_loads_neither_croniter_nor_dateutil() -> None:
    code = (
        "import sys, prefect.schemas.schedules\n"
        "print([m for m in ('croniter', 'dateutil') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
