"""The console's list and count queries against a large store, through the real API routes.

    .venv/bin/python scripts/seed_runs.py --runs 1000000 --task-runs 10 \
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/prefect_scale
    .venv/bin/python tests/bench/bench_scale.py \
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/prefect_scale

The app runs in this process and is called over httpx's ASGI transport, so each figure
is a whole request (validation, SQL, serialisation) without a network in between. Every
body is one the TUI or the CLI sends (see `prefect_console.ops` and the TUI screens),
or a Prefect client's `/paginate` and `/count`, with limit 200 where the console lists.
Each query runs `--repeat` times after a warm-up, with its ids varied between repeats,
and prints p50/p95 in milliseconds and the rows it returned. The store is not migrated
(so a store can be measured before and after a migration); its revision is printed.
`--explain NAME` prints PostgreSQL's EXPLAIN ANALYZE of that query's SQL instead.
`--freeze-gc` freezes the warmed-up heap first (`gc.freeze()`): without it, Python's
full collections over the app's large heap add ~0.1 s to about one request in ten,
which shows in every p95.
Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

Body = dict[str, Any]


@dataclass
class Sample:
    """What the queries draw their ids from, read once from the store."""

    now: datetime
    flow_ids: list[str]
    flow_names: list[str]
    deployment_ids: list[str]
    flow_run_ids: list[str]  # runs that started, so they have task runs
    task_run_ids: list[str]
    pool_names: list[str]
    queue_names: list[str]


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _types(*names: str) -> Body:
    return {"type": {"any_": list(names)}}


def queries(s: Sample) -> dict[str, tuple[str, Callable[[random.Random], Body]]]:
    """name -> (route, body for a draw); the console's bodies, with their sorts."""
    newest = "EXPECTED_START_TIME_DESC"
    hour = timedelta(hours=1)

    def pick(rng: random.Random, values: list[str]) -> str:
        return rng.choice(values)

    def hour_window(rng: random.Random) -> Body:
        # one of the dashboard's last twelve hours
        start = s.now - hour * rng.randint(1, 12)
        return {"after_": _iso(start), "before_": _iso(start + hour)}

    def day_window(rng: random.Random) -> Body:
        start = s.now - timedelta(days=rng.uniform(1, 29))
        return {"after_": _iso(start), "before_": _iso(start + timedelta(days=1))}

    return {
        # TUI flow-runs screen (its server sorts) and `prefect flow-run ls`
        "fr newest": ("/flow_runs/filter", lambda r: {"sort": newest, "limit": 200}),
        "fr oldest": (
            "/flow_runs/filter",
            lambda r: {"sort": "EXPECTED_START_TIME_ASC", "limit": 200},
        ),
        "fr name asc": ("/flow_runs/filter", lambda r: {"sort": "NAME_ASC", "limit": 200}),
        "fr start desc": ("/flow_runs/filter", lambda r: {"sort": "START_TIME_DESC", "limit": 200}),
        "fr end desc": ("/flow_runs/filter", lambda r: {"sort": "END_TIME_DESC", "limit": 200}),
        "fr id desc (default)": ("/flow_runs/filter", lambda r: {"limit": 200}),
        # `flow-run ls --state-type`, the dashboard's failures
        "fr state failed": (
            "/flow_runs/filter",
            lambda r: {
                "flow_runs": {"state": _types("FAILED", "CRASHED")},
                "sort": newest,
                "limit": 200,
            },
        ),
        "fr state running": (
            "/flow_runs/filter",
            lambda r: {"flow_runs": {"state": _types("RUNNING")}, "sort": newest, "limit": 200},
        ),
        "fr state name Late": (
            "/flow_runs/filter",
            lambda r: {
                "flow_runs": {"state": {"name": {"any_": ["Late"]}}},
                "sort": newest,
                "limit": 200,
            },
        ),
        # `flow-run ls --flow-name`, with and without a state
        "fr flow name": (
            "/flow_runs/filter",
            lambda r: {
                "flows": {"name": {"any_": [pick(r, s.flow_names)]}},
                "sort": newest,
                "limit": 200,
            },
        ),
        "fr flow id + failed": (
            "/flow_runs/filter",
            lambda r: {
                "flows": {"id": {"any_": [pick(r, s.flow_ids)]}},
                "flow_runs": {"state": _types("FAILED")},
                "sort": newest,
                "limit": 200,
            },
        ),
        "fr start_time day": (
            "/flow_runs/filter",
            lambda r: {
                "flow_runs": {"start_time": day_window(r)},
                "sort": "START_TIME_DESC",
                "limit": 200,
            },
        ),
        "fr expected day + completed": (
            "/flow_runs/filter",
            lambda r: {
                "flow_runs": {"expected_start_time": day_window(r), "state": _types("COMPLETED")},
                "sort": newest,
                "limit": 200,
            },
        ),
        # the dashboard's late and upcoming lists
        "fr late (dashboard)": (
            "/flow_runs/filter",
            lambda r: {
                "flow_runs": {
                    "state": _types("SCHEDULED"),
                    "expected_start_time": {"before_": _iso(s.now)},
                },
                "sort": "EXPECTED_START_TIME_ASC",
                "limit": 20,
            },
        ),
        "fr upcoming (dashboard)": (
            "/flow_runs/filter",
            lambda r: {
                "flow_runs": {
                    "deployment_id": {"is_null_": False},
                    "state": _types("SCHEDULED"),
                    "expected_start_time": {"after_": _iso(s.now)},
                },
                "sort": "EXPECTED_START_TIME_ASC",
                "limit": 20,
            },
        ),
        # a deployment's recent runs (`deployment inspect`), and the body-level filters
        "fr deployment recent": (
            "/flow_runs/filter",
            lambda r: {
                "flow_runs": {
                    "deployment_id": {"any_": [pick(r, s.deployment_ids)]},
                    "expected_start_time": {"before_": _iso(s.now)},
                },
                "sort": newest,
                "limit": 200,
            },
        ),
        "fr deployments filter": (
            "/flow_runs/filter",
            lambda r: {
                "deployments": {"id": {"any_": [pick(r, s.deployment_ids)]}},
                "sort": newest,
                "limit": 200,
            },
        ),
        "fr work pool filter": (
            "/flow_runs/filter",
            lambda r: {
                "work_pools": {"name": {"any_": s.pool_names}},
                "sort": newest,
                "limit": 200,
            },
        ),
        # subflows of a run (`ops.subflows`): runs whose parent task run is one of its own
        "fr subflows of run": (
            "/flow_runs/filter",
            lambda r: {
                "flow_runs": {"parent_task_run_id": {"any_": r.sample(s.task_run_ids, 20)}},
                "sort": "EXPECTED_START_TIME_ASC",
                "limit": 200,
            },
        ),
        "fr paginate p1": ("/flow_runs/paginate", lambda r: {"sort": newest, "limit": 200}),
        "fr paginate p50": (
            "/flow_runs/paginate",
            lambda r: {"sort": newest, "limit": 200, "page": 50},
        ),
        # task runs: of one flow run (TUI run screen, `flow-run inspect`), newest, by state
        "tr of flow run": (
            "/task_runs/filter",
            lambda r: {
                "flow_runs": {"id": {"any_": [pick(r, s.flow_run_ids)]}},
                "sort": "EXPECTED_START_TIME_ASC",
                "limit": 200,
            },
        ),
        "tr of flow run (flow_run_id)": (
            "/task_runs/filter",
            lambda r: {
                "task_runs": {"flow_run_id": {"any_": [pick(r, s.flow_run_ids)]}},
                "sort": "EXPECTED_START_TIME_ASC",
                "limit": 200,
            },
        ),
        "tr newest": ("/task_runs/filter", lambda r: {"sort": newest, "limit": 200}),
        "tr end desc": ("/task_runs/filter", lambda r: {"sort": "END_TIME_DESC", "limit": 200}),
        "tr state failed": (
            "/task_runs/filter",
            lambda r: {"task_runs": {"state": _types("FAILED")}, "sort": newest, "limit": 200},
        ),
        "tr flow name": (
            "/task_runs/filter",
            lambda r: {
                "flows": {"name": {"any_": [pick(r, s.flow_names)]}},
                "sort": newest,
                "limit": 200,
            },
        ),
        "tr paginate p1": ("/task_runs/paginate", lambda r: {"sort": newest, "limit": 200}),
        # counts: everything, the dashboard's per-hour counts, a pool's due runs
        "count fr all": ("/flow_runs/count", lambda r: {}),
        "count fr completed": (
            "/flow_runs/count",
            lambda r: {"flow_runs": {"state": _types("COMPLETED")}},
        ),
        "count fr hour (dashboard)": (
            "/flow_runs/count",
            lambda r: {
                "flow_runs": {"state": _types("COMPLETED"), "expected_start_time": hour_window(r)}
            },
        ),
        "count fr due (work pool)": (
            "/flow_runs/count",
            lambda r: {
                "flow_runs": {
                    "deployment_id": {"any_": s.deployment_ids},
                    "work_queue_name": {"any_": [pick(r, s.queue_names)]},
                    "state": _types("SCHEDULED"),
                    "expected_start_time": {"before_": _iso(s.now)},
                }
            },
        ),
        "count tr all": ("/task_runs/count", lambda r: {}),
        "count tr completed": (
            "/task_runs/count",
            lambda r: {"task_runs": {"state": _types("COMPLETED")}},
        ),
        "count tr of flow run": (
            "/task_runs/count",
            lambda r: {"flow_runs": {"id": {"any_": [pick(r, s.flow_run_ids)]}}},
        ),
        "history 24h hourly": (
            "/flow_runs/history",
            lambda r: {
                "history_start": _iso(s.now - timedelta(days=1)),
                "history_end": _iso(s.now),
                "history_interval_seconds": 3600,
            },
        ),
    }


