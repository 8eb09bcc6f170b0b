"""SQLite connections for SQLAlchemy's aiosqlite dialect that run statements on the loop.

aiosqlite runs every call on a thread of its own: a statement costs four or five thread
hand-offs (cursor, execute, fetch, close), about 60 us of CPU each, and under CPU
contention each hand-off also waits for the scheduler. A flow run's creation is a dozen
statements of a few microseconds each, so the hand-offs were most of its cost. Here the
same calls run inline on the event loop thread; the object returned by `connect` looks
like an `aiosqlite.Connection` to the dialect (`create_async_engine(async_creator=...)`).

What must not happen inline is waiting: SQLite's busy handler sleeps while another
connection holds the write lock, and on the loop thread that would stall every request,
including the one holding the lock. So a statement that may take the write lock (BEGIN
IMMEDIATE, or a write outside a write transaction) runs with the busy timeout off, and
when the database is busy it is retried after a short asynchronous sleep, for as long as
the configured timeout allows; the lock holder, in this process or another, proceeds
meanwhile. Large `executemany` batches go to a worker thread, where the driver releases
the GIL and the loop keeps serving.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

# a batch this large spends long enough in SQLite to be worth a thread hand-off
_THREAD_BATCH = 256
# SQLite's own busy handler sleeps in similar steps (milliseconds)
_BACKOFF = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.015, 0.02, 0.025)
_SQLITE_BUSY = 5
# SQLITE_BUSY_SNAPSHOT: a read snapshot gone stale, which no amount of waiting clears
_SQLITE_BUSY_SNAPSHOT = 5 | (2 << 8)
# statements that never wait for the write lock: reads, and transaction control that
# takes no lock (a deferred BEGIN takes none until the first read; COMMIT in WAL mode
# already holds what it needs)
_NEVER_WAIT = frozenset({"SELECT", "COMMIT", "END", "ROLLBACK", "RELEASE", "SAVEPOINT", "PRAGMA"})
_LOCKING_BEGIN = frozenset({"IMMEDIATE", "EXCLUSIVE"})


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF == _SQLITE_BUSY and code != _SQLITE_BUSY_SNAPSHOT
    return "database is locked" in str(exc)


def _may_wait(sql: str) -> bool:
    """Whether `sql` may wait for the write lock (when the connection holds none)."""
    words = sql[:40].upper().split(None, 2)
    if not words or words[0] in _NEVER_WAIT:
        return False
    if words[0] == "BEGIN":
        return len(words) > 1 and words[1] in _LOCKING_BEGIN
    return True


class InlineCursor:
    """An aiosqlite-like cursor whose coroutines finish without suspending (mostly)."""

    __slots__ = ("_conn", "_cursor")

    def __init__(self, conn: InlineConnection) -> None:
        self._conn = conn
        self._cursor = conn.raw.cursor()

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        await self._conn.run(sql, self._cursor.execute, sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Sequence[Any]) -> InlineCursor:
        if len(parameters) >= _THREAD_BATCH:
            await self._conn.in_thread(self._cursor.executemany, sql, parameters)
        else:
            await self._conn.run(sql, self._cursor.executemany, sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    async def setinputsizes(self, *sizes: Any) -> None:
        return None

    async def nextset(self) -> None:
        return None


class _InlineQueue:
    """Stands in for aiosqlite's job queue, which SQLAlchemy's isolation-level setter
    writes to directly: the job runs at once and its future is resolved."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:  # handed to the awaiting caller, as aiosqlite does
            if future is not None:
                future.set_exception(exc)
            return
        if future is not None:
            future.set_result(result)


