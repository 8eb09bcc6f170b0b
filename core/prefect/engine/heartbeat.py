"""Heartbeats of running flow runs: a `prefect.flow-run.heartbeat` event every
PREFECT_RUNNER_HEARTBEAT_FREQUENCY seconds while a run is Running, so that the server's
zombies service can tell a run whose process died from one that is still working.

Each run (a subflow too) has one timer on the process's API loop, armed when the run
enters Running and disarmed when it leaves: no thread, and nothing but a timer handle
for a run shorter than one interval (the first beat goes out one interval after the run
started, as the timer fires). A beat that cannot be sent is logged at debug level and the
next one is tried on time; a heartbeat never fails a flow. When the run's engine is gone
(the call ended without a final state reaching the server), the next tick stops the timer.

Prefect requires a frequency of at least 30 s; any positive number is accepted here (tests
beat every fraction of a second). Empty or None disables heartbeats. The server crashes a
run after PREFECT_SERVER_SERVICES_ZOMBIES_AFTER_SECONDS (90 s) without a beat, so keep
the frequency well under that (a third of it leaves room for two lost beats).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from prefect.client._loop import get_api_loop, in_api_loop

if TYPE_CHECKING:
    from prefect.engine.flow_engine import FlowRunEngine
    from prefect.schemas.objects import State

__all__ = ["HEARTBEAT_EVENT", "Heartbeat", "configured_frequency", "heartbeat_event"]

HEARTBEAT_EVENT = "prefect.flow-run.heartbeat"
# an event holds at most 100 related resources; the flow and deployment come first
_MAX_TAGS = 90

logger = logging.getLogger("prefect.engine.heartbeat")


def configured_frequency() -> float | None:
    """Seconds between beats as the current thread's settings say; None: no heartbeats."""
    from prefect.settings import get_current_settings

    value = get_current_settings().runner_heartbeat_frequency
    if value is None or value <= 0:
        return None
    return float(value)


def heartbeat_event(engine: FlowRunEngine) -> dict[str, Any]:
    """The heartbeat of the engine's run as `emit_events` takes it (a new id and the
    current time are given to each beat when it is validated)."""
    from prefect import __version__

    run = engine.flow_run
    assert run is not None
    related: list[dict[str, str]] = [
        {
            "prefect.resource.id": f"prefect.flow.{run.flow_id}",
            "prefect.resource.role": "flow",
            "prefect.resource.name": engine.flow.name,
        }
    ]
    if run.deployment_id is not None:
        related.append(
            {
                "prefect.resource.id": f"prefect.deployment.{run.deployment_id}",
                "prefect.resource.role": "deployment",
            }
        )
    related += [
        {"prefect.resource.id": f"prefect.tag.{tag}", "prefect.resource.role": "tag"}
        for tag in sorted(set(run.tags or []))[:_MAX_TAGS]
    ]
    return {
        "event": HEARTBEAT_EVENT,
        "resource": {
            "prefect.resource.id": f"prefect.flow-run.{run.id}",
            "prefect.resource.name": run.name,
            "prefect.version": __version__,
        },
        "related": related,
    }


class Heartbeat:
    """The heartbeat timer of one flow run; touched only on the API loop."""

    __slots__ = ("_engine", "_event", "_handle", "_next", "_sending", "frequency", "sent")

    def __init__(self, engine: FlowRunEngine, frequency: float) -> None:
        self.frequency = frequency
        # weak: a timer must not keep a finished call's engine (and its results) alive
        self._engine = weakref.ref(engine)
        self._event: dict[str, Any] | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._next = 0.0
        self._sending: asyncio.Task[None] | None = None
        self.sent = 0

    @classmethod
    def for_engine(cls, engine: FlowRunEngine) -> Heartbeat | None:
        """A heartbeat for `engine`'s run, or None when heartbeats are off. Called in the
        thread that calls the flow, whose settings (`temporary_settings`) apply."""
        frequency = configured_frequency()
        return None if frequency is None else cls(engine, frequency)

    @property
    def armed(self) -> bool:
        return self._handle is not None

    def follow(self, state: State) -> None:
        """Arm the timer when the run is Running, disarm it when it is anything else."""
        if state.is_running():
            if self._handle is None:
                self._on_loop(self._arm)
        elif self._handle is not None:
            self._on_loop(self.stop)

    def stop(self) -> None:
        # a beat already on its way is left to finish: a late beat of a finished run
        # is harmless, the server only judges Running runs
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _on_loop(self, fn: Callable[[], None]) -> None:
        if in_api_loop():
            fn()
        else:
            get_api_loop().call_soon_threadsafe(fn)

    def _arm(self) -> None:
        if self._handle is not None:
            return
        loop = get_api_loop()
        self._next = loop.time() + self.frequency
        self._handle = loop.call_at(self._next, self._tick)

    def _tick(self) -> None:
        engine = self._engine()
        if engine is None or engine.flow_run is None or not _running(engine):
            self._handle = None
            return
        loop = get_api_loop()
        self._next += self.frequency
        if self._next <= loop.time():
            # the loop was held up for more than an interval: go on from now, no burst
            self._next = loop.time() + self.frequency
        self._handle = loop.call_at(self._next, self._tick)
        if self._sending is not None and not self._sending.done():
            return  # the previous beat is still on its way: one at a time
        if self._event is None:
            self._event = heartbeat_event(engine)
        self._sending = loop.create_task(self._send(self._event))

    async def _send(self, event: dict[str, Any]) -> None:
        from prefect.engine import api

        try:
            await api.engine_client().emit_events([event])
        except Exception as exc:
            logger.debug(
                "Could not send the heartbeat of flow run %s: %r",
                event["resource"]["prefect.resource.id"],
                exc,
            )
        else:
            self.sent += 1


def _running(engine: FlowRunEngine) -> bool:
    return engine.state is not None and engine.state.is_running()
