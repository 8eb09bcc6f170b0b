"""The store's engine: URLs, timezone-aware datetimes, and SQLite under concurrent writers."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from prefect_server.database.engine import Database, normalize_url
from prefect_server.database.orm import Log


def test_normalize_url() -> None:
    assert normalize_url("sqlite:////tmp/x.db") == "sqlite+aiosqlite:////tmp/x.db"
    assert normalize_url("postgresql://u:p@h/db") == "postgresql+asyncpg://u:p@h/db"
    assert normalize_url("postgresql+asyncpg://u@h/db") == "postgresql+asyncpg://u@h/db"


async def test_datetimes_come_back_utc_aware(api, database_url: str) -> None:
    from datetime import timedelta, timezone

    local = datetime(2024, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    body = [{"name": "n", "level": 20, "message": "m", "timestamp": local.isoformat()}]
    assert (await api.post("/logs/", json=body)).status_code == 201
    db = Database(database_url)
    try:
        async with db.read() as session:
            stamp = (await session.execute(sa.select(Log.timestamp))).scalar_one()
    finally:
        await db.dispose()
    assert stamp.tzinfo is not None and stamp.utcoffset() == timedelta(0)
    assert stamp == local and stamp == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


async def test_sqlite_pragmas(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'p.db'}", timeout=7)
    try:
        async with db.engine.connect() as conn:
            mode = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
            busy = (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar()
            fks = (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar()
        assert (mode, busy, fks) == ("wal", 7000, 1)
    finally:
        await db.dispose()


WRITER = textwrap.dedent(
    """
    import asyncio, sys, uuid
    import httpx
    from prefect_server.embedded import open_embedded_app

    async def main(url, worker):
        failures = []
        async with open_embedded_app(url) as app:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t/api") as c:
                flow = (await c.post("/flows/", json={"name": "shared"})).json()
                for i in range(15):
                    r = await c.post("/flow_runs/", json={"flow_id": flow["id"]})
                    if r.status_code != 201:
                        failures.append(r.text); continue
                    run = r.json()["id"]
                    for t in ("RUNNING", "COMPLETED"):
                        r = await c.post(f"/flow_runs/{run}/set_state",
                                         json={"state": {"type": t}})
                        if r.status_code != 201:
                            failures.append(r.text)
                    reports = [{"task_run": {"id": str(uuid.uuid4()), "flow_run_id": run,
                                "task_key": "k", "dynamic_key": str(j)}, "states": []}
                               for j in range(20)]
                    r = await c.post("/task_runs/report", json=reports)
                    if r.status_code != 200:
                        failures.append(r.text)
                    r = await c.post("/logs/", json=[{"name": "w", "level": 20,
                                     "message": f"{worker}-{i}", "flow_run_id": run}])
                    if r.status_code != 201:
                        failures.append(r.text)
        if failures:
            print("\\n".join(failures[:5]), file=sys.stderr)
            sys.exit(1)

    asyncio.run(main(sys.argv[1], sys.argv[2]))
    """
)


async def test_concurrent_writer_processes_on_one_sqlite_file(tmp_path: Path) -> None:
    """Several processes start on a fresh file and write at once: nothing fails."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    workers = 6
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, url, str(n)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(workers)
    ]
    outcomes = [(p.wait(timeout=240), p.stderr.read() if p.stderr else "") for p in procs]
    for proc in procs:
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()
    for code, err in outcomes:
        assert code == 0, err
        assert "database is locked" not in err

    db = Database(url)
    try:
        async with db.read() as session:
            counts = [
                (await session.execute(sa.text(f"SELECT count(*) FROM {table}"))).scalar()
                for table in ("flow", "flow_run", "flow_run_state", "task_run", "log")
            ]
    finally:
        await db.dispose()
    runs = workers * 15
    assert counts == [1, runs, runs * 3, runs * 20, runs]