async def _spread_ids(session: Any, table: Any, count: int, *where: Any) -> list[str]:
    """`count` ids spread over the table: the first at or after each of random UUIDs (an
    index lookup each, so a large table is not read)."""
    import sqlalchemy as sa

    rng = random.Random(3)
    found: set[str] = set()
    for _ in range(count):
        start = uuid.UUID(int=rng.getrandbits(128))
        stmt = sa.select(table.c.id).where(table.c.id >= start, *where).order_by(table.c.id)
        value = (await session.execute(stmt.limit(1))).scalar()
        if value is not None:
            found.add(str(value))
    return sorted(found)


async def read_sample(db: Any) -> Sample:
    import sqlalchemy as sa
    from prefect_server.database import orm

    runs, tasks = orm.FlowRun.__table__, orm.TaskRun.__table__
    async with db.read() as session:

        async def column(sql: str) -> list[str]:
            return [str(v) for v in (await session.execute(sa.text(sql))).scalars()]

        flow_run_ids = await _spread_ids(session, runs, 50, runs.c.start_time.is_not(None))
        task_run_ids = await _spread_ids(session, tasks, 50)
        return Sample(
            now=datetime.now(UTC),
            flow_ids=await column("SELECT id FROM flow"),
            flow_names=await column("SELECT name FROM flow"),
            deployment_ids=await column("SELECT id FROM deployment") or [str(uuid.uuid4())],
            flow_run_ids=flow_run_ids or [str(uuid.uuid4())],
            task_run_ids=task_run_ids or [str(uuid.uuid4())],
            pool_names=await column("SELECT name FROM work_pool") or ["none"],
            queue_names=await column("SELECT DISTINCT name FROM work_queue") or ["default"],
        )


