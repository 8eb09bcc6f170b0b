"""Which process runs a service's passes when several serve one database.

- PostgreSQL: a session advisory lock per service (`pg_try_advisory_lock`), held on one
  connection that this process dedicates to leadership. The lock lives as long as that
  connection: a process that exits or dies loses it at once (the server closes the
  session), and another process takes it on its next try. A follower tries every loop.
- SQLite: one process at a time per service through an exclusive `flock` on a file
  beside the database (`<db>.<service>.lock`). The kernel drops the lock when the process
  dies. SQLite serves one machine, so a local lock is all the coordination it needs.
- An in-memory SQLite store, or a platform without `flock`: this process always leads.
"""

from __future__ import annotations

import abc
import asyncio
import hashlib
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

    from prefect_server.database.engine import Database

logger = logging.getLogger("prefect_server.services.leadership")


def advisory_key(name: str) -> int:
    """The 64-bit advisory lock key of a service (the same in every process)."""
    digest = hashlib.blake2b(f"prefect_server.services:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class Leadership(abc.ABC):
    @abc.abstractmethod
    async def acquire(self, name: str) -> bool:
        """True if this process leads `name` now (taking the lead when it is free)."""

    @abc.abstractmethod
    async def release(self, name: str) -> None:
        """Give up leading `name` (no-op when not leading)."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Give up everything."""


class AlwaysLeader(Leadership):
    async def acquire(self, name: str) -> bool:
        return True

    async def release(self, name: str) -> None:
        return None

    async def close(self) -> None:
        return None


class PostgresLeadership(Leadership):
    """Advisory locks on one dedicated connection (outside the pool the passes use)."""

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        self.url = url
        self.timeout = timeout
        self._engine: AsyncEngine | None = None
        self._conn: AsyncConnection | None = None
        self._held: set[str] = set()
        # service loops share the connection; one statement at a time on it
        self._lock = asyncio.Lock()

    async def _connection(self) -> AsyncConnection:
        if self._conn is None:
            from sqlalchemy.ext.asyncio import create_async_engine
            from sqlalchemy.pool import NullPool

            if self._engine is None:
                self._engine = create_async_engine(
                    self.url,
                    poolclass=NullPool,
                    isolation_level="AUTOCOMMIT",
                    connect_args={"timeout": self.timeout, "command_timeout": self.timeout},
                )
            self._conn = await self._engine.connect()
        return self._conn

    async def _drop(self) -> None:
        """Forget the connection (and so every lock: the server frees them with it)."""
        conn, self._conn = self._conn, None
        self._held.clear()
        if conn is not None:
            try:
                await conn.close()
            except Exception:
                await conn.invalidate()

    async def acquire(self, name: str) -> bool:
        async with self._lock:
            try:
                conn = await self._connection()
                if name in self._held:
                    # still connected means still holding the lock
                    await conn.execute(sa.text("SELECT 1"))
                    return True
                result = await conn.execute(
                    sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": advisory_key(name)}
                )
                if result.scalar():
                    self._held.add(name)
                    return True
                return False
            except Exception as exc:
                if self._held:
                    logger.warning("leadership connection lost (%s); leading nothing now", exc)
                await self._drop()
                return False

    async def release(self, name: str) -> None:
        async with self._lock:
            if name not in self._held or self._conn is None:
                return
            self._held.discard(name)
            try:
                await self._conn.execute(
                    sa.text("SELECT pg_advisory_unlock(:key)"), {"key": advisory_key(name)}
                )
            except Exception:
                await self._drop()

    async def close(self) -> None:
        async with self._lock:
            await self._drop()
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None


class FileLeadership(Leadership):
    """An exclusive flock per service on `<database file>.<service>.lock`."""

    def __init__(self, database_file: Path) -> None:
        self.database_file = database_file
        self._fds: dict[str, int] = {}

    def path_for(self, name: str) -> Path:
        return self.database_file.with_name(f"{self.database_file.name}.{name}.lock")

    async def acquire(self, name: str) -> bool:
        if name in self._fds:
            return True
        import fcntl

        fd = os.open(self.path_for(name), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fds[name] = fd
        return True

    async def release(self, name: str) -> None:
        fd = self._fds.pop(name, None)
        if fd is not None:
            # closing the descriptor drops the flock
            os.close(fd)

    async def close(self) -> None:
        for name in list(self._fds):
            await self.release(name)


def leadership_for(db: Database, **options: Any) -> Leadership:
    """The election that fits `db`'s backend (see the module docstring)."""
    if db.dialect == "postgresql":
        return PostgresLeadership(db.url, **options)
    database = make_url(db.url).database or ""
    if database in ("", ":memory:") or database.startswith("file:") or os.name != "posix":
        return AlwaysLeader()
    return FileLeadership(Path(database).expanduser().resolve())
