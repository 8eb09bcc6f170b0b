"""The event websockets: `/events/out` (subscribe) and `/events/in` (publish), Prefect 3's
protocol.

`/events/out` takes the `prefect` subprotocol, an `{"type": "auth", "token": ...}`
message (answered `{"type": "auth_success"}`), then `{"type": "filter", "filter": {...},
"backfill": true}`; it then sends `{"type": "event", "event": {...}}` for the recent
matching events (the last 15 minutes, at most 250, oldest first) and for every matching
event from then on. Events reach it two ways: at once from this process's broker, and
through a catch-up read of the store every second, which finds what other processes (API
replicas, flows on the embedded store) wrote. Ids already sent are not sent again.

`/events/in` takes one event (JSON) per message and stores it; an event that does not
parse closes the socket with 1007 and the reason, and the server goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from fastapi import WebSocket
from prefect._time import now
from prefect.schemas.events import Event, EventFilter, ReceivedEvent
from pydantic import ValidationError
from starlette.websockets import WebSocketDisconnect, WebSocketState

from prefect_server.database.engine import Database
from prefect_server.events import broker, store

_log = logging.getLogger("prefect_server.events")

WS_1002_PROTOCOL_ERROR = 1002
WS_1003_UNSUPPORTED_DATA = 1003
WS_1007_INVALID_PAYLOAD = 1007
WS_1008_POLICY_VIOLATION = 1008

BACKFILL_WINDOW = timedelta(minutes=15)
BACKFILL_PAGE_SIZE = 250
CATCH_UP_SECONDS = 1.0
# a write committed this long after it was recorded is still caught up
CATCH_UP_OVERLAP = timedelta(seconds=10)
CATCH_UP_LIMIT = 500

# a client going away, however the server notices it (uvicorn's ClientDisconnected is an
# OSError); the websockets package is not imported for its exceptions, which uvicorn
# translates (importing it costs a tenth of a second at every start of the app)
_DISCONNECTED = (WebSocketDisconnect, OSError, asyncio.IncompleteReadError)


def _reason(text: str) -> str:
    # a close frame's reason holds at most 123 bytes
    encoded = text.encode()[:123]
    return encoded.decode(errors="ignore")


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    if websocket.client_state != WebSocketState.DISCONNECTED:
        with contextlib.suppress(*_DISCONNECTED, RuntimeError):
            await websocket.close(code, reason=_reason(reason))


def _offers_prefect(websocket: WebSocket) -> bool:
    offered = websocket.headers.get("sec-websocket-protocol", "")
    return "prefect" in {p.strip() for p in offered.split(",")}


def _auth_string() -> str | None:
    from prefect.settings import get_current_settings

    return get_current_settings().server_api_auth_string or None


async def _receive_text(websocket: WebSocket) -> str | None:
    """The next text (or UTF-8 bytes) message; None when the client went away."""
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        return None
    if message.get("text") is not None:
        return str(message["text"])
    data = message.get("bytes") or b""
    return data.decode(errors="replace")


async def _receive_object(websocket: WebSocket, expected: str) -> dict[str, Any] | None:
    text = await _receive_text(websocket)
    if text is None:
        return None
    try:
        message = json.loads(text)
    except ValueError:
        message = None
    if not isinstance(message, dict) or message.get("type") != expected:
        code = WS_1008_POLICY_VIOLATION if expected == "auth" else WS_1002_PROTOCOL_ERROR
        await _close(websocket, code, f"Expected '{expected}' message")
        return None
    return message


async def _authenticate(websocket: WebSocket) -> bool:
    """The auth exchange; a server with PREFECT_SERVER_API_AUTH_STRING checks the token."""
    message = await _receive_object(websocket, "auth")
    if message is None:
        return False
    expected = _auth_string()
    if expected:
        token = message.get("token")
        if not token:
            await _close(websocket, WS_1008_POLICY_VIOLATION, "Auth required but no token provided")
            return False
        if token != expected:
            await _close(websocket, WS_1008_POLICY_VIOLATION, "Invalid token")
            return False
    await websocket.send_json({"type": "auth_success"})
    return True


async def accept_prefect_socket(websocket: WebSocket) -> bool:
    """Accept with the `prefect` subprotocol and authenticate; False if the socket closed."""
    if not _offers_prefect(websocket):
        await websocket.close(WS_1002_PROTOCOL_ERROR)
        return False
    await websocket.accept(subprotocol="prefect")
    return await _authenticate(websocket)


# -- /events/out --------------------------------------------------------------------------


class _Sent:
    """Ids sent recently (with when they were recorded), to send each event once."""

    def __init__(self) -> None:
        self._ids: dict[uuid.UUID, datetime] = {}

    def add(self, event_id: uuid.UUID, at: datetime) -> bool:
        if event_id in self._ids:
            return False
        self._ids[event_id] = at
        return True

    def forget_before(self, moment: datetime) -> None:
        self._ids = {k: v for k, v in self._ids.items() if v >= moment}


async def _send(websocket: WebSocket, event: ReceivedEvent) -> None:
    await websocket.send_text('{"type":"event","event":' + event.model_dump_json() + "}")


async def _backfill(db: Database, flt: EventFilter) -> list[ReceivedEvent]:
    window = flt.model_copy(deep=True)
    window.occurred.since = max(window.occurred.since, now() - BACKFILL_WINDOW)
    async with db.read() as session:
        events = await store.read_matching(session, window, limit=BACKFILL_PAGE_SIZE)
    return sorted(events, key=lambda e: (e.occurred, str(e.id)))


async def _wait_disconnect(websocket: WebSocket) -> None:
    # the client says nothing after its filter; reading is how a hang-up is noticed
    with contextlib.suppress(*_DISCONNECTED, RuntimeError):
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass


async def stream_out(websocket: WebSocket, db: Database) -> None:
    if not await accept_prefect_socket(websocket):
        return
    message = await _receive_object(websocket, "filter")
    if message is None:
        return
    try:
        flt = EventFilter.model_validate(message.get("filter") or {})
    except ValidationError as exc:
        await _close(websocket, WS_1002_PROTOCOL_ERROR, f"Invalid filter: {exc}")
        return
    wants_backfill = message.get("backfill", True) is not False

    sent = _Sent()
    hangup = asyncio.create_task(_wait_disconnect(websocket))
    try:
        # subscribe first, so nothing written during the backfill is missed
        with broker.subscribe(flt) as subscription:
            start = now()
            if wants_backfill:
                for event in await _backfill(db, flt):
                    sent.add(event.id, event.received)
                    await _send(websocket, event)
            await _follow(websocket, db, flt, subscription, sent, start, hangup)
    except _DISCONNECTED:
        pass
    finally:
        hangup.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await hangup


Cursor = tuple[datetime, uuid.UUID | None]


async def _follow(
    websocket: WebSocket,
    db: Database,
    flt: EventFilter,
    subscription: broker.Subscription,
    sent: _Sent,
    start: datetime,
    hangup: asyncio.Task[None],
) -> None:
    loop = asyncio.get_running_loop()
    cursor: Cursor = (start, None)
    next_catch_up = loop.time() + CATCH_UP_SECONDS
    while not hangup.done():
        getter = asyncio.ensure_future(subscription.queue.get())
        timeout = max(0.0, next_catch_up - loop.time())
        done, _ = await asyncio.wait(
            {getter, hangup}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if getter in done:
            event = getter.result()
            if sent.add(event.id, event.received):
                await _send(websocket, event)
        else:
            getter.cancel()
        if hangup.done():
            return
        if loop.time() >= next_catch_up:
            cursor = await _catch_up(websocket, db, flt, sent, cursor, start)
            next_catch_up = loop.time() + CATCH_UP_SECONDS


async def _catch_up(
    websocket: WebSocket,
    db: Database,
    flt: EventFilter,
    sent: _Sent,
    cursor: Cursor,
    start: datetime,
) -> Cursor:
    """Send matching events recorded since `cursor` not sent yet; the next cursor."""
    started = now()
    since, after_id = cursor
    async with db.read() as session:
        found = await store.read_recorded_since(
            session, flt, since, after_id=after_id, limit=CATCH_UP_LIMIT
        )
    for event, recorded in found:
        if sent.add(event.id, recorded):
            await _send(websocket, event)
    if len(found) >= CATCH_UP_LIMIT:
        # more are waiting: go on right after the last one read
        last, recorded = found[-1]
        return (recorded, last.id)
    # look back a little every time: a transaction may commit a while after it recorded
    following = max(start, started - CATCH_UP_OVERLAP)
    sent.forget_before(following - CATCH_UP_OVERLAP)
    return (following, None)


# -- /events/in ---------------------------------------------------------------------------


async def stream_in(websocket: WebSocket, db: Database) -> None:
    if _offers_prefect(websocket):
        await websocket.accept(subprotocol="prefect")
        if not await _authenticate(websocket):
            return
    elif _auth_string():
        await websocket.close(
            WS_1008_POLICY_VIOLATION,
            reason="'prefect' subprotocol required when auth is configured",
        )
        return
    else:
        await websocket.accept()
    try:
        while (text := await _receive_text(websocket)) is not None:
            try:
                event = Event.model_validate_json(text)
            except ValidationError as exc:
                error = exc.errors(include_url=False)[0]
                where = ".".join(str(p) for p in error["loc"])
                detail = f"{where}: {error['msg']}" if where else error["msg"]
                await _close(websocket, WS_1007_INVALID_PAYLOAD, f"Invalid event: {detail}")
                return
            async with db.write() as session:
                await store.write_events(session, [event.receive()])
    except _DISCONNECTED:
        pass
