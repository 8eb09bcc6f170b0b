"""Fixtures shared by every test.

- Every test gets its own PREFECT_HOME (a temp dir) and no API URL, database URL or
  profile from the environment, so no test touches ~/.prefect or a real server.
- `database_url` runs a test on SQLite and on PostgreSQL. PostgreSQL is the server on
  127.0.0.1:5432 (user postgres, trust auth; override with PREFECT_TEST_POSTGRES_DSN): the
  session creates a database of its own there, empties its tables before each test, and
  drops it at the end. Without a reachable server those tests are skipped, and the summary
  says so; with PREFECT_TEST_REQUIRE_POSTGRES=1 they fail instead.
- `api` is an httpx client on the embedded app over `database_url`.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

POSTGRES_DSN = os.environ.get("PREFECT_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432")
_postgres_skips: list[str] = []


@pytest.fixture(autouse=True)
def prefect_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "prefect_home"
    home.mkdir()
    monkeypatch.setenv("PREFECT_HOME", str(home))
    for name in (
        "PREFECT_API_URL",
        "PREFECT_API_KEY",
        "PREFECT_PROFILE",
        "PREFECT_PROFILES_PATH",
        "PREFECT_SERVER_DATABASE_CONNECTION_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    return home


def _require_postgres() -> bool:
    return os.environ.get("PREFECT_TEST_REQUIRE_POSTGRES", "").strip() in {"1", "true", "yes"}


async def _admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(f"{POSTGRES_DSN}/postgres", timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _truncate_all(dsn: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn, timeout=5)
    try:
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'"
        )
        if tables:
            names = ", ".join(f'"{row["tablename"]}"' for row in tables)
            await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    """The DSN of a PostgreSQL database created for this test session."""
    name = f"prefect_test_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        reason = f"PostgreSQL not reachable at {POSTGRES_DSN}: {type(exc).__name__}: {exc}"
        if _require_postgres():
            pytest.fail(f"{reason} (PREFECT_TEST_REQUIRE_POSTGRES=1)", pytrace=False)
        _postgres_skips.append(reason)
        pytest.skip(reason)
    yield f"{POSTGRES_DSN}/{name}"
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest, prefect_home: Path) -> str:
    """A store URL with no data in it, once per backend."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{prefect_home / 'prefect.db'}"
    dsn: str = request.getfixturevalue("postgres_dsn")
    asyncio.run(_truncate_all(dsn))
    return dsn.replace("postgresql://", "postgresql+asyncpg://", 1)


@pytest.fixture
async def api(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the embedded API app on `database_url` (base URL ends in /api)."""
    from prefect_server.embedded import open_embedded_app

    async with (
        open_embedded_app(database_url) as app,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test/api"
        ) as client,
    ):
        yield client


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _postgres_skips:
        terminalreporter.write_sep(
            "!", "PostgreSQL tests were SKIPPED: " + _postgres_skips[0], yellow=True, bold=True
        )
