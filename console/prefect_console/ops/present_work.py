"""How deployments, schedules, work pools, queues and workers look to a person.

Shared by the CLI tables and the TUI. As with runs (`present`), a status is always a word
*and* a colour; colours are ANSI names so the terminal's own palette applies.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from prefect_console.ops.text import one_line

if TYPE_CHECKING:
    from prefect.schemas.deployments import Deployment, DeploymentSchedule
    from prefect.schemas.schedules import SCHEDULE_TYPES
    from prefect.schemas.work_pools import WorkQueueHealthPolicy

# READY / NOT_READY of deployments, pools and queues; PAUSED of pools and queues;
# ONLINE / OFFLINE of workers
STATUS_COLOURS: dict[str, str] = {
    "READY": "green",
    "ONLINE": "green",
    "NOT_READY": "yellow",
    "PAUSED": "bright_black",
    "OFFLINE": "bright_black",
}


def status_word(status: object) -> str:
    """The status as the API spells it (`READY`, `NOT_READY`...), or "-" when unknown."""
    value = getattr(status, "value", status)
    return str(value) if value else "-"


def status_colour(status: object) -> str:
    return STATUS_COLOURS.get(status_word(status), "default")


def format_interval(interval: timedelta) -> str:
    """A schedule's interval in the largest whole units: `1h`, `1h30m`, `2d`, `45s`."""
    seconds = interval.total_seconds()
    if seconds < 1:
        return f"{seconds:g}s"
    whole = int(seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, whole = divmod(whole, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def schedule_text(schedule: SCHEDULE_TYPES, *, always_zone: bool = False) -> str:
    """One schedule in a few words: `every 1h`, `cron 0 * * * *`, `rrule FREQ=DAILY`.

    A timezone other than UTC is always named; `always_zone` names UTC too (detail views,
    where the operator must see which clock the schedule reads: the default is UTC).
    """
    from prefect.schemas.schedules import CronSchedule, IntervalSchedule, RRuleSchedule

    if isinstance(schedule, IntervalSchedule):
        text = f"every {format_interval(schedule.interval)}"
    elif isinstance(schedule, CronSchedule):
        text = f"cron {schedule.cron}"
    elif isinstance(schedule, RRuleSchedule):
        # the RRULE line says how often; a DTSTART line before it only where it starts
        lines = [line.strip() for line in schedule.rrule.splitlines() if line.strip()]
        rule = next((line for line in lines if line.upper().startswith("RRULE:")), None)
        text = f"rrule {(rule[6:] if rule else ' '.join(lines)).strip()}"
    else:
        return "none"
    zone = getattr(schedule, "timezone", None) or "UTC"
    if always_zone or zone != "UTC":
        text += f" ({zone})"
    return one_line(text)


def deployment_schedule_text(schedule: DeploymentSchedule, *, always_zone: bool = False) -> str:
    text = schedule_text(schedule.schedule, always_zone=always_zone)
    return text if schedule.active else f"{text} (off)"


def schedules_summary(deployment: Deployment) -> str:
    """Every schedule of a deployment on one line; switched-off ones marked `(off)`."""
    if not deployment.schedules:
        return "-"
    active = [s for s in deployment.schedules if s.active]
    inactive = [s for s in deployment.schedules if not s.active]
    return ", ".join(deployment_schedule_text(s) for s in [*active, *inactive])


def paused_word(paused: bool) -> str:
    return "paused" if paused else "active"


def paused_colour(paused: bool) -> str:
    return "yellow" if paused else "green"


def pool_and_queue(deployment: Deployment) -> str:
    """Where a deployment's runs go: `pool/queue`, `pool`, or "-"."""
    pool, queue = deployment.work_pool_name, deployment.work_queue_name
    if pool and queue:
        return one_line(f"{pool}/{queue}")
    return one_line(pool or queue or "-")


def concurrency_text(limit: int | None) -> str:
    """A concurrency limit; no limit is "-" (the API's null)."""
    return "-" if limit is None else str(limit)


def health_policy_text(policy: WorkQueueHealthPolicy) -> str:
    """When a queue counts as healthy, in words."""
    terms = []
    if policy.maximum_late_runs is not None:
        terms.append(f"at most {policy.maximum_late_runs} late runs")
    if policy.maximum_seconds_since_last_polled is not None:
        terms.append(f"polled within {policy.maximum_seconds_since_last_polled}s")
    return ", ".join(terms) or "-"


def format_until(delta: timedelta) -> str:
    """How far ahead, in its two largest units: `45s`, `40m`, `1h40m`, `4d21h`."""
    seconds = int(delta.total_seconds())
    if seconds < 0:
        return "due"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d{hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h{minutes:02d}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m"
    return f"{secs}s"


def next_run_text(when: datetime | None, now: datetime) -> str:
    """When a deployment runs next, from `now`: `in 40m`, or `5m late` once past due."""
    if when is None:
        return "-"
    if when >= now:
        return f"in {format_until(when - now)}"
    return f"{format_until(now - when)} late"
