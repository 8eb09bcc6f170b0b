"""Running the enabled services as asyncio tasks, each pass only where leadership allows.

    async with ServiceRunner(db, settings) as runner:   # starts the enabled services
        ...                                             # (stopped on exit)

Every service loop asks the election (`leadership.py`) before each pass: with several
server processes on one PostgreSQL database, each service runs in one of them at a time,
and another takes over within a loop interval when that one stops.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from prefect.settings import Settings, get_current_settings

from prefect_server.services import enabled_services, load_service
from prefect_server.services.base import LoopService
from prefect_server.services.leadership import Leadership, leadership_for

if TYPE_CHECKING:
    from prefect_server.database.engine import Database

logger = logging.getLogger("prefect_server.services")

# how long a stopping loop may take to finish its pass before it is cancelled
STOP_GRACE_SECONDS = 10.0


class ServiceRunner:
    """Starts services as tasks on the running loop and stops them together."""

    def __init__(
        self,
        db: Database,
        settings: Settings | None = None,
        *,
        names: Iterable[str] | None = None,
        services: Iterable[LoopService] | None = None,
        leadership: Leadership | None = None,
    ) -> None:
        self.db = db
        self.settings = settings if settings is not None else get_current_settings()
        self.names = list(names) if names is not None else enabled_services(self.settings)
        self.services: list[LoopService] = list(services) if services is not None else []
        self.leadership = leadership if leadership is not None else leadership_for(db)
        self.passes: Counter[str] = Counter()
        self.leading: set[str] = set()
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def _load(self) -> None:
        if self.services:
            return
        for name in self.names:
            try:
                cls = load_service(name)
            except (ImportError, AttributeError, KeyError) as exc:
                # one missing or broken service must not keep the others from running
                logger.warning("service %s cannot be loaded (%s); skipped", name, exc)
                continue
            self.services.append(cls(self.db, settings=self.settings))

    async def start(self) -> None:
        self._load()
        self._stop.clear()
        for service in self.services:
            task = asyncio.create_task(self._loop(service), name=f"service:{service.name}")
            self._tasks.append(task)
        if self.services:
            logger.info(
                "services started in process %d: %s",
                os.getpid(),
                ", ".join(s.name for s in self.services),
            )

    async def stop(self) -> None:
        self._stop.set()
        tasks, self._tasks = self._tasks, []
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=STOP_GRACE_SECONDS)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self.leadership.close()
        self.leading.clear()

    async def wait(self) -> None:
        """Until every loop has ended (they end only when stopped)."""
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def __aenter__(self) -> ServiceRunner:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def _loop(self, service: LoopService) -> None:
        name = service.name
        try:
            while not self._stop.is_set():
                try:
                    leads = await self.leadership.acquire(name)
                except Exception:
                    # an election that cannot be held is not a reason to stop looping
                    logger.exception("service %s: cannot take part in the election", name)
                    leads = False
                if leads != (name in self.leading):
                    self._note_leadership(name, leads)
                if leads:
                    await service.pass_once()
                    self.passes[name] += 1
                await _sleep(self._stop, service.loop_seconds)
        finally:
            await self.leadership.release(name)

    def _note_leadership(self, name: str, leads: bool) -> None:
        if leads:
            self.leading.add(name)
            logger.info("service %s: process %d leads it now", name, os.getpid())
        else:
            self.leading.discard(name)
            logger.info("service %s: process %d no longer leads it", name, os.getpid())


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass


async def run_services(settings: Settings, stop: asyncio.Event) -> int:
    """Open the configured store and run the enabled services until `stop` is set.

    Returns how many services ran (0: none enabled, nothing was started).
    """
    from prefect_server.app import open_database

    db = await open_database(
        settings.server_database_connection_url, timeout=settings.server_database_timeout
    )
    try:
        runner = ServiceRunner(db, settings)
        async with runner:
            if not runner.services:
                return 0
            await stop.wait()
        return len(runner.services)
    finally:
        await db.dispose()
