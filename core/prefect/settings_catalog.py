"""Every setting there is: its Prefect 3 name, how a value is read, its default, and what
it does. `prefect.settings` resolves them (overrides, environment, profiles); this module
only lists them, once, so that a name, a default or a description has one place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prefect.settings import Settings

__all__ = ["DEFAULT_PROFILE", "SETTINGS", "Setting"]

DEFAULT_PROFILE = "ephemeral"


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on", "t", "y"}:
        return True
    if text in {"0", "false", "no", "off", "f", "n", ""}:
        return False
    raise ValueError(f"expected a boolean, got {value!r}")


def _to_level(value: Any) -> str:
    text = str(value).strip().upper()
    if text not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ValueError(
            f"expected a log level (DEBUG, INFO, WARNING, ERROR, CRITICAL), got {value!r}"
        )
    return text


def _optional_str(value: Any) -> str | None:
    text = str(value).strip()
    return text or None


@dataclass(frozen=True)
class Setting:
    name: str
    convert: Callable[[Any], Any]
    default: Callable[[Settings], Any]
    description: str
    secret: bool = False

    @property
    def attr(self) -> str:
        return self.name.removeprefix("PREFECT_").lower()


def _home_default(_: Settings) -> Path:
    return Path("~/.prefect").expanduser()


_DEFS: list[Setting] = [
    Setting(
        "PREFECT_HOME",
        lambda v: Path(str(v)).expanduser(),
        _home_default,
        "Folder holding profiles.toml, the embedded SQLite store and local results.",
    ),
    Setting(
        "PREFECT_PROFILES_PATH",
        lambda v: Path(str(v)).expanduser(),
        lambda s: s.home / "profiles.toml",
        "Where profiles are kept.",
    ),
    Setting(
        "PREFECT_API_URL",
        _optional_str,
        lambda s: None,
        "URL of the API, e.g. http://127.0.0.1:4200/api. Unset: the embedded store.",
    ),
    Setting(
        "PREFECT_API_KEY",
        _optional_str,
        lambda s: None,
        "Bearer token sent to the API.",
        secret=True,
    ),
    Setting(
        "PREFECT_API_AUTH_STRING",
        _optional_str,
        lambda s: None,
        "user:password for basic auth to the API.",
        secret=True,
    ),
    Setting(
        "PREFECT_API_REQUEST_TIMEOUT",
        float,
        lambda s: 60.0,
        "Seconds before an API request times out.",
    ),
    Setting(
        "PREFECT_CLIENT_MAX_RETRIES",
        int,
        lambda s: 5,
        "Retries of an API request on connection errors and 429/503 answers.",
    ),
    Setting(
        "PREFECT_SERVER_API_HOST",
        str,
        lambda s: "127.0.0.1",
        "Host `prefect server start` binds to.",
    ),
    Setting(
        "PREFECT_SERVER_API_PORT", int, lambda s: 4200, "Port `prefect server start` binds to."
    ),
    Setting(
        "PREFECT_SERVER_API_AUTH_STRING",
        _optional_str,
        lambda s: None,
        "user:password the server requires (basic auth).",
        secret=True,
    ),
    Setting(
        "PREFECT_SERVER_DATABASE_CONNECTION_URL",
        _optional_str,
        lambda s: f"sqlite+aiosqlite:///{s.home / 'prefect.db'}",
        "SQLAlchemy URL of the store (sqlite+aiosqlite or postgresql+asyncpg).",
        secret=True,
    ),
    Setting(
        "PREFECT_SERVER_DATABASE_TIMEOUT",
        float,
        lambda s: 10.0,
        "Seconds a statement may wait for a database lock.",
    ),
    Setting(
        "PREFECT_SERVER_API_EXACT_COUNT_LIMIT",
        int,
        lambda s: 10_000,
        "Run counts are exact up to this many; past it PostgreSQL estimates (0: always exact).",
    ),
    Setting(
        "PREFECT_LOGGING_LEVEL", _to_level, lambda s: "INFO", "Level of the `prefect` loggers."
    ),
    Setting(
        "PREFECT_LOGGING_TO_API_ENABLED", _to_bool, lambda s: True, "Send run logs to the API."
    ),
    Setting(
        "PREFECT_LOGGING_LOG_PRINTS",
        _to_bool,
        lambda s: False,
        "Log print() calls inside flows and tasks by default.",
    ),
    Setting(
        "PREFECT_LOGGING_EXTRA_LOGGERS",
        str,
        lambda s: "",
        "Comma-separated names of other loggers to send to the API.",
    ),
    Setting(
        "PREFECT_RESULTS_PERSIST_BY_DEFAULT",
        _to_bool,
        lambda s: False,
        "Persist results of flows and tasks unless told otherwise.",
    ),
    Setting(
        "PREFECT_TASKS_REFRESH_CACHE",
        _to_bool,
        lambda s: False,
        "Recompute every cached task, refreshing its cache record.",
    ),
    Setting(
        "PREFECT_TASKS_DEFAULT_NO_CACHE",
        _to_bool,
        lambda s: False,
        "Cache no task unless it asks for a cache policy or key function itself.",
    ),
    Setting(
        "PREFECT_RESULTS_LOCAL_STORAGE_PATH",
        lambda v: Path(str(v)).expanduser(),
        lambda s: s.home / "storage",
        "Where results are persisted by default.",
    ),
    Setting(
        "PREFECT_UI_REFRESH_SECONDS",
        float,
        lambda s: 2.0,
        "How often `prefect ui` refreshes live tables.",
    ),
]


def _service(name: str, loop_seconds: float, what: str, *, enabled: bool = True) -> list[Setting]:
    """The on/off switch and the interval of one background service of the server."""
    prefix = f"PREFECT_SERVER_SERVICES_{name}"
    return [
        Setting(f"{prefix}_ENABLED", _to_bool, lambda s: enabled, f"Run the {what} service."),
        Setting(
            f"{prefix}_LOOP_SECONDS",
            float,
            lambda s: loop_seconds,
            f"Seconds between two passes of the {what} service.",
        ),
    ]


_DEFS += [
    *_service("SCHEDULER", 60.0, "scheduler (creates runs of scheduled deployments)"),
    Setting(
        "PREFECT_SERVER_SERVICES_SCHEDULER_MIN_RUNS",
        int,
        lambda s: 3,
        "The scheduler keeps at least this many runs scheduled per schedule.",
    ),
    Setting(
        "PREFECT_SERVER_SERVICES_SCHEDULER_MAX_RUNS",
        int,
        lambda s: 100,
        "The scheduler schedules at most this many runs ahead per schedule.",
    ),
    Setting(
        "PREFECT_SERVER_SERVICES_SCHEDULER_MIN_SCHEDULED_TIME",
        float,
        lambda s: 3600.0,
        "Seconds ahead the scheduler always covers (even past MIN_RUNS).",
    ),
    Setting(
        "PREFECT_SERVER_SERVICES_SCHEDULER_MAX_SCHEDULED_TIME",
        float,
        lambda s: 100 * 86400.0,
        "Seconds ahead the scheduler never schedules past.",
    ),
    *_service("LATE_RUNS", 5.0, "late runs (marks overdue Scheduled runs Late)"),
    Setting(
        "PREFECT_SERVER_SERVICES_LATE_RUNS_AFTER_SECONDS",
        float,
        lambda s: 15.0,
        "Seconds past its scheduled time after which a Scheduled run is Late.",
    ),
    *_service("FOREMAN", 15.0, "foreman (worker, pool, queue and deployment status)"),
    Setting(
        "PREFECT_SERVER_SERVICES_FOREMAN_INACTIVITY_HEARTBEAT_MULTIPLE",
        int,
        lambda s: 3,
        "Missed heartbeat intervals after which a worker is offline.",
    ),
    Setting(
        "PREFECT_SERVER_SERVICES_FOREMAN_FALLBACK_HEARTBEAT_INTERVAL_SECONDS",
        float,
        lambda s: 30.0,
        "Heartbeat interval assumed for workers that do not say theirs.",
    ),
    Setting(
        "PREFECT_SERVER_SERVICES_FOREMAN_DEPLOYMENT_LAST_POLLED_TIMEOUT_SECONDS",
        float,
        lambda s: 60.0,
        "Seconds without a poll after which a deployment is not ready.",
    ),
    Setting(
        "PREFECT_SERVER_SERVICES_FOREMAN_WORK_QUEUE_LAST_POLLED_TIMEOUT_SECONDS",
        float,
        lambda s: 60.0,
        "Seconds without a poll after which a work queue is not ready.",
    ),
    *_service("PAUSE_EXPIRATIONS", 5.0, "pause expirations (fails runs paused too long)"),
    *_service("CANCELLATION_CLEANUP", 20.0, "cancellation cleanup (settles cancelled trees)"),
    Setting(
        "PREFECT_SERVER_SERVICES_CANCELLATION_CLEANUP_CANCELLING_TIMEOUT_SECONDS",
        float,
        lambda s: 300.0,
        "Seconds a run may stay Cancelling before cancellation cleanup settles it Cancelled.",
    ),
    *_service("REPOSSESSOR", 15.0, "repossessor (frees concurrency slots of expired leases)"),
    *_service("ZOMBIES", 10.0, "zombie runs (crashes Running runs whose heartbeats stopped)"),
    Setting(
        "PREFECT_SERVER_SERVICES_ZOMBIES_AFTER_SECONDS",
        float,
        lambda s: 90.0,
        "Seconds without a heartbeat after which a Running flow run is Crashed.",
    ),
    # workers (`prefect worker start`)
    Setting(
        "PREFECT_WORKER_HEARTBEAT_SECONDS",
        float,
        lambda s: 30.0,
        "Seconds between the heartbeats a worker sends to its work pool.",
    ),
    Setting(
        "PREFECT_WORKER_QUERY_SECONDS",
        float,
        lambda s: 10.0,
        "Longest a worker's poll is held by the server waiting for work; also how often it "
        "checks for cancelled runs when the event stream is not connected.",
    ),
    Setting(
        "PREFECT_WORKER_PREFETCH_SECONDS",
        float,
        lambda s: 10.0,
        "A worker takes runs scheduled up to this many seconds ahead and starts their "
        "processes early; the flow starts at its scheduled time.",
    ),
    Setting(
        "PREFECT_WORKER_WEBSERVER_HOST",
        str,
        lambda s: "0.0.0.0",
        "Host of a worker's health check server (`worker start --with-healthcheck`).",
    ),
    Setting(
        "PREFECT_WORKER_WEBSERVER_PORT",
        int,
        lambda s: 8080,
        "Port of a worker's health check server (`worker start --with-healthcheck`).",
    ),
    Setting(
        "PREFECT_WORKER_CANCEL_GRACE_SECONDS",
        float,
        lambda s: 10.0,
        "Seconds a cancelled flow run's processes get after SIGTERM before SIGKILL.",
    ),
    Setting(
        "PREFECT_RUNNER_HEARTBEAT_FREQUENCY",
        lambda v: None if v in (None, "") else float(v),
        lambda s: 30.0,
        "Seconds between heartbeats a running flow sends (empty: none).",
    ),
    *_service("RETENTION", 3600.0, "retention (deletes old runs, logs and events)"),
    Setting(
        "PREFECT_SERVER_SERVICES_RETENTION_FLOW_RUNS_DAYS",
        lambda v: None if v in (None, "") else float(v),
        lambda s: None,
        "Delete finished flow runs (and their logs) older than this many days; empty: keep.",
    ),
    Setting(
        "PREFECT_SERVER_EVENTS_RETENTION_PERIOD",
        float,
        lambda s: 7 * 86400.0,
        "Seconds events are kept.",
    ),
    # accepted so that Prefect profiles that set them load; events are written as they
    # arrive (POST /events, /events/in), so there is no persister loop to tune
    *_service("EVENT_PERSISTER", 1.0, "event persister (none here: events are written on receipt)"),
]


SETTINGS: dict[str, Setting] = {d.name: d for d in _DEFS}
