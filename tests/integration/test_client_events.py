"""The client's event methods against the embedded store, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from prefect._time import now
from prefect.client._events import events_out_url
from prefect.client.orchestration import PrefectClient, get_client
from prefect.exceptions import PrefectHTTPStatusError
from prefect.schemas.events import (
    Countable,
    Event,
    EventFilter,
    EventNameFilter,
    EventOrder,
    RelatedResource,
    Resource,
    TimeUnit,
)


@pytest.fixture
async def client(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[PrefectClient]:
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", database_url)
    async with get_client() as c:
        yield c


def _event(name: str, resource_id: str, minutes_ago: float) -> Event:
    return Event(
        event=name,
        occurred=now() - timedelta(minutes=minutes_ago),
        resource=Resource({"prefect.resource.id": resource_id}),
        related=[
            RelatedResource({"prefect.resource.id": "team.a", "prefect.resource.role": "team"})
        ],
        payload={"n": minutes_ago},
    )


async def test_emit_read_page_and_count(client: PrefectClient) -> None:
    events = [_event(f"job.step-{i}", f"job.{i % 2}", minutes_ago=10 - i) for i in range(5)]
    await client.emit_events(events)
    # dicts are accepted too, and an id sent again is skipped
    await client.emit_events([events[0].model_dump(mode="json"), *events[:1]])
    await client.emit_events([])

    flt = EventFilter(event=EventNameFilter(prefix=["job."]), order=EventOrder.ASC)
    page = await client.read_events(flt, limit=2)
    assert page.total == 5 and [e.id for e in page.events] == [e.id for e in events[:2]]
    assert page.events[0].related[0].role == "team"
    assert page.events[0].payload == {"n": 10}
    seen = [e.id for e in page.events]
    while page.next_page:
        page = await client.read_next_events_page(page.next_page)
        seen += [e.id for e in page.events]
    assert seen == [e.id for e in events]
    with pytest.raises(ValueError, match="next-page link"):
        await client.read_next_events_page("http://x/api/events/filter/next")
    with pytest.raises(PrefectHTTPStatusError) as forbidden:
        await client.read_next_events_page("http://x/api/events/filter/next?page-token=bad")
    assert forbidden.value.status_code == 403

    by_resource = await client.count_events_by(Countable.resource, flt)
    assert [(c.value, c.count) for c in by_resource] == [("job.0", 3), ("job.1", 2)]
    hourly = await client.count_events_by(
        "time",
        EventFilter.model_validate(
            {"occurred": {"since": (now() - timedelta(hours=2)).isoformat()}}
        ),
        time_unit=TimeUnit.hour,
    )
    assert sum(c.count for c in hourly) == 5 and len(hourly) >= 2
    with pytest.raises(PrefectHTTPStatusError) as too_many:
        await client.count_events_by("time", EventFilter(), time_unit="second")
    assert too_many.value.status_code == 422 and "too many" in str(too_many.value)
    with pytest.raises(ValueError):
        await client.count_events_by("colour", flt)


class Named:
    def __init__(self, name: str) -> None:
        self.name = name


async def test_state_changes_read_through_the_client(client: PrefectClient) -> None:
    run = await client.create_flow_run(Named("evented"), name="evented-run")
    flt = EventFilter.model_validate({"resource": {"id": [f"prefect.flow-run.{run.id}"]}})
    page = await client.read_events(flt)
    assert [e.event for e in page.events] == ["prefect.flow-run.Pending"]
    assert page.events[0].resource.name == "evented-run"
    assert page.events[0].id == run.state_id


def test_events_out_url() -> None:
    assert events_out_url("http://127.0.0.1:4200/api/") == "ws://127.0.0.1:4200/api/events/out"
    assert events_out_url("https://h/api") == "wss://h/api/events/out"


def test_sync_client_has_the_methods(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", database_url)
    with get_client(sync_client=True) as sync:
        sync.emit_events([_event("sync.one", "s.1", minutes_ago=1)])
        page = sync.read_events(EventFilter(event=EventNameFilter(name=["sync.one"])))
        assert page.total == 1
