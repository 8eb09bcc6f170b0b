"""Fill a store with many flow runs and their task runs, to measure the console and the API
at scale.

    .venv/bin/python scripts/seed_runs.py --runs 1000000 --task-runs 10 \
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/prefect_scale

Writes flows, two deployments per flow (in one work pool with two queues), flow runs and
task runs with one state row each, straight into the tables (in chunks, one transaction
each), with a realistic mix of states: finished runs over the last 30 days, Running ones
in the last two hours, Late ones in the last day and Scheduled ones in the next week.
`--task-runs` is the average number of task runs per flow run; runs that never started
have none, and the last task run of a run that did not complete shares its state. The
store is migrated first. Not for production data: it is a load generator.

On PostgreSQL the rows are made by the server (`seed_runs_pg`: INSERT ... SELECT from
generate_series), and the run tables' indexes other than keys are dropped first and
rebuilt at the end (`--keep-indexes` to maintain them row by row instead), so millions
take minutes; on SQLite the rows are made here, in Python.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from prefect._time import now
from prefect_server.database import orm
from prefect_server.database.engine import Database
from prefect_server.database.migrate import migrate
from prefect_server.database.orm_deployments import Deployment
from prefect_server.database.orm_work_pools import WorkPool, WorkQueue

# state type, name, share of runs (seed_runs_pg writes the same thresholds in SQL)
MIX = [
    ("COMPLETED", "Completed", 0.80),
    ("FAILED", "Failed", 0.09),
    ("CRASHED", "Crashed", 0.02),
    ("CANCELLED", "Cancelled", 0.02),
    ("RUNNING", "Running", 0.03),
    ("SCHEDULED", "Scheduled", 0.03),
    ("SCHEDULED", "Late", 0.01),
]
STARTED_SHARE = 0.96  # the runs above that are not SCHEDULED
FLOWS = ["etl", "train-model", "nightly-report", "sync-users", "backfill", "score", "export"]
TASKS = ["extract", "transform", "validate", "load", "score-batch", "fetch-page", "notify"]
ADJECTIVES = ["amber", "brisk", "calm", "daring", "eager", "fuzzy", "gentle", "hazy", "icy"]
ANIMALS = ["otter", "heron", "lynx", "marmot", "newt", "orca", "puffin", "quail", "raven"]
TAGS = ["[]", '["prod"]', '["dev"]', '["prod", "nightly"]']
POOL = "seed-pool"
QUEUES = ["default", "high"]
WITH_DEPLOYMENT = 0.7


@dataclass
class Fixtures:
    """The flows, deployments, pool and queues the runs point at."""

    flow_ids: list[uuid.UUID]
    deployment_ids: list[uuid.UUID]  # two per flow, flow-major
    pool: tuple[uuid.UUID, str]
    queues: list[tuple[uuid.UUID, str]]

    def queue_of(self, flow_index: int, which: int) -> tuple[uuid.UUID, str]:
        # as seed_runs_pg: (fi + di) % 2 with a 1-based flow index
        return self.queues[(flow_index + 1 + which) % 2]


def _table(model: type[orm.Base]) -> sa.Table:
    return cast(sa.Table, model.__table__)


async def _get_or_add(
    session: Any, model: type[orm.Base], where: Any, values: dict[str, Any]
) -> uuid.UUID:
    existing = await session.scalar(sa.select(model.id).where(where))
    if existing is not None:
        return cast(uuid.UUID, existing)
    new_id = uuid.uuid4()
    await session.execute(sa.insert(_table(model)), [{"id": new_id, **values}])
    return new_id


async def fixtures(db: Database) -> Fixtures:
    async with db.write() as session:
        pool_id = await _get_or_add(
            session, WorkPool, WorkPool.name == POOL, {"name": POOL, "type": "process"}
        )
        queues = []
        for priority, name in enumerate(QUEUES, start=1):
            queue_id = await _get_or_add(
                session,
                WorkQueue,
                sa.and_(WorkQueue.work_pool_id == pool_id, WorkQueue.name == name),
                {"name": name, "work_pool_id": pool_id, "priority": priority},
            )
            queues.append((queue_id, name))
        await session.execute(
            sa.update(WorkPool).where(WorkPool.id == pool_id).values(default_queue_id=queues[0][0])
        )
        flow_ids, deployment_ids = [], []
        for index, name in enumerate(FLOWS):
            flow_id = await _get_or_add(session, orm.Flow, orm.Flow.name == name, {"name": name})
            flow_ids.append(flow_id)
            for which, deployment in enumerate(["hourly", "on-demand"]):
                queue_id, queue_name = queues[(index + 1 + which) % 2]
                deployment_ids.append(
                    await _get_or_add(
                        session,
                        Deployment,
                        sa.and_(Deployment.flow_id == flow_id, Deployment.name == deployment),
                        {
                            "name": deployment,
                            "flow_id": flow_id,
                            "work_queue_id": queue_id,
                            "work_queue_name": queue_name,
                            "entrypoint": f"flows/{name}.py:main",
                        },
                    )
                )
    return Fixtures(flow_ids, deployment_ids, (pool_id, POOL), queues)


# -- SQLite: rows made in Python ----------------------------------------------------------


def _expected(state_name: str, t_now: datetime, rng: random.Random) -> datetime:
    spans = {"Scheduled": -7 * 86400, "Late": 86400, "Running": 7200}
    span = spans.get(state_name, 30 * 86400)
    return t_now - timedelta(seconds=rng.uniform(0, abs(span)) * (1 if span > 0 else -1))


def _flow_rows(
    count: int, fx: Fixtures, rng: random.Random, t_now: datetime
) -> tuple[list[Any], list[Any]]:
    runs: list[dict[str, Any]] = []
    states: list[dict[str, Any]] = []
    types = [m[:2] for m in MIX]
    weights = [m[2] for m in MIX]
    for _ in range(count):
        run_id, state_id = uuid.uuid4(), uuid.uuid4()
        state_type, state_name = rng.choices(types, weights)[0]
        expected = _expected(state_name, t_now, rng)
        duration = timedelta(seconds=rng.expovariate(1 / 120))
        started = state_type != "SCHEDULED"
        finished = state_type not in {"SCHEDULED", "RUNNING"}
        start = expected + timedelta(seconds=rng.uniform(0, 5)) if started else None
        end = start + duration if (finished and start) else None
        flow_index, which = rng.randrange(len(fx.flow_ids)), rng.randrange(2)
        # every row names the same columns: an executemany binds them all
        placed: dict[str, Any] = dict.fromkeys(
            ["deployment_id", "work_queue_id", "work_queue_name", "work_pool_id", "work_pool_name"]
        )
        placed["auto_scheduled"] = False
        if rng.random() < WITH_DEPLOYMENT:
            queue_id, queue_name = fx.queue_of(flow_index, which)
            placed = {
                "deployment_id": fx.deployment_ids[flow_index * 2 + which],
                "work_queue_id": queue_id,
                "work_queue_name": queue_name,
                "work_pool_id": fx.pool[0],
                "work_pool_name": fx.pool[1],
                "auto_scheduled": state_type == "SCHEDULED",
            }
        runs.append(
            {
                "id": run_id,
                "name": f"{rng.choice(ADJECTIVES)}-{rng.choice(ANIMALS)}-{rng.randrange(10**6)}",
                "flow_id": fx.flow_ids[flow_index],
                "state_id": state_id,
                "state_type": state_type,
                "state_name": state_name,
                "tags": rng.choice([[], ["prod"], ["dev"], ["prod", "nightly"]]),
                "run_count": 1 if started else 0,
                "expected_start_time": expected,
                "next_scheduled_start_time": None if started else expected,
                "start_time": start,
                "end_time": end,
                "total_run_time": duration if finished else timedelta(0),
                "parameters": {},
                "created": min(expected, t_now),
                "updated": min(end or expected, t_now),
                **placed,
            }
        )
        states.append(
            {
                "id": state_id,
                "flow_run_id": run_id,
                "type": state_type,
                "name": state_name,
                "timestamp": min(end or start or expected, t_now),
                "state_details": {"flow_run_id": str(run_id)},
            }
        )
    return runs, states


def _task_rows(
    flow_runs: list[dict[str, Any]], per_run: float, rng: random.Random, t_now: datetime
) -> tuple[list[Any], list[Any]]:
    runs: list[dict[str, Any]] = []
    states: list[dict[str, Any]] = []
    spread = int(2 * per_run / STARTED_SHARE + 1)
    for flow_run in flow_runs:
        start: datetime | None = flow_run["start_time"]
        if start is None:
            continue
        n = rng.randrange(spread)
        until = flow_run["end_time"] or t_now
        for i in range(n):
            last = i == n - 1 and flow_run["state_type"] != "COMPLETED"
            task = TASKS[i % len(TASKS)]
            cached = rng.random() < 0.05
            state_type = flow_run["state_type"] if last else "COMPLETED"
            state_name = flow_run["state_name"] if last else ("Cached" if cached else "Completed")
            t_start = start + (until - start) * (i / n)
            t_end = None if state_type == "RUNNING" else start + (until - start) * ((i + 1) / n)
            run_id, state_id = uuid.uuid4(), uuid.uuid4()
            runs.append(
                {
                    "id": run_id,
                    "flow_run_id": flow_run["id"],
                    "name": f"{task}-{i}",
                    "task_key": f"{task}-seed",
                    "dynamic_key": str(i),
                    "flow_run_run_count": flow_run["run_count"],
                    "state_id": state_id,
                    "state_type": state_type,
                    "state_name": state_name,
                    "run_count": 1,
                    "expected_start_time": t_start,
                    "start_time": t_start,
                    "end_time": t_end,
                    "total_run_time": (t_end - t_start) if t_end else timedelta(0),
                    "created": t_start,
                    "updated": t_end or t_start,
                }
            )
            states.append(
                {
                    "id": state_id,
                    "task_run_id": run_id,
                    "type": state_type,
                    "name": state_name,
                    "timestamp": t_end or t_start,
                    "state_details": {
                        "task_run_id": str(run_id),
                        "flow_run_id": str(flow_run["id"]),
                    },
                }
            )
    return runs, states


async def _chunk_python(
    db: Database, n: int, fx: Fixtures, per_run: float, rng: random.Random, t_now: datetime
) -> int:
    runs, states = _flow_rows(n, fx, rng, t_now)
    task_runs, task_states = _task_rows(runs, per_run, rng, t_now)
    async with db.write() as session:
        await session.execute(sa.insert(_table(orm.FlowRun)), runs)
        await session.execute(sa.insert(_table(orm.FlowRunState)), states)
        if task_runs:
            await session.execute(sa.insert(_table(orm.TaskRun)), task_runs)
            await session.execute(sa.insert(_table(orm.TaskRunState)), task_states)
    return len(task_runs)


async def _chunk_postgres(
    db: Database, n: int, fx: Fixtures, per_run: float, t_now: datetime
) -> int:
    import seed_runs_pg

    async with db.write() as session:
        await session.execute(sa.text("SET LOCAL synchronous_commit = off"))
        ids = await seed_runs_pg.flow_runs_chunk(
            session,
            chunk=n,
            now=t_now,
            flow_ids=fx.flow_ids,
            deployment_ids=fx.deployment_ids,
            pool=fx.pool,
            queues=fx.queues,
            with_deployment=WITH_DEPLOYMENT,
            names=(ADJECTIVES, ANIMALS),
            tags=TAGS,
        )
        if per_run <= 0:
            return 0
        return await seed_runs_pg.task_runs_chunk(
            session, flow_run_ids=ids, per_run=per_run / STARTED_SHARE, now=t_now, tasks=TASKS
        )


async def seed(
    url: str, total: int, per_run: float, chunk: int, seed_value: int, defer: bool
) -> None:
    db = Database(url)
    started = time.perf_counter()
    try:
        await migrate(db)
        fx = await fixtures(db)
        if db.dialect != "postgresql" or not defer:
            await _seed_rows(db, fx, total, per_run, chunk, seed_value)
            if db.dialect == "postgresql":
                await _analyze(db)
            print(f"seeded in {time.perf_counter() - started:,.1f} s", file=sys.stderr)
            return
        import seed_runs_pg

        async with db.write() as session:
            definitions = await seed_runs_pg.drop_secondary_indexes(session)
        try:
            await _seed_rows(db, fx, total, per_run, chunk, seed_value)
        finally:
            rebuilt = time.perf_counter()
            try:
                async with db.write() as session:
                    await seed_runs_pg.create_indexes(session, definitions)
            except BaseException:
                print("could not rebuild the indexes; their definitions:", file=sys.stderr)
                print(";\n".join(definitions) + ";", file=sys.stderr)
                raise
            spent = time.perf_counter() - rebuilt
            print(f"{len(definitions)} indexes rebuilt in {spent:,.1f} s", file=sys.stderr)
        await _analyze(db)
        print(f"seeded in {time.perf_counter() - started:,.1f} s", file=sys.stderr)
    finally:
        await db.dispose()


async def _analyze(db: Database) -> None:
    # fresh statistics, so that the first plans see the new sizes
    started = time.perf_counter()
    async with db.engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        for table in ("flow_run", "flow_run_state", "task_run", "task_run_state"):
            await autocommit.execute(sa.text(f"VACUUM ANALYZE {table}"))
    print(f"vacuumed and analyzed in {time.perf_counter() - started:,.1f} s", file=sys.stderr)


async def _seed_rows(
    db: Database, fx: Fixtures, total: int, per_run: float, chunk: int, seed_value: int
) -> None:
    rng = random.Random(seed_value)
    t_now = now()
    started = time.perf_counter()
    done = tasks = 0
    while done < total:
        n = min(chunk, total - done)
        if db.dialect == "postgresql":
            tasks += await _chunk_postgres(db, n, fx, per_run, t_now)
        else:
            tasks += await _chunk_python(db, n, fx, per_run, rng, t_now)
        done += n
        elapsed = time.perf_counter() - started
        print(
            f"\r{done:>10,} flow runs, {tasks:>11,} task runs in {elapsed:,.0f} s"
            f" ({(done + tasks) / elapsed:,.0f} runs/s)",
            end="",
            file=sys.stderr,
            flush=True,
        )
    print(file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--task-runs", type=float, default=10.0, help="average per flow run")
    parser.add_argument("--chunk", type=int, default=None, help="flow runs per transaction")
    parser.add_argument("--seed", type=int, default=7, help="random seed (SQLite path)")
    parser.add_argument("--database-url", help="default: PREFECT_SERVER_DATABASE_CONNECTION_URL")
    parser.add_argument(
        "--keep-indexes",
        action="store_true",
        help="PostgreSQL: maintain every index while seeding, instead of rebuilding them after",
    )
    args = parser.parse_args()
    if args.database_url is None:
        from prefect.settings import get_current_settings

        args.database_url = get_current_settings().server_database_connection_url
    if args.runs < 0 or args.task_runs < 0:
        parser.error("--runs and --task-runs must be 0 or more")
    chunk = args.chunk or (20_000 if "postgres" in args.database_url else 2_000)
    asyncio.run(
        seed(args.database_url, args.runs, args.task_runs, chunk, args.seed, not args.keep_indexes)
    )


if __name__ == "__main__":
    main()