async def store_size(db: Any) -> dict[str, int]:
    import sqlalchemy as sa

    out: dict[str, int] = {}
    async with db.read() as session:
        for table in ("flow_run", "task_run"):
            if db.dialect == "postgresql":
                sql = f"SELECT reltuples::bigint FROM pg_class WHERE relname = '{table}'"
            else:
                sql = f"SELECT count(*) FROM {table}"
            out[table] = int((await session.execute(sa.text(sql))).scalar_one())
    return out


def _rows(answer: Any) -> int:
    if isinstance(answer, list):
        return len(answer)
    if isinstance(answer, dict) and "results" in answer:
        return len(answer["results"])
    if isinstance(answer, int):
        return answer
    return 1


async def measure(
    client: httpx.AsyncClient, route: str, body: Callable[[random.Random], Body], repeat: int
) -> tuple[list[float], int]:
    rng = random.Random(1)
    seen = 0
    for _ in range(2):  # warm-up: plans cached, pages in memory
        response = await client.post(f"/api{route}", json=body(rng))
        response.raise_for_status()
    times: list[float] = []
    for _ in range(repeat):
        payload = body(rng)
        started = time.perf_counter()
        response = await client.post(f"/api{route}", json=payload)
        times.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        seen = _rows(response.json())
    return times, seen


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


