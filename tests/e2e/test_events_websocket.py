"""The event websockets of a real server process: `/api/events/out` and `/api/events/in`."""

from __future__ import annotations

import asyncio
import json
import subprocess
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prefect._time import now
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.e2e.conftest import ROOT, ServerProcess, process_env

pytestmark = pytest.mark.e2e

Json = dict[str, Any]


def ws_url(server: ServerProcess, path: str) -> str:
    return server.api_url.replace("http://", "ws://") + path


def event(name: str, resource_id: str = "test.resource", **fields: Any) -> Json:
    return {
        "id": str(uuid.uuid4()),
        "occurred": fields.pop("occurred", now()).isoformat(),
        "event": name,
        "resource": {"prefect.resource.id": resource_id},
        **fields,
    }


def open_window(**flt: Any) -> Json:
    # as subscribers send it: from a little while ago, open-ended
    since, until = now() - timedelta(minutes=5), now() + timedelta(days=1)
    return {"occurred": {"since": since.isoformat(), "until": until.isoformat()}, **flt}


async def subscribe(
    server: ServerProcess, flt: Json, *, backfill: bool = True, token: str | None = None
) -> ClientConnection:
    socket = await connect(ws_url(server, "/events/out"), subprotocols=["prefect"])  # type: ignore[list-item]
    await socket.send(json.dumps({"type": "auth", "token": token}))
    assert json.loads(await socket.recv()) == {"type": "auth_success"}
    await socket.send(json.dumps({"type": "filter", "filter": flt, "backfill": backfill}))
    return socket


async def next_event(socket: ClientConnection, timeout: float = 15) -> Json:
    message = json.loads(await asyncio.wait_for(socket.recv(), timeout))
    assert message["type"] == "event"
    received: Json = message["event"]
    return received


async def close_of(socket: ClientConnection, timeout: float = 10) -> tuple[int, str]:
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(socket.recv(), timeout)
    frame = closed.value.rcvd
    assert frame is not None
    return frame.code, frame.reason


@pytest.fixture
async def server(database_url: str, monkeypatch: pytest.MonkeyPatch, start_server: Any) -> Any:
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", database_url)
    return await asyncio.to_thread(start_server, process_env())


@pytest.fixture
async def http(server: ServerProcess) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.api_url, timeout=30) as client:
        yield client


async def test_out_backfills_then_streams_matching_events(server, http) -> None:
    earlier = event("test.earlier", occurred=now() - timedelta(minutes=1))
    ignored = event("other.earlier", occurred=now() - timedelta(minutes=1))
    assert (await http.post("/events", json=[earlier, ignored])).status_code == 204

    socket = await subscribe(server, open_window(event={"prefix": ["test."]}))
    runs = await subscribe(server, open_window(event={"prefix": ["prefect.flow-run."]}))
    quiet = await subscribe(server, open_window(event={"prefix": ["test."]}), backfill=False)
    try:
        assert (await next_event(socket))["id"] == earlier["id"]

        live = [event("other.live"), event("test.live")]
        assert (await http.post("/events", json=live)).status_code == 204
        received = await next_event(socket)
        assert received["id"] == live[1]["id"] and received["event"] == "test.live"
        assert "received" in received
        # no backfill: only what happens after subscribing
        assert (await next_event(quiet))["id"] == live[1]["id"]

        # the server's own state-change events reach subscribers too
        flow = (await http.post("/flows/", json={"name": "ws-flow"})).json()
        run = (await http.post("/flow_runs/", json={"flow_id": flow["id"]})).json()
        pending = await next_event(runs)
        assert pending["event"] == "prefect.flow-run.Pending"
        assert pending["resource"]["prefect.resource.id"] == f"prefect.flow-run.{run['id']}"
        assert pending["related"][0]["prefect.resource.name"] == "ws-flow"
        # each event once, though it arrives both live and through the catch-up read
        await asyncio.sleep(2.5)
        extra = await http.post("/events", json=[event("test.after")])
        assert extra.status_code == 204
        assert (await next_event(socket))["event"] == "test.after"
    finally:
        for s in (socket, runs, quiet):
            await s.close()