class InlineConnection:
    """An `aiosqlite.Connection` look-alike over one `sqlite3.Connection`."""

    def __init__(self, raw: sqlite3.Connection, timeout: float) -> None:
        self.raw = raw
        self.timeout = timeout
        # names SQLAlchemy's adapter reads on aiosqlite connections
        self._connection: sqlite3.Connection | None = raw
        self._conn = raw
        self._tx = _InlineQueue()
        self._writing = False

    # -- running statements -----------------------------------------------------------

    async def run(self, sql: str, call: Callable[..., T], *args: Any) -> T:
        if self._writing or not _may_wait(sql):
            result = call(*args)
        else:
            result = await self._without_waiting(call, *args)
            self._writing = True
        if not self.raw.in_transaction:
            self._writing = False
        return result

    async def _without_waiting(self, call: Callable[..., T], *args: Any) -> T:
        """`call` with the busy handler off, retried asynchronously while the lock is held."""
        raw = self.raw
        raw.execute("PRAGMA busy_timeout=0")
        try:
            deadline = time.monotonic() + self.timeout
            attempt = 0
            while True:
                try:
                    return call(*args)
                except sqlite3.OperationalError as exc:
                    if not _is_busy(exc) or time.monotonic() >= deadline:
                        raise
                await asyncio.sleep(_BACKOFF[min(attempt, len(_BACKOFF) - 1)])
                attempt += 1
        finally:
            raw.execute(f"PRAGMA busy_timeout={int(self.timeout * 1000)}")

    async def in_thread(self, call: Callable[..., T], *args: Any) -> T:
        # the thread may wait on the busy handler: it blocks nobody but this connection
        result = await asyncio.to_thread(call, *args)
        if self.raw.in_transaction:
            self._writing = True
        return result

    # -- the aiosqlite surface the dialect uses ---------------------------------------

    def cursor(self) -> InlineCursor:
        return InlineCursor(self)

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        cursor = InlineCursor(self)
        return await cursor.execute(sql, parameters)

    async def begin(self, mode: str) -> None:
        """BEGIN a transaction (DEFERRED, IMMEDIATE or EXCLUSIVE)."""
        sql = f"BEGIN {mode}"
        await self.run(sql, self.raw.execute, sql)

    async def commit(self) -> None:
        self.raw.commit()
        self._writing = False

    async def rollback(self) -> None:
        self.raw.rollback()
        self._writing = False

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        if self._connection is not None:
            self._connection = None
            self.raw.close()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self.raw.create_function(*args, **kwargs)

    @property
    def isolation_level(self) -> str | None:
        return self.raw.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self.raw.isolation_level = value  # type: ignore[assignment]


def _use_wal(cursor: sqlite3.Cursor, timeout: float) -> None:
    """Put the database in WAL mode, once for all its connections.

    Switching needs the database to itself, and SQLite answers "database is locked" at
    once, without its busy handler, while another connection reads it: several processes
    opening a new store together (replicas, a flow and a server) met that. The switch is
    retried for as long as the busy timeout allows; a database already in WAL mode (every
    open after the first) needs none.
    """
    deadline = time.monotonic() + timeout
    attempt = 0
    while True:
        try:
            if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(_BACKOFF[min(attempt, len(_BACKOFF) - 1)])
        attempt += 1


def _open(
    database: str, timeout: float, uri: bool, autocheckpoint: int | None
) -> sqlite3.Connection:
    raw = sqlite3.connect(
        database, timeout=timeout, isolation_level=None, check_same_thread=False, uri=uri
    )
    try:
        cursor = raw.cursor()
        # the busy timeout first: switching to WAL takes a lock another process may hold
        cursor.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
        _use_wal(cursor, timeout)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        if autocheckpoint is not None:
            # checkpoints are run by the store's `Checkpointer`, off the request path
            cursor.execute(f"PRAGMA wal_autocheckpoint={int(autocheckpoint)}")
        cursor.close()
    except BaseException:
        raw.close()
        raise
    return raw


def creator(
    database: str, *, timeout: float, uri: bool = False, autocheckpoint: int | None = None
) -> Callable[[], Any]:
    """The `async_creator` of an engine on `database`: opening (which may wait for a lock
    while the journal mode is set) happens on a worker thread, the rest inline.
    `autocheckpoint` sets the WAL size (pages) at which a commit checkpoints by itself."""

    async def connect() -> InlineConnection:
        raw = await asyncio.to_thread(_open, database, timeout, uri, autocheckpoint)
        return InlineConnection(raw, timeout)

    return connect
