"""`prefect.events.emit_event` stores events in the store the settings point at, related to
the run that emitted them (SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta

import pydantic
import pytest
from prefect import flow, tags, task
from prefect.events import Event, emit_event
from prefect.schemas.events import EventFilter, EventNameFilter

from tests.integration._engine_helpers import Reader, reader, store  # noqa: F401


def _stored(reader: Reader, name: str) -> list[Event]:  # noqa: F811
    page = reader.client.read_events(EventFilter(event=EventNameFilter(name=[name])))
    events: list[Event] = page.events
    return events


def test_emit_outside_a_run_stores_the_event_as_given(reader: Reader) -> None:  # noqa: F811
    # within the last day: what an event query covers unless it says otherwise
    occurred = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0)
    event_id = uuid.uuid4()
    emitted = emit_event(
        event="etl.table.loaded",
        resource={"prefect.resource.id": "etl.table.orders", "owner": "ops"},
        related=[{"prefect.resource.id": "team.data", "prefect.resource.role": "team"}],
        payload={"rows": 1200},
        occurred=occurred,
        id=event_id,
    )
    assert isinstance(emitted, Event) and emitted.id == event_id
    [stored] = _stored(reader, "etl.table.loaded")
    assert stored.id == event_id
    assert stored.occurred == occurred
    assert stored.resource.id == "etl.table.orders" and stored.resource.get("owner") == "ops"
    assert [(r.role, r.id) for r in stored.related] == [("team", "team.data")]
    assert stored.payload == {"rows": 1200}


def test_emit_inside_a_task_run_is_related_to_the_run(reader: Reader) -> None:  # noqa: F811
    @task
    def load() -> Event | None:
        return emit_event("etl.loaded", {"prefect.resource.id": "etl.table.users"})

    @flow
    def etl() -> Event | None:
        with tags("nightly"):
            return load()

    emitted = etl()
    assert emitted is not None
    [stored] = _stored(reader, "etl.loaded")
    roles = {r.role: r.id for r in stored.related}
    [flow_run] = reader.flow_runs()
    [task_run] = reader.task_runs(flow_run.id)
    assert roles == {
        "flow-run": f"prefect.flow-run.{flow_run.id}",
        "flow": f"prefect.flow.{flow_run.flow_id}",
        "task-run": f"prefect.task-run.{task_run.id}",
        "tag": "prefect.tag.nightly",
    }


def test_follows_links_to_the_earlier_event(reader: Reader) -> None:  # noqa: F811
    first = emit_event("job.started", {"prefect.resource.id": "job.1"})
    assert first is not None
    second = emit_event("job.finished", {"prefect.resource.id": "job.1"}, follows=first)
    assert second is not None and second.follows == first.id
    [stored] = _stored(reader, "job.finished")
    assert stored.follows == first.id


def test_an_invalid_event_raises_before_sending(reader: Reader) -> None:  # noqa: F811
    with pytest.raises(pydantic.ValidationError, match=r"prefect\.resource\.id"):
        emit_event("bad.event", {"name": "no id"})
    with pytest.raises(pydantic.ValidationError, match=r"prefect\.resource\.role"):
        emit_event(
            "bad.event", {"prefect.resource.id": "x"}, related=[{"prefect.resource.id": "y"}]
        )
    assert _stored(reader, "bad.event") == []


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_an_unreachable_api_gives_none_and_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.client._loop import run_sync
    from prefect.engine import api

    # port 9 (discard) is closed on the test machine: the connection is refused at once
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    monkeypatch.setenv("PREFECT_CLIENT_MAX_RETRIES", "0")
    # prefect's loggers do not propagate to the root logger that caplog watches
    records = _Records()
    logging.getLogger("prefect.events").addHandler(records)
    try:
        assert emit_event("lost.event", {"prefect.resource.id": "x"}) is None
    finally:
        logging.getLogger("prefect.events").removeHandler(records)
        run_sync(api.close_engine_client())
    assert any("Could not emit event 'lost.event'" in m for m in records.messages)
