"""The lean creation of flow runs (`flow_run_create_lean`, `hot_routes`) and the WAL
checkpoints moved off the request path (`database.checkpoints`).

The lean path must store exactly what the ORM path stores, answer exactly what the route
answers, and leave every case it does not handle to the route untouched.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from prefect.schemas.actions import FlowRunCreate
from prefect_server.api.hot_routes import HotRoutes
from prefect_server.database.checkpoints import AUTOCHECKPOINT_PAGES, BATCH
from prefect_server.database.engine import Database
from prefect_server.models import flow_runs as models
from prefect_server.models.flow_run_create_lean import create_flow_run_lean

Json = dict[str, Any]
# what differs between two runs made alike: ids, names, clocks (and what follows them)
_VARYING = {
    "id",
    "name",
    "created",
    "updated",
    "state_id",
    "expected_start_time",
    "estimated_start_time_delta",
    "estimated_run_time",
    "state",
}


async def _stored(api: httpx.AsyncClient, run_id: Any) -> Json:
    response = await api.get(f"/flow_runs/{run_id}")
    assert response.status_code == 200, response.text
    found: Json = response.json()
    return found


async def _events(api: httpx.AsyncClient, run_id: Any) -> list[Json]:
    body = {"filter": {"resource": {"id": [f"prefect.flow-run.{run_id}"]}}, "limit": 50}
    response = await api.post("/events/filter", json=body)
    assert response.status_code == 200, response.text
    events: list[Json] = response.json()["events"]
    return events


def _comparable(run: Json) -> Json:
    return {k: v for k, v in run.items() if k not in _VARYING}


def _event_shape(event: Json) -> Json:
    resource = {
        k: v
        for k, v in event["resource"].items()
        if k not in ("prefect.resource.id", "prefect.resource.name", "prefect.state-timestamp")
    }
    return {
        "event": event["event"],
        "resource": resource,
        "related": sorted(
            (r["prefect.resource.id"], r["prefect.resource.role"]) for r in event["related"]
        ),
        "payload": event["payload"],
    }


def _is_sqlite(db: Database) -> bool:
    return db.is_sqlite


# the lean path is SQLite's; on PostgreSQL the first test shows it declines
_SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def test_lean_path_stores_what_the_orm_path_stores(
    api: httpx.AsyncClient, db: Database, flow: Json, make_task_run: Any
) -> None:
    parent_flow_run = (await api.post("/flow_runs/", json={"flow_id": flow["id"]})).json()
    parent = await make_task_run(parent_flow_run["id"], tags=["from-parent"])
    fields: Json = {
        "flow_id": flow["id"],
        "tags": ["a", "b"],
        "parameters": {"x": 1, "nested": {"y": [1, 2]}},
        "flow_version": "7",
        "context": {"k": "v"},
        "empirical_policy": {"retries": 2, "retry_delay": 3},
        "parent_task_run_id": parent["id"],
        "job_variables": {"env": {"A": "1"}},
    }
    lean = await create_flow_run_lean(db, FlowRunCreate.model_validate(fields))
    if not _is_sqlite(db):
        assert lean is None  # PostgreSQL keeps the ORM path
        return
    assert lean is not None
    async with db.write() as session:
        orm_run, created = await models.create_flow_run(
            session, FlowRunCreate.model_validate(fields)
        )
    assert created
    lean_stored, orm_stored = await _stored(api, lean.id), await _stored(api, orm_run.id)
    assert _comparable(lean_stored) == _comparable(orm_stored)
    assert lean_stored["state"]["type"] == orm_stored["state"]["type"] == "PENDING"
    assert lean_stored["state_id"] == lean_stored["state"]["id"]
    lean_events, orm_events = await _events(api, lean.id), await _events(api, orm_run.id)
    assert [e["event"] for e in lean_events] == ["prefect.flow-run.Pending"]
    assert [_event_shape(e) for e in lean_events] == [_event_shape(e) for e in orm_events]
    # the parent task run and its tags are among the related resources
    related = {r["prefect.resource.id"] for r in lean_events[0]["related"]}
    assert f"prefect.task-run.{parent['id']}" in related
    assert "prefect.tag.from-parent" in related
    states = (await api.get("/flow_run_states/", params={"flow_run_id": str(lean.id)})).json()
    assert [s["id"] for s in states] == [lean_stored["state"]["id"]]


@_SQLITE_ONLY
async def test_cases_it_does_not_take_are_left_untouched(
    api: httpx.AsyncClient, db: Database, flow: Json
) -> None:
    taken = await create_flow_run_lean(db, FlowRunCreate(flow_id=flow["id"], idempotency_key="k1"))
    assert taken is not None
    count_before = (await api.post("/flow_runs/count", json={})).json()
    for create in (
        FlowRunCreate(flow_id=flow["id"], id=taken.id),  # the id is taken
        FlowRunCreate(flow_id=flow["id"], idempotency_key="k1"),  # so is the key
        FlowRunCreate(flow_id=uuid.uuid4()),  # no such flow
        FlowRunCreate(flow_id=flow["id"], deployment_id=uuid.uuid4()),
        FlowRunCreate(flow_id=flow["id"], work_pool_name="some-pool"),
    ):
        assert await create_flow_run_lean(db, create) is None
    assert (await api.post("/flow_runs/count", json={})).json() == count_before


async def test_route_answers_as_before(api: httpx.AsyncClient, flow: Json) -> None:
    """Through the app (the middleware first): created, repeated, invalid, unknown flow."""
    run_id = str(uuid.uuid4())
    first = await api.post("/flow_runs/", json={"flow_id": flow["id"], "id": run_id})
    assert first.status_code == 201, first.text
    created = first.json()
    assert _comparable(created) == _comparable(await _stored(api, run_id))
    assert created["state"] == (await _stored(api, run_id))["state"]
    again = await api.post("/flow_runs/", json={"flow_id": flow["id"], "id": run_id})
    assert again.status_code == 200
    assert again.json()["id"] == run_id
    invalid = await api.post("/flow_runs/", json={"flow_id": "not-a-uuid"})
    assert invalid.status_code == 422
    assert invalid.json()["detail"][0]["loc"] == ["body", "flow_id"]
    unknown = await api.post("/flow_runs/", json={"flow_id": str(uuid.uuid4())})
    assert unknown.status_code == 404
    assert "not found" in unknown.json()["detail"]


class _Downstream:
    """Stands for the app behind the middleware: records what reaches it."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        message = await receive()
        self.bodies.append(message["body"])
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b""})


