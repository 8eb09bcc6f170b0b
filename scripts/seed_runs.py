"""Fill a store with many flow runs, to measure the console and the API at scale.

    .venv/bin/python scripts/seed_runs.py --runs 1000000 \
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/prefect_scale

Writes flows, flow runs and one state row per run straight into the tables (in chunks,
one transaction each), spread over the last 30 days with a realistic mix of states. The
store is migrated first. Not for production data: it is a load generator.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
import uuid
from datetime import timedelta
from typing import Any, cast

import sqlalchemy as sa
from prefect._time import now
from prefect_server.database import orm
from prefect_server.database.engine import Database
from prefect_server.database.migrate import migrate

# state type, name, share of runs
MIX = [
    ("COMPLETED", "Completed", 0.80),
    ("FAILED", "Failed", 0.09),
    ("CRASHED", "Crashed", 0.02),
    ("CANCELLED", "Cancelled", 0.02),
    ("RUNNING", "Running", 0.03),
    ("SCHEDULED", "Scheduled", 0.03),
    ("SCHEDULED", "Late", 0.01),
]
FLOWS = ["etl", "train-model", "nightly-report", "sync-users", "backfill", "score", "export"]
ADJECTIVES = ["amber", "brisk", "calm", "daring", "eager", "fuzzy", "gentle", "hazy", "icy"]
ANIMALS = ["otter", "heron", "lynx", "marmot", "newt", "orca", "puffin", "quail", "raven"]


def _table(model: type[orm.Base]) -> sa.Table:
    return cast(sa.Table, model.__table__)


def _rows(count: int, flow_ids: list[uuid.UUID], rng: random.Random) -> tuple[list[Any], list[Any]]:
    runs: list[dict[str, Any]] = []
    states: list[dict[str, Any]] = []
    types = [m[:2] for m in MIX]
    weights = [m[2] for m in MIX]
    t_now = now()
    for _ in range(count):
        run_id, state_id = uuid.uuid4(), uuid.uuid4()
        state_type, state_name = rng.choices(types, weights)[0]
        expected = t_now - timedelta(seconds=rng.uniform(0, 30 * 86400))
        duration = timedelta(seconds=rng.expovariate(1 / 120))
        started = state_type not in {"SCHEDULED"}
        finished = state_type not in {"SCHEDULED", "RUNNING"}
        start = expected + timedelta(seconds=rng.uniform(0, 5)) if started else None
        end = start + duration if (finished and start) else None
        runs.append(
            {
                "id": run_id,
                "name": f"{rng.choice(ADJECTIVES)}-{rng.choice(ANIMALS)}-{rng.randrange(10**6)}",
                "flow_id": rng.choice(flow_ids),
                "state_id": state_id,
                "state_type": state_type,
                "state_name": state_name,
                "tags": rng.choice([[], ["prod"], ["dev"], ["prod", "nightly"]]),
                "run_count": 1 if started else 0,
                "expected_start_time": expected,
                "start_time": start,
                "end_time": end,
                "total_run_time": duration if finished else timedelta(0),
                "parameters": {},
                "created": expected,
                "updated": end or expected,
            }
        )
        states.append(
            {
                "id": state_id,
                "flow_run_id": run_id,
                "type": state_type,
                "name": state_name,
                "timestamp": end or start or expected,
                "state_details": {"flow_run_id": str(run_id)},
            }
        )
    return runs, states


async def seed(url: str, total: int, chunk: int, seed_value: int) -> None:
    rng = random.Random(seed_value)
    db = Database(url)
    try:
        await migrate(db)
        async with db.write() as session:
            flow_ids = []
            for name in FLOWS:
                existing = await session.scalar(sa.select(orm.Flow.id).where(orm.Flow.name == name))
                if existing is None:
                    existing = uuid.uuid4()
                    await session.execute(
                        sa.insert(_table(orm.Flow)), [{"id": existing, "name": name}]
                    )
                flow_ids.append(existing)
        started = time.perf_counter()
        done = 0
        while done < total:
            n = min(chunk, total - done)
            runs, states = _rows(n, flow_ids, rng)
            async with db.write() as session:
                await session.execute(sa.insert(_table(orm.FlowRun)), runs)
                await session.execute(sa.insert(_table(orm.FlowRunState)), states)
            done += n
            rate = done / (time.perf_counter() - started)
            print(f"\r{done:>10,} runs ({rate:,.0f}/s)", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", help="default: PREFECT_SERVER_DATABASE_CONNECTION_URL")
    args = parser.parse_args()
    if args.database_url is None:
        from prefect.settings import get_current_settings

        args.database_url = get_current_settings().server_database_connection_url
    asyncio.run(seed(args.database_url, args.runs, args.chunk, args.seed))


if __name__ == "__main__":
    main()
