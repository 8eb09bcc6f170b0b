"""Background services of the server: periodic passes that move runs along on their own.

Each service is a `LoopService` (see `base.py`) named in `SERVICES`; it is imported only
when it is about to run, so listing services costs nothing and one broken service module
does not keep the others from starting.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prefect.settings import Settings

    from prefect_server.services.base import LoopService

SERVICES: dict[str, str] = {
    "scheduler": "prefect_server.services.scheduler:Scheduler",
    "late_runs": "prefect_server.services.late_runs:LateRuns",
    "foreman": "prefect_server.services.foreman:Foreman",
    "pause_expirations": "prefect_server.services.pause_expirations:PauseExpirations",
    "cancellation_cleanup": "prefect_server.services.cancellation_cleanup:CancellationCleanup",
    "repossessor": "prefect_server.services.repossessor:Repossessor",
    "zombies": "prefect_server.services.zombies:Zombies",
    "retention": "prefect_server.services.retention:Retention",
}


def load_service(name: str) -> type[LoopService]:
    """The service class registered under `name` (KeyError for an unknown name)."""
    try:
        target = SERVICES[name]
    except KeyError:
        known = ", ".join(sorted(SERVICES))
        raise KeyError(f"Unknown service {name!r}; known services: {known}") from None
    module_name, _, attr = target.partition(":")
    cls: type[LoopService] = getattr(importlib.import_module(module_name), attr)
    return cls


def _setting(name: str, suffix: str) -> str:
    return f"PREFECT_SERVER_SERVICES_{name.upper()}_{suffix}"


def enabled_services(settings: Settings) -> list[str]:
    """Names of the services their settings switch on, in registry order."""
    return [name for name in SERVICES if settings.value_of(_setting(name, "ENABLED"))]


def service_rows(settings: Settings) -> list[dict[str, object]]:
    """Name, enabled and loop seconds of every known service (for `services ls`)."""
    return [
        {
            "name": name,
            "enabled": bool(settings.value_of(_setting(name, "ENABLED"))),
            "loop_seconds": float(settings.value_of(_setting(name, "LOOP_SECONDS"))),
        }
        for name in SERVICES
    ]


__all__ = ["SERVICES", "enabled_services", "load_service", "service_rows"]
