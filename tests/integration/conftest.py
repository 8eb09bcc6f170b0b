"""Fixtures for SDK tests that run both on the embedded store and against a real server.

- `server_on_sqlite` / `server_on_postgres`: one `prefect server start` process per test
  session (SQLite file in a temp dir; PostgreSQL in a database of its own), killed at the
  session's end. Tests share it, so they tell their data apart by run ids and unique
  names, never by emptying the store.
- `sdk_backend`: a test runs four ways, embedded or server on SQLite or PostgreSQL. The
  server ways set PREFECT_API_URL (and no database URL) in the environment, so the flow
  code in the test process talks HTTP to the server, threads included.
- `sdk_reader`: reads back what was stored, through a client of its own.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_DSN, _admin, _truncate_all
from tests.integration._engine_helpers import Reader
from tests.integration._server_process import SdkBackend, ServerProcess


@pytest.fixture(scope="session")
def server_on_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = ServerProcess(tmp_path_factory.mktemp("server-sqlite"))
    server.wait_healthy()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def server_on_postgres(
    tmp_path_factory: pytest.TempPathFactory, postgres_dsn: str
) -> Iterator[ServerProcess]:
    # not `postgres_dsn` itself: `database_url` empties that one before each test
    name = f"prefect_test_server_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    url = f"{POSTGRES_DSN}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)
    server = ServerProcess(tmp_path_factory.mktemp("server-postgres"), url)
    try:
        server.wait_healthy()
        yield server
    finally:
        server.stop()
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(
    params=[
        pytest.param(("embedded", "sqlite"), id="embedded-sqlite"),
        pytest.param(("embedded", "postgres"), id="embedded-postgres", marks=pytest.mark.postgres),
        pytest.param(("server", "sqlite"), id="server-sqlite", marks=pytest.mark.e2e),
        pytest.param(
            ("server", "postgres"),
            id="server-postgres",
            marks=[pytest.mark.postgres, pytest.mark.e2e],
        ),
    ]
)
def sdk_backend(
    request: pytest.FixtureRequest, prefect_home: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SdkBackend]:
    from prefect.client._loop import run_sync
    from prefect.engine import api

    kind, database = request.param
    if kind == "server":
        server: ServerProcess = request.getfixturevalue(f"server_on_{database}")
        monkeypatch.delenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", raising=False)
        monkeypatch.setenv("PREFECT_API_URL", server.api_url)
        backend = SdkBackend(kind, database, api_url=server.api_url)
    else:
        if database == "sqlite":
            url = f"sqlite+aiosqlite:///{prefect_home / 'prefect.db'}"
        else:
            dsn: str = request.getfixturevalue("postgres_dsn")
            asyncio.run(_truncate_all(dsn))
            url = dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
        monkeypatch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", url)
        backend = SdkBackend(kind, database, database_url=url)
    yield backend
    # what the engine still queues goes to this backend, then its client is closed
    run_sync(api._drain_all())
    run_sync(api.close_engine_client())


@pytest.fixture
def sdk_reader(sdk_backend: SdkBackend) -> Iterator[Reader]:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        yield Reader(client)
