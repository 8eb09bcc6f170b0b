"""Flow-run heartbeats: `prefect.flow-run.heartbeat` events while a run is Running.

Flows really run on the embedded store (SQLite and PostgreSQL) with a heartbeat every
fraction of a second, then their events are read back.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import logging
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
from prefect import __version__, flow, runtime
from prefect.client._events import EventClientMixin
from prefect.client._loop import run_sync
from prefect.engine.heartbeat import HEARTBEAT_EVENT, Heartbeat, configured_frequency
from prefect.schemas.events import EventFilter, ReceivedEvent
from prefect.schemas.objects import State, StateType
from prefect.settings import temporary_settings

from tests.integration._engine_helpers import Reader, reader, store  # noqa: F401

FREQUENCY = "PREFECT_RUNNER_HEARTBEAT_FREQUENCY"


def beats(reader: Reader, run_id: uuid.UUID) -> list[ReceivedEvent]:  # noqa: F811
    flt = EventFilter.model_validate(
        {
            "event": {"name": [HEARTBEAT_EVENT]},
            "resource": {"id": [f"prefect.flow-run.{run_id}"]},
            "order": "ASC",
        }
    )
    page = reader.client.read_events(flt, limit=50)
    events: list[ReceivedEvent] = page.events
    return events


def test_frequency_setting() -> None:
    assert configured_frequency() == 30.0  # Prefect's default
    for value, expected in (("", None), ("0", None), ("0.25", 0.25), ("45", 45.0)):
        with temporary_settings({FREQUENCY: value}):
            assert configured_frequency() == expected


def test_a_running_flow_beats_until_it_ends(reader: Reader) -> None:  # noqa: F811
    seen: dict[str, Any] = {}

    @flow(name="beating")
    def beating() -> None:
        seen["id"] = runtime.flow_run.id
        seen["name"] = runtime.flow_run.name
        time.sleep(2.0)

    with temporary_settings({FREQUENCY: 0.2}):
        beating()
    run = reader.flow_run(seen["id"])
    assert run.state_type is StateType.COMPLETED
    found = beats(reader, run.id)
    # the first beat also opens the events route of the embedded app, which stalls the
    # API loop for a while: count a few beats, not one per interval
    assert len(found) >= 3, [e.occurred for e in found]
    assert run.start_time is not None and run.end_time is not None
    # a beat whose timer fired while the final state was on its way may be stamped a
    # moment after the run's end time (harmless: only Running runs are judged)
    in_flight = timedelta(seconds=0.5)
    for event in found:
        assert run.start_time < event.occurred <= run.end_time + in_flight
        assert event.resource.root == {
            "prefect.resource.id": f"prefect.flow-run.{run.id}",
            "prefect.resource.name": seen["name"],
            "prefect.version": __version__,
        }
        assert [r.root for r in event.related] == [
            {
                "prefect.resource.id": f"prefect.flow.{run.flow_id}",
                "prefect.resource.role": "flow",
                "prefect.resource.name": "beating",
            }
        ]
    assert len({e.id for e in found}) == len(found)
    times = [e.occurred for e in found]
    assert all((b - a).total_seconds() >= 0.15 for a, b in itertools.pairwise(times))
    # stopped with the run
    time.sleep(0.6)
    assert len(beats(reader, run.id)) == len(found)


def test_a_short_flow_sends_no_beat(reader: Reader) -> None:  # noqa: F811
    ids: list[uuid.UUID] = []

    @flow
    def quick() -> None:
        ids.append(runtime.flow_run.id)

    with temporary_settings({FREQUENCY: 0.5}):
        quick()
        quick()
    time.sleep(0.8)
    assert [beats(reader, run_id) for run_id in ids] == [[], []]


def test_no_beats_when_switched_off(reader: Reader) -> None:  # noqa: F811
    seen: dict[str, uuid.UUID] = {}

    @flow
    def silent() -> None:
        seen["id"] = runtime.flow_run.id
        time.sleep(0.6)

    with temporary_settings({FREQUENCY: ""}):
        silent()
    assert reader.flow_run(seen["id"]).state_type is StateType.COMPLETED
    assert beats(reader, seen["id"]) == []


def test_subflows_beat_as_runs_of_their_own(reader: Reader) -> None:  # noqa: F811
    seen: dict[str, uuid.UUID] = {}

    @flow(name="child-beats")
    def child() -> None:
        seen["child"] = runtime.flow_run.id
        time.sleep(2.0)

    @flow(name="parent-beats")
    def parent() -> None:
        seen["parent"] = runtime.flow_run.id
        child()

    with temporary_settings({FREQUENCY: 0.2}):
        parent()
    for key in ("parent", "child"):
        found = beats(reader, seen[key])
        assert len(found) >= 2, key
        flow_labels = found[0].related[0].root
        assert flow_labels["prefect.resource.name"] == f"{key}-beats"


def test_async_flows_beat_too(reader: Reader) -> None:  # noqa: F811
    seen: dict[str, uuid.UUID] = {}

    @flow
    async def waiting() -> None:
        seen["id"] = runtime.flow_run.id
        await asyncio.sleep(2.0)

    with temporary_settings({FREQUENCY: 0.2}):
        asyncio.run(waiting())
    assert len(beats(reader, seen["id"])) >= 3


def test_tags_are_related_resources(reader: Reader) -> None:  # noqa: F811
    from prefect import tags

    seen: dict[str, uuid.UUID] = {}

    @flow
    def tagged() -> None:
        seen["id"] = runtime.flow_run.id
        time.sleep(2.0)

    with temporary_settings({FREQUENCY: 0.3}), tags("etl", "nightly"):
        tagged()
    found = beats(reader, seen["id"])
    assert found
    related = {r.id: r.role for r in found[-1].related}
    assert related["prefect.tag.etl"] == "tag" and related["prefect.tag.nightly"] == "tag"


def test_a_failing_send_never_breaks_the_flow(
    reader: Reader,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def refuse(self: Any, events: Any) -> None:
        raise ConnectionError("the server is away")

    monkeypatch.setattr(EventClientMixin, "emit_events", refuse)
    handler = _Collect()
    records = handler.records
    heartbeat_logger = logging.getLogger("prefect.engine.heartbeat")
    heartbeat_logger.addHandler(handler)
    level = heartbeat_logger.level
    heartbeat_logger.setLevel(logging.DEBUG)
    seen: dict[str, Any] = {}

    @flow
    def unlucky() -> int:
        seen["id"] = runtime.flow_run.id
        time.sleep(0.7)
        return 42

    try:
        with temporary_settings({FREQUENCY: 0.1}):
            assert unlucky() == 42
    finally:
        heartbeat_logger.removeHandler(handler)
        heartbeat_logger.setLevel(level)
    assert reader.flow_run(seen["id"]).state_type is StateType.COMPLETED
    failures = [r for r in records if "Could not send the heartbeat" in r.getMessage()]
    assert len(failures) >= 3
    assert all(r.levelno == logging.DEBUG for r in failures)
    assert "the server is away" in failures[0].getMessage()


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class _FakeEngine:
    """Just what a heartbeat reads of its engine."""

    def __init__(self) -> None:
        self.flow_run: Any = None
        self.state: State | None = None


def test_the_timer_follows_the_state_and_dies_with_its_engine() -> None:
    engine = _FakeEngine()
    # long enough that no tick (which would find this engine not Running and stop the
    # timer) falls between a change and the check that follows it
    heartbeat = Heartbeat(engine, 0.4)  # type: ignore[arg-type]
    running = State(type=StateType.RUNNING, name="Running")

    async def follow(state: State) -> bool:
        heartbeat.follow(state)
        return heartbeat.armed

    assert run_sync(follow(State(type=StateType.PENDING))) is False
    assert run_sync(follow(running)) is True
    assert run_sync(follow(running)) is True  # one timer, however often it is told
    assert run_sync(follow(State(type=StateType.COMPLETED))) is False
    assert run_sync(follow(running)) is True
    # from another thread, the change goes through the API loop
    heartbeat.follow(State(type=StateType.FAILED))
    time.sleep(0.05)
    assert not heartbeat.armed
    heartbeat.follow(running)
    time.sleep(0.05)
    assert heartbeat.armed
    # the call that owned the engine ended without a final state: the timer stops itself
    del engine
    gc.collect()
    time.sleep(0.8)
    assert not heartbeat.armed and heartbeat.sent == 0
