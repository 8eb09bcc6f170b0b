"""Factories for server tests: make flows, runs and states through the API."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from prefect_server.database.engine import Database

Json = dict[str, Any]


@pytest.fixture
async def db(api: httpx.AsyncClient, database_url: str) -> AsyncIterator[Database]:
    """A second connection to the store, for services and models driven directly. `api`
    comes first: it migrates the store and empties nothing made afterwards."""
    database = Database(database_url)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
async def flow(api: httpx.AsyncClient) -> Json:
    response = await api.post("/flows/", json={"name": f"flow-{uuid.uuid4().hex[:8]}"})
    assert response.status_code == 201
    result: Json = response.json()
    return result


@pytest.fixture
def make_flow_run(api: httpx.AsyncClient, flow: Json) -> Callable[..., Awaitable[Json]]:
    async def make(**fields: Any) -> Json:
        body = {"flow_id": flow["id"], **fields}
        response = await api.post("/flow_runs/", json=body)
        assert response.status_code == 201, response.text
        result: Json = response.json()
        return result

    return make


@pytest.fixture
def set_state(api: httpx.AsyncClient) -> Callable[..., Awaitable[Json]]:
    async def set_(
        run_id: str, type_: str, *, kind: str = "flow_runs", force: bool = False, **state: Any
    ) -> Json:
        body = {"state": {"type": type_, **state}, "force": force}
        response = await api.post(f"/{kind}/{run_id}/set_state", json=body)
        assert response.status_code in (200, 201), response.text
        result: Json = response.json()
        assert (response.status_code == 201) == (result["status"] == "ACCEPT")
        return result

    return set_


@pytest.fixture
def make_task_run(api: httpx.AsyncClient) -> Callable[..., Awaitable[Json]]:
    async def make(flow_run_id: str | None, **fields: Any) -> Json:
        body = {
            "flow_run_id": flow_run_id,
            "task_key": fields.pop("task_key", "task"),
            "dynamic_key": fields.pop("dynamic_key", uuid.uuid4().hex[:6]),
            **fields,
        }
        response = await api.post("/task_runs/", json=body)
        assert response.status_code == 201, response.text
        result: Json = response.json()
        return result

    return make


# -- blocks (test_api_blocks.py, test_api_block_documents.py) ----------------------------

HIDDEN = "********"

CREDS_FIELDS: Json = {
    "title": "Creds",
    "type": "object",
    "properties": {
        "user": {"type": "string"},
        "password": {"type": "string", "format": "password"},
        "auth": {"type": "object"},
        "headers": {"type": "object"},
    },
    "secret_fields": ["password", "auth.token", "headers.*"],
}


@pytest.fixture
def make_type(api: httpx.AsyncClient) -> Callable[..., Awaitable[Json]]:
    async def make(slug: str = "creds", **fields: Any) -> Json:
        body = {"name": slug.replace("-", " ").title(), "slug": slug, **fields}
        response = await api.post("/block_types/", json=body)
        assert response.status_code == 201, response.text
        result: Json = response.json()
        return result

    return make


@pytest.fixture
def make_schema(api: httpx.AsyncClient) -> Callable[..., Awaitable[Json]]:
    async def make(block_type: Json, fields: Json | None = None, **extra: Any) -> Json:
        body = {"block_type_id": block_type["id"], "fields": fields or CREDS_FIELDS, **extra}
        response = await api.post("/block_schemas/", json=body)
        assert response.status_code == 201, response.text
        result: Json = response.json()
        return result

    return make


@pytest.fixture
def make_document(api: httpx.AsyncClient) -> Callable[..., Awaitable[Json]]:
    async def make(schema: Json, name: str | None, data: Json, **extra: Any) -> Json:
        body = {
            "name": name,
            "block_type_id": schema["block_type_id"],
            "block_schema_id": schema["id"],
            "data": data,
            **extra,
        }
        response = await api.post("/block_documents/", json=body)
        assert response.status_code == 201, response.text
        result: Json = response.json()
        return result

    return make


@pytest.fixture
async def creds(make_type: Any, make_schema: Any) -> Json:
    """A block schema of a "creds" block type with secret fields."""
    schema: Json = await make_schema(await make_type("creds"))
    return schema