async def explain(db: Any, name: str, sample: Sample) -> None:
    """EXPLAIN ANALYZE of the statements a query runs, logged as the engine sends them."""
    import logging

    from prefect_server.app import build_app

    route, body = queries(sample)[name]
    statements: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        statements.append((statement, params))

    import sqlalchemy as sa

    sa.event.listen(db.engine.sync_engine, "before_cursor_execute", capture)
    transport = httpx.ASGITransport(app=build_app(db))
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        (await client.post(f"/api{route}", json=body(random.Random(1)))).raise_for_status()
    sa.event.remove(db.engine.sync_engine, "before_cursor_execute", capture)
    logging.disable()
    async with db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        for statement, params in statements:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            plan = await driver.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", *params)
            print(statement.strip()[:2000], "\n")
            print("\n".join(row[0] for row in plan), "\n")


async def main_async(args: argparse.Namespace) -> None:
    from prefect_server.app import build_app
    from prefect_server.database.engine import Database
    from prefect_server.database.migrate import current_revision

    db = Database(args.database_url)
    try:
        sample = await read_sample(db)
        if args.explain:
            await explain(db, args.explain, sample)
            return
        size = await store_size(db)
        print(
            f"store: {args.database_url.rsplit('@', 1)[-1]}, revision {await current_revision(db)}"
            f", ~{size['flow_run']:,} flow runs, ~{size['task_run']:,} task runs"
        )
        print(f"{'query':32} {'p50 ms':>9} {'p95 ms':>9} {'rows':>9}")
        results: dict[str, dict[str, float]] = {}
        transport = httpx.ASGITransport(app=build_app(db))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", timeout=120
        ) as client:
            if args.freeze_gc:
                # the app's modules and caches loaded, then kept out of the collector's
                # full passes, which otherwise pause a request now and then (~0.1 s)
                await client.post("/api/flow_runs/filter", json={"limit": 1})
                gc.collect()
                gc.freeze()
            for name, (route, body) in queries(sample).items():
                if args.only and not any(part in name for part in args.only):
                    continue
                times, rows = await measure(client, route, body, args.repeat)
                p50, p95 = statistics.median(times), _pct(times, 0.95)
                results[name] = {"p50": p50, "p95": p95, "rows": rows}
                print(f"{name:32} {p50:9.1f} {p95:9.1f} {rows:9,}", flush=True)
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=1))
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/prefect_scale"
    )
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--only", nargs="*", help="run only queries whose name contains one")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--explain", metavar="NAME", help="EXPLAIN ANALYZE one query")
    parser.add_argument(
        "--freeze-gc", action="store_true", help="gc.freeze() the warmed-up process first"
    )
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
