"""The shape of a background service: one pass (`run_once`) repeated every few seconds.

A service is told the time instead of reading the clock inside its queries, so tests drive
a pass with a chosen `now` and no sleeping. `run` is the loop the runner starts as an
asyncio task; it survives a failing pass (the database went away for a moment, a row was
changed under it) by logging and trying again on the next tick.
"""

from __future__ import annotations

import abc
import asyncio
import logging
import time
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

import sqlalchemy as sa
from prefect.settings import Settings, get_current_settings

if TYPE_CHECKING:
    from prefect_server.database.engine import Database

logger = logging.getLogger("prefect_server.services")


def setting_name(service: str, suffix: str) -> str:
    """`PREFECT_SERVER_SERVICES_<SERVICE>_<SUFFIX>`, the name of one of a service's settings."""
    return f"PREFECT_SERVER_SERVICES_{service.upper()}_{suffix.upper()}"


class LoopService(abc.ABC):
    """A periodic pass over the store; subclasses set `name` and write `run_once`."""

    name: ClassVar[str]

    def __init__(
        self,
        db: Database,
        *,
        settings: Settings | None = None,
        loop_seconds: float | None = None,
    ) -> None:
        self.db = db
        self.settings = settings if settings is not None else get_current_settings()
        if loop_seconds is None:
            loop_seconds = float(self.settings.value_of(setting_name(self.name, "LOOP_SECONDS")))
        self.loop_seconds = loop_seconds
        self.logger = logger.getChild(self.name)

    @classmethod
    def enabled(cls, settings: Settings) -> bool:
        return bool(settings.value_of(setting_name(cls.name, "ENABLED")))

    @abc.abstractmethod
    async def run_once(self, now: datetime | None = None) -> int:
        """One pass as if the clock read `now` (default: the clock); returns how many
        objects it changed. Tests call this directly with a controlled `now`."""

    async def run(self, stop: asyncio.Event) -> None:
        """run_once every loop_seconds until `stop` is set; a failing pass is logged and
        the loop goes on."""
        while not stop.is_set():
            started = time.monotonic()
            await self.pass_once()
            remaining = self.loop_seconds - (time.monotonic() - started)
            await _wait(stop, max(remaining, 0.0))

    async def candidates(self, stmt: sa.Select[Any]) -> list[uuid.UUID]:
        """Ids a pass may have work for, found in a read transaction.

        Passes look before they write: on SQLite a write transaction takes the store's
        lock, and most passes find nothing to do.
        """
        async with self.db.read() as session:
            return list((await session.execute(stmt)).scalars())

    async def pass_once(self) -> int | None:
        """One logged pass that never raises (except cancellation); None when it failed."""
        try:
            changed = await self.run_once()
        except asyncio.CancelledError:
            raise
        except Exception:
            self.logger.exception("service %s: pass failed, retrying next loop", self.name)
            return None
        if changed:
            self.logger.info("service %s: pass changed %d object(s)", self.name, changed)
        else:
            self.logger.debug("service %s: pass changed nothing", self.name)
        return changed


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass
