"""`/events/out` in-process (Starlette's test client): cleanup and catch-up, on SQLite and
PostgreSQL."""

from __future__ import annotations

import json
import time
import uuid
import warnings
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from prefect._time import now
from prefect_server.app import create_app
from prefect_server.events import broker

with warnings.catch_warnings():
    # Starlette asks for httpx2 under its test client; httpx still serves it
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient, WebSocketTestSession

Json = dict[str, Any]


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(database_url=database_url)) as test_client:
        yield test_client


def subscribe(client: TestClient, flt: Json) -> Any:
    since, until = now() - timedelta(minutes=5), now() + timedelta(days=1)
    window = {"occurred": {"since": since.isoformat(), "until": until.isoformat()}}
    socket = client.websocket_connect("/api/events/out", subprotocols=["prefect"])
    session: WebSocketTestSession = socket.__enter__()
    session.send_json({"type": "auth", "token": None})
    assert session.receive_json() == {"type": "auth_success"}
    session.send_json({"type": "filter", "filter": {**window, **flt}, "backfill": False})
    return socket, session


def wait_until(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_hung_up_subscriber_is_forgotten(client: TestClient) -> None:
    socket, _ = subscribe(client, {})
    wait_until(broker.has_subscribers)
    socket.__exit__(None, None, None)
    wait_until(lambda: not broker.has_subscribers())


def test_a_burst_beyond_the_queue_arrives_once_and_whole(client: TestClient) -> None:
    count = broker.SUBSCRIPTION_BACKLOG + 150
    socket, session = subscribe(client, {"event": {"prefix": ["burst."]}})
    try:
        wait_until(broker.has_subscribers)
        events = [
            {
                "id": str(uuid.uuid4()),
                "event": f"burst.{i}",
                "resource": {"prefect.resource.id": "burst"},
            }
            for i in range(count)
        ]
        # one transaction: more than a subscriber's queue holds; the rest come from the
        # catch-up read of the store
        assert client.post("/api/events", json=events).status_code == 204
        received = [json.loads(session.receive_text())["event"]["id"] for _ in range(count)]
        assert sorted(received) == sorted(e["id"] for e in events)
        assert (
            client.post("/api/events", json=[{**events[0], "id": str(uuid.uuid4())}]).status_code
            == 204
        )
        # the next message is the new event, not a repeat of the burst
        assert json.loads(session.receive_text())["event"]["event"] == "burst.0"
    finally:
        socket.__exit__(None, None, None)
