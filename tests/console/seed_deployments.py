"""Work pools, queues, workers and deployments for the console's tests, with pinned times.

Written through the client on top of `seed.seed_runs` (which makes the flows `etl` and
`report`). `pin_work` then fixes what the server stamps with the wall clock (heartbeats,
polls, run times) relative to `seed.FROZEN_NOW`, so tables and snapshots do not depend on
when the test ran:

- pool `local` (process, limit 4): queues `high` (priority 1) and `default`; workers
  `worker-1` ONLINE and `worker-2` OFFLINE; READY.
- pool `k8s` (kubernetes): paused, no workers. Pool `docker`: no workers, NOT_READY.
- `etl/nightly` -> local/high, every 1h, READY, parameters and job variables; runs
  `nightly-done` (Completed), `nightly-broke` (Failed), `nightly-waiting` (Scheduled
  before now: waiting in local/high), `nightly-next` and `nightly-after` (upcoming).
- `etl/backfill` -> k8s, cron `0 * * * *`, paused.
- `report/weekly` -> docker/default, weekly rrule and a switched-off daily interval; runs
  `weekly-waiting` (due) and `weekly-next` (upcoming).
- `report/adhoc`: no pool, no schedule.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from tests.console.seed import BASE_TIME, FROZEN_NOW

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

NIGHTLY_PARAMETERS = {"day": "2024-05-01", "limit": 100}
NIGHTLY_JOB_VARIABLES = {"env": {"LOG_LEVEL": "DEBUG"}}

# run name -> (deployment, final state or None for Scheduled, expected start)
RUNS: dict[str, tuple[str, str | None, datetime]] = {
    "nightly-done": ("nightly", "Completed", BASE_TIME - timedelta(hours=2)),
    "nightly-broke": ("nightly", "Failed", BASE_TIME - timedelta(hours=1)),
    "nightly-waiting": ("nightly", None, BASE_TIME + timedelta(minutes=5)),
    "nightly-next": ("nightly", None, BASE_TIME + timedelta(minutes=50)),
    "nightly-after": ("nightly", None, BASE_TIME + timedelta(hours=1, minutes=50)),
    "weekly-waiting": ("weekly", None, BASE_TIME),
    "weekly-next": ("weekly", None, BASE_TIME + timedelta(days=5, hours=-3)),
}


@dataclass(frozen=True)
class SeededWork:
    nightly: uuid.UUID
    backfill: uuid.UUID
    weekly: uuid.UUID
    adhoc: uuid.UUID
    runs: dict[str, uuid.UUID]
    queues: dict[str, uuid.UUID]  # "pool/queue" -> id


async def _seed() -> SeededWork:
    from prefect.client.orchestration import get_client
    from prefect.schemas.deployments import DeploymentScheduleCreate
    from prefect.schemas.filters import FlowRunFilter, NullableIdFilter
    from prefect.schemas.schedules import CronSchedule, IntervalSchedule, RRuleSchedule
    from prefect.schemas.work_pools import WorkPoolCreate
    from prefect.states import Completed, Failed, Pending, Running, Scheduled

    async with get_client() as client:
        await client.create_work_pool(
            WorkPoolCreate(name="local", type="process", concurrency_limit=4)
        )
        await client.create_work_pool(WorkPoolCreate(name="k8s", type="kubernetes", is_paused=True))
        await client.create_work_pool(WorkPoolCreate(name="docker", type="docker"))
        await client.create_work_queue("high", work_pool_name="local", priority=1)
        for worker in ("worker-1", "worker-2"):
            await client.send_worker_heartbeat("local", worker, 30)

        etl = await client.create_flow_from_name("etl")
        report = await client.create_flow_from_name("report")
        anchor = BASE_TIME - timedelta(days=1)
        nightly = await client.create_deployment(
            etl,
            "nightly",
            work_pool_name="local",
            work_queue_name="high",
            schedules=[
                DeploymentScheduleCreate(
                    schedule=IntervalSchedule(interval=timedelta(hours=1), anchor_date=anchor)
                )
            ],
            parameters=NIGHTLY_PARAMETERS,
            job_variables=NIGHTLY_JOB_VARIABLES,
            tags=["prod"],
            entrypoint="flows/etl.py:etl",
            description="Loads yesterday's rows",
        )
        backfill = await client.create_deployment(
            etl,
            "backfill",
            work_pool_name="k8s",
            schedules=[DeploymentScheduleCreate(schedule=CronSchedule(cron="0 * * * *"))],
            paused=True,
        )
        weekly = await client.create_deployment(
            report,
            "weekly",
            work_pool_name="docker",
            schedules=[
                DeploymentScheduleCreate(schedule=RRuleSchedule(rrule="FREQ=WEEKLY;BYDAY=MO")),
                DeploymentScheduleCreate(
                    schedule=IntervalSchedule(interval=timedelta(days=1), anchor_date=anchor),
                    active=False,
                ),
            ],
        )
        adhoc = await client.create_deployment(report, "adhoc")
        # the runs the server scheduled at once carry wall-clock dates: replace them
        auto = await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(deployment_id=NullableIdFilter(is_null_=False))
        )
        for run in auto:
            await client.delete_flow_run(run.id)

        by_name = {"nightly": nightly, "weekly": weekly}
        runs: dict[str, uuid.UUID] = {}
        for name, (deployment, final, start) in RUNS.items():
            run = await client.create_flow_run_from_deployment(
                by_name[deployment], name=name, state=Scheduled(scheduled_time=start)
            )
            runs[name] = run.id
            if final is not None:
                await client.set_flow_run_state(run.id, Pending())
                await client.set_flow_run_state(run.id, Running())
                end = Completed() if final == "Completed" else Failed(message="bad rows")
                await client.set_flow_run_state(run.id, end)
        queues = {f"{q.work_pool_name}/{q.name}": q.id for q in await client.read_work_queues()}
    return SeededWork(nightly, backfill, weekly, adhoc, runs, queues)


async def _pin(database_url: str) -> None:
    import sqlalchemy as sa
    from prefect_server.database.engine import Database
    from prefect_server.database.orm import FlowRun
    from prefect_server.database.orm_deployments import Deployment
    from prefect_server.database.orm_work_pools import Worker, WorkPool, WorkQueue

    db = Database(database_url)
    try:
        async with db.write() as session:
            created = BASE_TIME - timedelta(days=3)
            for pool in (await session.execute(sa.select(WorkPool))).scalars():
                pool.created = created
                pool.status = (
                    "PAUSED" if pool.is_paused else "READY" if pool.name == "local" else "NOT_READY"
                )
            for queue in (await session.execute(sa.select(WorkQueue))).scalars():
                queue.created = created
                polled = queue.work_pool_id == await _pool_id(session, "local")
                queue.last_polled = FROZEN_NOW - timedelta(seconds=10) if polled else None
                queue.status = "READY" if polled else "NOT_READY"
            for worker in (await session.execute(sa.select(Worker))).scalars():
                online = worker.name == "worker-1"
                worker.created = created
                worker.last_heartbeat_time = FROZEN_NOW - timedelta(seconds=20 if online else 3600)
                worker.status = "ONLINE" if online else "OFFLINE"
            for deployment in (await session.execute(sa.select(Deployment))).scalars():
                deployment.created = created
                ready = deployment.name == "nightly"
                deployment.status = "READY" if ready else "NOT_READY"
                deployment.last_polled = FROZEN_NOW - timedelta(seconds=10) if ready else None
            names = list(RUNS)
            rows = (
                await session.execute(sa.select(FlowRun).where(FlowRun.name.in_(names)))
            ).scalars()
            for run in rows:
                _deployment, final, start = RUNS[run.name]
                run.created = start - timedelta(hours=1)
                run.expected_start_time = start
                run.next_scheduled_start_time = start if final is None else None
                if final is not None:
                    run.start_time = start
                    run.end_time = start + timedelta(seconds=42)
                    run.total_run_time = timedelta(seconds=42)
    finally:
        await db.dispose()


async def _pool_id(session: AsyncSession, name: str) -> uuid.UUID:
    import sqlalchemy as sa
    from prefect_server.database.orm_work_pools import WorkPool

    found: uuid.UUID = (
        await session.execute(sa.select(WorkPool.id).where(WorkPool.name == name))
    ).scalar_one()
    return found


def seed_work() -> SeededWork:
    """Seed pools and deployments into the store of the current settings."""
    return asyncio.run(_seed())


def pin_work(database_url: str) -> None:
    asyncio.run(_pin(database_url))


def seed_all(database_url: str) -> SeededWork:
    """Runs (`seed.seed_runs`, pinned) then pools and deployments (pinned)."""
    from tests.console.seed import pin_times, seed_runs

    seed_runs()
    pin_times(database_url)
    work = seed_work()
    pin_work(database_url)
    return work