async def _through(middleware: HotRoutes, app: Any, body: bytes, **scope: Any) -> int:
    sent: list[Any] = []
    full_scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/flow_runs/",
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))],
        "app": app,
        **scope,
    }
    given = False

    async def receive() -> Any:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)

    async def send(message: Any) -> None:
        sent.append(message)

    await middleware(full_scope, receive, send)
    status: int = sent[0]["status"]
    return status


@_SQLITE_ONLY
async def test_middleware_answers_the_plain_case_itself(
    api: httpx.AsyncClient, db: Database, flow: Json
) -> None:

    class App:  # what the middleware reads of the app: its open store
        class state:
            database = db

    downstream = _Downstream()
    middleware = HotRoutes(downstream)
    plain = json.dumps({"flow_id": flow["id"]}).encode()
    assert await _through(middleware, App, plain) == 201
    assert downstream.bodies == []
    # anything else reaches the app with its body intact
    invalid = b'{"flow_id": 5}'
    unknown_flow = json.dumps({"flow_id": str(uuid.uuid4())}).encode()
    for body in (invalid, unknown_flow):
        assert await _through(middleware, App, body) == 299
    assert await _through(middleware, App, plain, method="PUT") == 299
    assert await _through(middleware, App, plain, path="/api/flow_runs/filter") == 299
    assert downstream.bodies == [invalid, unknown_flow, plain, plain]


def _main_file_size(path: Path) -> int:
    return path.stat().st_size


async def test_checkpoints_run_off_the_request_path(tmp_path: Path) -> None:
    """The store's connections leave the WAL alone up to AUTOCHECKPOINT_PAGES; the
    database file still grows soon after writes, which only the checkpointer's thread
    can have done."""
    path = tmp_path / "c.db"
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        from prefect_server.database.migrate import migrate

        await migrate(db)
        async with db.write() as session:
            from prefect_server.database import orm

            flow = orm.Flow(name="f")
            session.add(flow)
            await session.flush()
            flow_id = flow.id
        async with db.engine.connect() as conn:
            raw = await conn.exec_driver_sql("PRAGMA wal_autocheckpoint")
            assert raw.scalar() == AUTOCHECKPOINT_PAGES
        writer = db.lean_writer()
        assert writer is not None
        with sqlite3.connect(path) as plain:
            plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        before = _main_file_size(path)
        for _ in range(BATCH * 4):
            assert await create_flow_run_lean(db, FlowRunCreate(flow_id=flow_id)) is not None
        deadline = time.monotonic() + 10
        while _main_file_size(path) == before and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert _main_file_size(path) > before
    finally:
        await db.dispose()
