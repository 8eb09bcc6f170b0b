"""The hottest request answered before FastAPI's routing: `POST /api/flow_runs/`.

Every flow run a client starts begins with this request. FastAPI's routing, dependency
solving, body validation and response serialization cost about half a millisecond of
CPU on it (a request for an unknown path alone took 0.44 ms to be told 404, the routes
being matched one by one through the included routers), as much as writing the run
itself once that went through `flow_run_create_lean`.

This middleware takes the request only when it can answer it exactly as the route
would: a JSON body of a reasonable size that validates as `FlowRunCreate`, for a run that
`create_flow_run_lean` writes. Otherwise, and for every other request, the app answers:
the body already read is handed on unchanged, and nothing was written. So validation
errors, 404s, idempotent repeats, runs of deployments and PostgreSQL all keep the route's
behaviour, and the route stays in `/api/openapi.json`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from prefect.schemas.actions import FlowRunCreate
from prefect.schemas.objects import FlowRun
from pydantic import ValidationError

from prefect_server.api import convert
from prefect_server.database.engine import Database
from prefect_server.models.flow_run_create_lean import create_flow_run_lean

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CREATE_FLOW_RUN = "/api/flow_runs/"
# a run's creation is a few kilobytes; anything larger is left to the app's body limits
_MAX_BODY = 1 << 20


def _json_length(scope: Scope) -> int | None:
    """The declared length of a JSON body, or None when it is not one to take here."""
    length: int | None = None
    json = False
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                return None
        elif name == b"content-type":
            json = value.split(b";", 1)[0].strip().lower() == b"application/json"
    if not json or length is None or length > _MAX_BODY:
        return None
    return length


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    """The request's body, and whether it arrived whole (False if the client left)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), True


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives `body` first, then whatever the client sends next."""
    pending = True

    async def replay() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class HotRoutes:
    """ASGI middleware answering `POST /api/flow_runs/` when it can (see the module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] != CREATE_FLOW_RUN
            or scope["method"] != "POST"
            or _json_length(scope) is None
        ):
            await self.app(scope, receive, send)
            return
        body, whole = await _read_body(receive)
        answer = await _create_flow_run(scope, body) if whole else None
        if answer is None:
            await self.app(scope, _replaying(body, receive), send)
            return
        await send(
            {
                "type": "http.response.start",
                "status": 201,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(answer)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": answer})


async def _create_flow_run(scope: Scope, body: bytes) -> bytes | None:
    """The created run as the route's JSON answer, or None to leave the request to it."""
    database: Database | None = getattr(scope["app"].state, "database", None)
    if database is None:
        return None
    try:
        create = FlowRunCreate.model_validate_json(body)
    except ValidationError:
        return None  # the route answers 422 with FastAPI's description of the errors
    try:
        run = await create_flow_run_lean(database, create)
    except sqlite3.Error:
        # rolled back; the route's path maps database trouble to its answers
        return None
    if run is None:
        return None
    answer: bytes = FlowRun.__pydantic_serializer__.to_json(convert.flow_run(run))
    return answer
