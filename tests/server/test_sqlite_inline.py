"""SQLite statements on the event loop: waiting for the write lock never blocks the loop.

The store runs SQLite inline (`prefect_server.database.sqlite_inline`); a writer that
finds the database locked, by another connection of this process or by another process,
waits asynchronously and proceeds once the lock is free, or fails with "database is
locked" once the busy timeout has passed.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from prefect_server.database import engine as engine_module
from prefect_server.database.engine import Database
from prefect_server.database.migrate import migrate
from prefect_server.database.orm import Flow
from prefect_server.database.sqlite_inline import InlineConnection, _may_wait


async def _ticking(stop: asyncio.Event, ticks: list[float]) -> None:
    while not stop.is_set():
        ticks.append(time.monotonic())
        await asyncio.sleep(0.005)


def _ticks_between(ticks: list[float], start: float, end: float) -> int:
    return sum(1 for tick in ticks if start <= tick <= end)


async def test_connections_are_inline(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'i.db'}")
    try:
        async with db.engine.connect() as conn:
            raw = await conn.get_raw_connection()
            assert isinstance(raw.driver_connection, InlineConnection)
    finally:
        await db.dispose()


async def test_writer_waits_for_another_writer_of_this_process(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'w.db'}", timeout=5)
    await migrate(db)
    async with db.write() as session:  # the first flush configures the mappers (slow, once)
        session.add(Flow(name="warm-up"))
    stop, ticks = asyncio.Event(), list[float]()
    ticker = asyncio.create_task(_ticking(stop, ticks))
    order: list[str] = []
    moments: dict[str, float] = {}

    async def first() -> None:
        async with db.write() as session:
            session.add(Flow(name="first"))
            await session.flush()
            order.append("first holds the lock")
            await asyncio.sleep(0.3)  # the lock is held across an await
        order.append("first committed")
        moments["committed"] = time.monotonic()

    async def second() -> None:
        await asyncio.sleep(0.05)
        moments["waiting"] = time.monotonic()
        async with db.write() as session:
            session.add(Flow(name="second"))
            await session.flush()  # the transaction begins, and takes the lock, here
            order.append("second has the lock")

    try:
        await asyncio.gather(first(), second())
    finally:
        stop.set()
        await ticker
    assert order == ["first holds the lock", "first committed", "second has the lock"]
    # the loop kept running while the second writer waited (a tick every 5 ms or so)
    assert _ticks_between(ticks, moments["waiting"], moments["committed"]) >= 10
    async with db.read() as session:
        names = set((await session.execute(sa.select(Flow.name))).scalars())
    assert names == {"warm-up", "first", "second"}
    await db.dispose()


async def test_writer_waits_for_another_process_then_fails_after_the_timeout(
    tmp_path: Path,
) -> None:
    path = tmp_path / "x.db"
    db = Database(f"sqlite:///{path}", timeout=0.5)
    await migrate(db)
    held = threading.Event()
    release = threading.Event()

    def other_process_writer() -> None:
        # a connection of its own, as another process would have
        conn = sqlite3.connect(path, isolation_level=None, timeout=5)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO flow (id, name, tags, labels, created, updated) VALUES"
            " ('0000000000000000000000000000000a', 'other', '[]', '{}',"
            " '2024-01-01 00:00:00.000000', '2024-01-01 00:00:00.000000')"
        )
        held.set()
        release.wait(10)
        conn.execute("COMMIT")
        conn.close()

    thread = threading.Thread(target=other_process_writer)
    thread.start()
    try:
        assert held.wait(5)
        stop, ticks = asyncio.Event(), list[float]()
        ticker = asyncio.create_task(_ticking(stop, ticks))
        started = time.monotonic()
        with pytest.raises(sa.exc.OperationalError, match="database is locked"):
            async with db.write() as session:
                session.add(Flow(name="mine"))
                await session.flush()
        failed = time.monotonic()
        stop.set()
        await ticker
        assert 0.4 < failed - started < 3
        assert _ticks_between(ticks, started, failed) >= 20

        # once the other writer commits, a waiting writer proceeds
        async def commit_soon() -> None:
            await asyncio.sleep(0.2)
            release.set()

        releaser = asyncio.create_task(commit_soon())
        async with db.write() as session:
            session.add(Flow(name="mine"))
        await releaser
    finally:
        release.set()
        thread.join()
    async with db.read() as session:
        names = set((await session.execute(sa.select(Flow.name))).scalars())
    assert names == {"other", "mine"}
    await db.dispose()


async def test_statistics_are_refreshed_every_so_many_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "ANALYZE_EVERY", 3)
    db = Database(f"sqlite:///{tmp_path / 'a.db'}")
    await migrate(db)

    async def has_statistics() -> bool:
        async with db.read() as session:
            found = await session.execute(
                sa.text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            )
            return bool(found.scalar())

    for n in range(2):
        async with db.write() as session:
            session.add(Flow(name=f"f{n}"))
    assert not await has_statistics()
    async with db.write() as session:
        session.add(Flow(name="f2"))
    assert await has_statistics()
    await db.dispose()


@pytest.mark.parametrize(
    ("sql", "may_wait"),
    [
        ("SELECT 1", False),
        ("BEGIN", False),
        ("BEGIN DEFERRED", False),
        ("BEGIN IMMEDIATE", True),
        ("begin exclusive", True),
        ("INSERT INTO t VALUES (1)", True),
        ("  UPDATE t SET a = 1", True),
        ("DELETE FROM t", True),
        ("COMMIT", False),
        ("ROLLBACK TO SAVEPOINT sa_1", False),
        ("SAVEPOINT sa_1", False),
        ("PRAGMA journal_mode", False),
        ("ANALYZE", True),
        ("CREATE TABLE t (a)", True),
    ],
)
def test_statements_that_may_wait_for_the_write_lock(sql: str, may_wait: bool) -> None:
    assert _may_wait(sql) is may_wait
