"""Opening the store: URL normalisation, engine options per backend, sessions.

SQLite is tuned for several processes writing one file: WAL (readers never block the
writer), a busy timeout, and write transactions that start with `BEGIN IMMEDIATE`, so a
second writer waits for the lock at the start of its transaction instead of failing with
"database is locked" when it later tries to upgrade a read lock.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic_core import to_json
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

_BEGIN_OPTION = "prefect_sqlite_begin"


def normalize_url(url: str) -> str:
    """The URL with an async driver: `sqlite://` and `postgresql://` get aiosqlite/asyncpg."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite" and parsed.get_driver_name() != "aiosqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif backend in {"postgresql", "postgres"} and parsed.get_driver_name() != "asyncpg":
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.render_as_string(hide_password=False)


def _json_dumps(value: Any) -> str:
    # JSON columns are written for every state and run of a batch report; pydantic-core's
    # encoder is several times faster than json.dumps on these small documents.
    return to_json(value).decode()


def _on_sqlite_connect(dbapi_connection: Any, _record: Any, timeout: float) -> None:
    # Take transaction control away from the driver so that our BEGIN is the one issued.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # the busy timeout first: switching to WAL takes a lock another process may hold
    cursor.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _on_sqlite_begin(conn: sa.Connection) -> None:
    mode = conn.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def create_engine(url: str, *, timeout: float = 10.0) -> AsyncEngine:
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url, connect_args={"timeout": timeout}, json_serializer=_json_dumps
        )
        sa.event.listen(
            engine.sync_engine,
            "connect",
            lambda c, r: _on_sqlite_connect(c, r, timeout),
        )
        sa.event.listen(engine.sync_engine, "begin", _on_sqlite_begin)
        return engine
    return create_async_engine(
        url,
        json_serializer=_json_dumps,
        pool_pre_ping=True,
        connect_args={"timeout": timeout, "command_timeout": max(timeout, 60.0)},
    )


class Database:
    """An open store: one engine, sessions for reading and for writing."""

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        self.url = normalize_url(url)
        self.engine = create_engine(self.url, timeout=timeout)
        self.dialect = self.engine.dialect.name
        # Write transactions on SQLite take the lock up front (BEGIN IMMEDIATE).
        self.write_engine = self.engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with AsyncSession(self.engine, expire_on_commit=False) as session:
            yield session

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session in one write transaction, committed on success, rolled back on error."""
        async with (
            AsyncSession(self.write_engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