async def test_in_stores_and_publishes_and_survives_bad_input(server, http) -> None:
    subscriber = await subscribe(server, open_window(event={"prefix": ["in."]}), backfill=False)
    try:
        async with connect(ws_url(server, "/events/in")) as inbound:
            first = event("in.plain")
            await inbound.send(json.dumps(first))
            assert (await next_event(subscriber))["id"] == first["id"]
            await inbound.send("{not json")
            code, reason = await close_of(inbound)
            assert code == 1007 and reason.startswith("Invalid event")

        async with connect(ws_url(server, "/events/in")) as inbound:
            await inbound.send(json.dumps({"event": "in.no-resource"}))
            code, reason = await close_of(inbound)
            assert code == 1007 and "resource" in reason

        # with the prefect subprotocol, the auth exchange comes first
        async with connect(ws_url(server, "/events/in"), subprotocols=["prefect"]) as inbound:  # type: ignore[list-item]
            await inbound.send(json.dumps({"type": "auth", "token": None}))
            assert json.loads(await inbound.recv()) == {"type": "auth_success"}
            second = event("in.authenticated")
            await inbound.send(json.dumps(second))
            assert (await next_event(subscriber))["id"] == second["id"]

        assert (await http.get("/health")).status_code == 200
        body = {"filter": {"event": {"prefix": ["in."]}}}
        stored = (await http.post("/events/filter", json=body)).json()
        assert {e["id"] for e in stored["events"]} == {first["id"], second["id"]}
    finally:
        await subscriber.close()


async def test_out_protocol_errors_close_with_a_reason(server) -> None:
    with pytest.raises(InvalidStatus):
        await connect(ws_url(server, "/events/out"))

    async with connect(ws_url(server, "/events/out"), subprotocols=["prefect"]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "filter", "filter": {}}))
        assert await close_of(socket) == (1008, "Expected 'auth' message")

    async with connect(ws_url(server, "/events/out"), subprotocols=["prefect"]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "auth"}))
        assert json.loads(await socket.recv()) == {"type": "auth_success"}
        await socket.send(json.dumps({"type": "filter", "filter": {"event": {"prefix": "x"}}}))
        code, reason = await close_of(socket)
        assert code == 1002 and reason.startswith("Invalid filter")

    async with connect(ws_url(server, "/events/out"), subprotocols=["prefect"]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "auth"}))
        await socket.recv()
        await socket.send("nonsense")
        assert await close_of(socket) == (1002, "Expected 'filter' message")


async def test_events_written_by_another_process_reach_subscribers(
    server, database_url: str
) -> None:
    """A flow on the embedded store (another process, same database) is seen live."""
    subscriber = await subscribe(server, open_window(event={"prefix": ["other.process"]}))
    try:
        code = (
            "import asyncio\n"
            "from prefect.client.orchestration import get_client\n"
            "async def main():\n"
            "    async with get_client() as client:\n"
            "        await client.emit_events([{'event': 'other.process', "
            "'resource': {'prefect.resource.id': 'proc.1'}}])\n"
            "asyncio.run(main())\n"
        )
        env = process_env(PREFECT_SERVER_DATABASE_CONNECTION_URL=database_url)
        done = await asyncio.to_thread(
            subprocess.run,
            [str(ROOT / ".venv" / "bin" / "python"), "-c", code],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        received = await next_event(subscriber)
        assert received["event"] == "other.process"
        assert received["resource"]["prefect.resource.id"] == "proc.1"
    finally:
        await subscriber.close()


async def test_subscribe_events_helper(server, http) -> None:
    from prefect.client._events import subscribe_events
    from prefect.schemas.events import EventFilter

    flt = EventFilter.model_validate({"event": {"prefix": ["helper."]}})
    stream = subscribe_events(server.api_url, flt, backfill=False)
    first = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(1.0)  # let the subscription open before the event is sent
    sent = event("helper.one")
    assert (await http.post("/events", json=[event("nope.one"), sent])).status_code == 204
    received = await asyncio.wait_for(first, 15)
    assert str(received.id) == sent["id"] and received.event == "helper.one"
    await stream.aclose()


async def test_auth_string_guards_the_sockets(
    prefect_home: Path, monkeypatch: pytest.MonkeyPatch, start_server: Any
) -> None:
    # the auth exchange does not depend on the backend: SQLite only
    database_url = f"sqlite+aiosqlite:///{prefect_home / 'auth.db'}"
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", database_url)
    env = process_env(PREFECT_SERVER_API_AUTH_STRING="admin:secret")
    server = await asyncio.to_thread(start_server, env)

    async with connect(ws_url(server, "/events/out"), subprotocols=["prefect"]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "auth", "token": "admin:wrong"}))
        assert await close_of(socket) == (1008, "Invalid token")
    async with connect(ws_url(server, "/events/out"), subprotocols=["prefect"]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "auth"}))
        assert await close_of(socket) == (1008, "Auth required but no token provided")
    socket = await subscribe(server, open_window(), token="admin:secret")
    await socket.close()
    # a client that cannot authenticate is not let in to publish
    with pytest.raises(InvalidStatus):
        await connect(ws_url(server, "/events/in"))
