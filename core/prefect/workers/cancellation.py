"""How a worker learns that one of its runs was set Cancelling.

At once: a subscription to the API's event stream (`/api/events/out`) for
`prefect.flow-run.Cancelling` events related to the worker's pool; the server emits one
when the state is set. As a fallback (the stream is down, or the API is the embedded
store, which has none): a periodic read of the worker's own runs that are Cancelling,
every PREFECT_WORKER_QUERY_SECONDS while the stream is connected and every couple of
seconds while it is not. The check only runs while the worker holds runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prefect.schemas.events import EventFilter
    from prefect.workers.base import BaseWorker

__all__ = ["CANCELLING_EVENT", "CancellationWatcher"]

CANCELLING_EVENT = "prefect.flow-run.Cancelling"
# how often runs are checked while the event stream is not connected
DISCONNECTED_CHECK_SECONDS = 2.0
_RECONNECT_FIRST, _RECONNECT_MAX = 1.0, 30.0

logger = logging.getLogger("prefect.worker.cancellation")


class CancellationWatcher:
    def __init__(self, worker: BaseWorker) -> None:
        self.worker = worker
        self.connected = False

    async def run(self) -> None:
        tasks = [asyncio.create_task(self._check_loop())]
        if self.worker.client.api_url:
            tasks.append(asyncio.create_task(self._stream_loop(self.worker.client.api_url)))
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    # -- the event stream -------------------------------------------------------------------

    def _filter(self) -> EventFilter:
        from prefect.schemas.events import EventFilter, EventNameFilter, EventRelatedFilter

        return EventFilter(
            event=EventNameFilter(name=[CANCELLING_EVENT]),
            related=EventRelatedFilter(id=self.worker.watched_resources()),
        )

    async def _stream_loop(self, api_url: str) -> None:
        from prefect.client._events import subscribe_events

        delay = _RECONNECT_FIRST
        while True:
            try:
                events = subscribe_events(api_url, self._filter(), backfill=False)
                self.connected = True
                async with contextlib.aclosing(events):
                    async for event in events:
                        delay = _RECONNECT_FIRST
                        run_id = _flow_run_id(event.resource.id)
                        if run_id is not None:
                            await self.worker.cancel_run(run_id)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.debug("Event stream for cancellations failed: %r", exc)
            self.connected = False
            await asyncio.sleep(delay)
            delay = min(delay * 2, _RECONNECT_MAX)

    # -- the fallback -------------------------------------------------------------------------

    async def _check_loop(self) -> None:
        while True:
            interval = (
                self.worker.settings.query_seconds
                if self.connected
                else min(DISCONNECTED_CHECK_SECONDS, self.worker.settings.query_seconds)
            )
            await asyncio.sleep(interval)
            if not self.worker.runs:
                continue
            try:
                for run_id in await self._cancelling_runs(list(self.worker.runs)):
                    await self.worker.cancel_run(run_id)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.debug("Checking for cancelled runs failed: %r", exc)

    async def _cancelling_runs(self, run_ids: list[uuid.UUID]) -> list[uuid.UUID]:
        from prefect.schemas.filters import (
            FlowRunFilter,
            IdFilter,
            StateFilter,
            StateTypeFilter,
        )
        from prefect.schemas.objects import StateType

        flt = FlowRunFilter(
            id=IdFilter(any_=run_ids),
            state=StateFilter(type=StateTypeFilter(any_=[StateType.CANCELLING])),
        )
        runs = await self.worker.client.read_flow_runs(flow_run_filter=flt, limit=len(run_ids))
        return [run.id for run in runs]


def _flow_run_id(resource_id: str) -> uuid.UUID | None:
    prefix = "prefect.flow-run."
    if not resource_id.startswith(prefix):
        return None
    try:
        return uuid.UUID(resource_id[len(prefix) :])
    except ValueError:
        return None
