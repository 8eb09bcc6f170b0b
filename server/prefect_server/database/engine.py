"""Opening the store: URL normalisation, engine options per backend, sessions.

SQLite is tuned for several processes writing one file: WAL (readers never block the
writer), a busy timeout, and write transactions that start with `BEGIN IMMEDIATE`, so a
second writer waits for the lock at the start of its transaction instead of failing with
"database is locked" when it later tries to upgrade a read lock. Its statements run on
the event loop thread (`sqlite_inline`), and that wait is an asynchronous one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic_core import from_json, to_json
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from prefect_server.database import sqlite_inline
from prefect_server.database.checkpoints import AUTOCHECKPOINT_PAGES, Checkpointer
from prefect_server.database.lean_writer import LeanWriter

try:
    from sqlalchemy.util import await_ as _await
except ImportError:  # SQLAlchemy 2.0
    from sqlalchemy.util import await_only as _await

_BEGIN_OPTION = "prefect_sqlite_begin"
# SQLite's planner picks indexes well only with table statistics (`ANALYZE`); without
# them it guesses that `flow_id = ?` is selective, and a listing of one flow's newest
# runs sorted all of that flow's runs instead of walking the start-time index. The
# statistics are refreshed every this many write transactions of a process, sampling
# a bounded number of rows per index (a few milliseconds on a large store).
ANALYZE_EVERY = 1000
_ANALYSIS_LIMIT = 400
_log = logging.getLogger("prefect_server.database")


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


def _json_loads(text: str | bytes) -> Any:
    # and read back for every run of a listing (nine documents a run with its state):
    # pydantic-core's parser is five to ten times faster than json.loads on them
    return from_json(text)


def _on_sqlite_begin(conn: sa.Connection) -> None:
    mode = conn.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
    driver = conn.connection.driver_connection
    if isinstance(driver, sqlite_inline.InlineConnection):
        # straight to the driver: every transaction begins here, and a statement through
        # SQLAlchemy costs several times what SQLite spends on a BEGIN; its errors are
        # wrapped as SQLAlchemy would have ("database is locked" is an OperationalError)
        try:
            _await(driver.begin(mode))
        except sqlite3.Error as exc:
            statement = f"BEGIN {mode}"
            raise sa.exc.DBAPIError.instance(statement, (), exc, sqlite3.Error) from exc
    else:
        conn.exec_driver_sql(f"BEGIN {mode}")


def sqlite_file(url: str) -> tuple[str, bool] | None:
    """(path, whether it is a URI) of a SQLite database in a file; None for any other."""
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() != "sqlite":
        return None
    args, options = SQLiteDialect_pysqlite().create_connect_args(parsed)
    path = str(args[0]) if args else ""
    if not path or path == ":memory:" or "mode=memory" in path:
        return None
    return path, bool(options.get("uri"))


def create_engine(
    url: str, *, timeout: float = 10.0, autocheckpoint: int | None = None
) -> AsyncEngine:
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        # the connection's pragmas (WAL, the busy timeout, ...) are set as it opens, and
        # it leaves transaction control to us, so that our BEGIN is the one issued
        args, options = SQLiteDialect_pysqlite().create_connect_args(parsed)
        engine = create_async_engine(
            url,
            async_creator=sqlite_inline.creator(
                args[0],
                timeout=timeout,
                uri=bool(options.get("uri")),
                autocheckpoint=autocheckpoint,
            ),
            json_serializer=_json_dumps,
            json_deserializer=_json_loads,
        )
        sa.event.listen(engine.sync_engine, "begin", _on_sqlite_begin)
        return engine
    return create_async_engine(
        url,
        json_serializer=_json_dumps,
        json_deserializer=_json_loads,
        pool_pre_ping=True,
        connect_args={"timeout": timeout, "command_timeout": max(timeout, 60.0)},
    )


class Database:
    """An open store: one engine, sessions for reading and for writing."""

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        self.url = normalize_url(url)
        self._file = sqlite_file(self.url)
        self._checkpoints: Checkpointer | None = None
        autocheckpoint: int | None = None
        if self._file is not None:
            self._checkpoints = Checkpointer(self._file[0], uri=self._file[1], timeout=timeout)
            autocheckpoint = AUTOCHECKPOINT_PAGES
        self.engine = create_engine(self.url, timeout=timeout, autocheckpoint=autocheckpoint)
        self.dialect = self.engine.dialect.name
        # Write transactions on SQLite take the lock up front (BEGIN IMMEDIATE).
        self.write_engine = self.engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
        self._writes_since_analyze = 0
        self._timeout = timeout
        self._lean: LeanWriter | None = None

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
        if self.is_sqlite:
            await self.note_write()

    def lean_writer(self) -> LeanWriter | None:
        """Plain-statement write transactions (`lean_writer`), on SQLite only."""
        if self._file is None:
            # PostgreSQL, or an in-memory database (private to its connection: a second
            # connection would write elsewhere)
            return None
        if self._lean is None:
            self._lean = LeanWriter(
                self._file[0],
                self.engine.dialect,
                timeout=self._timeout,
                uri=self._file[1],
                autocheckpoint=AUTOCHECKPOINT_PAGES,
            )
        return self._lean

    async def note_write(self) -> None:
        """Count a write transaction made outside `write()` towards the next ANALYZE."""
        if self._checkpoints is not None:
            self._checkpoints.wrote()
        self._writes_since_analyze += 1
        if self._writes_since_analyze >= ANALYZE_EVERY:
            self._writes_since_analyze = 0
            await self.analyze()

    async def analyze(self) -> None:
        """Refresh SQLite's planner statistics; a failure is logged, never raised (the
        caller's own transaction has committed)."""
        try:
            async with self.write_engine.begin() as conn:
                await conn.exec_driver_sql(f"PRAGMA analysis_limit={_ANALYSIS_LIMIT}")
                await conn.exec_driver_sql("ANALYZE")
        except Exception:
            _log.debug("ANALYZE failed", exc_info=True)

    async def dispose(self) -> None:
        if self._lean is not None:
            self._lean.close()
        await self.engine.dispose()
        if self._checkpoints is not None:
            await asyncio.to_thread(self._checkpoints.stop)
