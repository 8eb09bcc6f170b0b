"""The issue's DST cases: a job in a skipped or repeated local time runs once that day.

America/New_York springs forward on 2026-03-08 (02:00 EST -> 03:00 EDT) and falls back
on 2026-11-01 (02:00 EDT -> 01:00 EST). As the schedule module documents (Prefect's
reading): cron and RRule keep wall-clock time, a time the clocks skip runs at the same
distance after the jump (02:30 -> 03:30 EDT), a repeated time runs at its first
occurrence only; a daily interval keeps the anchor's wall-clock time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from prefect.schemas.schedules import CronSchedule, IntervalSchedule, RRuleSchedule

NY = ZoneInfo("America/New_York")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def on_local_day(dates: list[datetime], day: int, month: int) -> list[datetime]:
    return [d for d in dates if (d.astimezone(NY).month, d.astimezone(NY).day) == (month, day)]


def three_days(schedule: CronSchedule | IntervalSchedule | RRuleSchedule, month: int, day: int
               ) -> list[datetime]:  # fmt: skip
    """Every date from local midnight the day before to local midnight the day after next."""
    day_itself = datetime(2026, month, day)
    start = (day_itself - timedelta(days=1)).replace(tzinfo=NY)
    end = (day_itself + timedelta(days=2)).replace(tzinfo=NY)
    return schedule.get_dates(start=start, end=end)


def spring_forward_schedules() -> list[CronSchedule | IntervalSchedule | RRuleSchedule]:
    return [
        CronSchedule(cron="30 2 * * *", timezone="America/New_York"),
        IntervalSchedule(
            interval=timedelta(days=1), anchor_date=datetime(2026, 1, 1, 2, 30, tzinfo=NY)
        ),
        RRuleSchedule(rrule="DTSTART;TZID=America/New_York:20260101T023000\nRRULE:FREQ=DAILY"),
        RRuleSchedule(rrule="FREQ=DAILY;BYHOUR=2;BYMINUTE=30", timezone="America/New_York"),
    ]


def fall_back_schedules() -> list[CronSchedule | IntervalSchedule | RRuleSchedule]:
    return [
        CronSchedule(cron="30 1 * * *", timezone="America/New_York"),
        IntervalSchedule(
            interval=timedelta(days=1), anchor_date=datetime(2026, 1, 1, 1, 30, tzinfo=NY)
        ),
        RRuleSchedule(rrule="DTSTART;TZID=America/New_York:20260101T013000\nRRULE:FREQ=DAILY"),
        RRuleSchedule(rrule="FREQ=DAILY;BYHOUR=1;BYMINUTE=30", timezone="America/New_York"),
    ]


@pytest.mark.parametrize("schedule", spring_forward_schedules(), ids=["cron", "interval",
                         "rrule-tzid", "rrule-timezone"])  # fmt: skip
def test_a_0230_job_runs_once_on_the_spring_forward_day(
    schedule: CronSchedule | IntervalSchedule | RRuleSchedule,
) -> None:
    dates = three_days(schedule, 3, 8)
    # one run a day: the day before, the day itself, the day after
    assert len(dates) == 3
    (run,) = on_local_day(dates, 8, 3)
    # 02:30 does not exist that day: the run is at 03:30 EDT, i.e. 07:30 UTC
    assert run.astimezone(UTC) == utc(2026, 3, 8, 7, 30)
    assert (run.astimezone(NY).hour, run.astimezone(NY).minute) == (3, 30)
    # the days around keep 02:30 local time, in EST before and EDT after
    assert dates[0].astimezone(UTC) == utc(2026, 3, 7, 7, 30)
    assert dates[2].astimezone(UTC) == utc(2026, 3, 9, 6, 30)


@pytest.mark.parametrize("schedule", fall_back_schedules(), ids=["cron", "interval",
                         "rrule-tzid", "rrule-timezone"])  # fmt: skip
def test_a_0130_job_runs_once_on_the_fall_back_day(
    schedule: CronSchedule | IntervalSchedule | RRuleSchedule,
) -> None:
    dates = three_days(schedule, 11, 1)
    assert len(dates) == 3
    (run,) = on_local_day(dates, 1, 11)
    # 01:30 happens twice that day; the run is the first one, 01:30 EDT (05:30 UTC)
    assert run.astimezone(UTC) == utc(2026, 11, 1, 5, 30)
    assert run.astimezone(NY).utcoffset() == timedelta(hours=-4)
    assert dates[0].astimezone(UTC) == utc(2026, 10, 31, 5, 30)
    assert dates[2].astimezone(UTC) == utc(2026, 11, 2, 6, 30)


@pytest.mark.parametrize("schedule", fall_back_schedules(), ids=["cron", "interval",
                         "rrule-tzid", "rrule-timezone"])  # fmt: skip
def test_a_start_between_the_two_0130s_does_not_run_the_repeat(
    schedule: CronSchedule | IntervalSchedule | RRuleSchedule,
) -> None:
    # 01:45 EDT: after the first 01:30, before the second one (01:30 EST, 06:30 UTC)
    dates = schedule.get_dates(n=1, start=utc(2026, 11, 1, 5, 45))
    assert [d.astimezone(UTC) for d in dates] == [utc(2026, 11, 2, 6, 30)]


@pytest.mark.parametrize("schedule", spring_forward_schedules(), ids=["cron", "interval",
                         "rrule-tzid", "rrule-timezone"])  # fmt: skip
def test_one_step_at_a_time_through_spring_forward_gives_the_same_runs(
    schedule: CronSchedule | IntervalSchedule | RRuleSchedule,
) -> None:
    # the scheduler asks again from each new "now": no run is lost or made twice
    now = datetime(2026, 3, 7, tzinfo=NY)
    seen: list[datetime] = []
    for _ in range(3):
        (date,) = schedule.get_dates(n=1, start=now)
        seen.append(date.astimezone(UTC))
        now = date + timedelta(seconds=1)
    assert seen == [utc(2026, 3, 7, 7, 30), utc(2026, 3, 8, 7, 30), utc(2026, 3, 9, 6, 30)]


def test_weekly_interval_keeps_wall_clock_over_both_changes() -> None:
    schedule = IntervalSchedule(
        interval=timedelta(weeks=1), anchor_date=datetime(2026, 3, 1, 9, tzinfo=NY)
    )
    dates = schedule.get_dates(start=utc(2026, 2, 20), end=utc(2026, 11, 15))
    assert {(d.astimezone(NY).hour, d.astimezone(NY).minute) for d in dates} == {(9, 0)}
    assert len({d.astimezone(UTC).hour for d in dates}) == 2  # 14:00 and 13:00 UTC


def test_hourly_interval_across_spring_forward_is_elapsed_time() -> None:
    schedule = IntervalSchedule(
        interval=timedelta(hours=1), anchor_date=datetime(2026, 3, 8, 0, tzinfo=NY)
    )
    dates = schedule.get_dates(n=4, start=datetime(2026, 3, 8, 0, tzinfo=NY))
    assert [d.astimezone(UTC) for d in dates] == [utc(2026, 3, 8, h) for h in (5, 6, 7, 8)]
    assert [d.astimezone(NY).hour for d in dates] == [0, 1, 3, 4]
