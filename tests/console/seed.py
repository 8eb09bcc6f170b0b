"""Seeded runs for the console's tests and screenshots, with pinned times.

`seed_runs` writes a fixed set of runs through the client (fixed ids and names, logs with
a literal `[INFO]` and escape sequences); `pin_times` rewrites the times the server chose
(start, end, expected start) to fixed values, so tables and snapshots do not depend on
when the test ran. Runs, task runs and logs keep their order.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

BASE_TIME = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
# "now" for the frozen clock: a few minutes after the last seeded start
FROZEN_NOW = BASE_TIME + timedelta(minutes=10)

NIGHTLY = uuid.UUID("11111111-1111-4111-8111-111111111111")
BROKEN = uuid.UUID("22222222-2222-4222-8222-222222222222")
WEEKLY = uuid.UUID("33333333-3333-4333-8333-333333333333")
LATER = uuid.UUID("44444444-4444-4444-8444-444444444444")

INJECTION = "rename \x1b]0;pwned\x07pane and \x1b[31mred\x1b[0m text\x07"


@dataclass(frozen=True)
class Seeded:
    nightly: uuid.UUID = NIGHTLY  # Completed, 3 task runs, logs
    broken: uuid.UUID = BROKEN  # Failed, a failed task run
    weekly: uuid.UUID = WEEKLY  # Running
    later: uuid.UUID = LATER  # Scheduled


def _task(name: str) -> SimpleNamespace:
    return SimpleNamespace(name=name, task_key=f"etl.{name}", tags=[], version=None)


async def _seed(durations: bool) -> Seeded:
    from prefect.client.orchestration import get_client
    from prefect.schemas.actions import LogCreate
    from prefect.states import Completed, Failed, Running, Scheduled

    async with get_client() as client:
        etl = await client.create_flow_from_name("etl")
        report = await client.create_flow_from_name("report")

        async def run(
            run_id: uuid.UUID,
            flow_id: uuid.UUID,
            name: str,
            tasks: list[tuple[str, bool]],
            final: str | None,
            tags: list[str],
            parameters: dict[str, object],
        ) -> None:
            await client.create_flow_run(
                flow_id=flow_id, id=run_id, name=name, tags=tags, parameters=parameters
            )
            await client.set_flow_run_state(run_id, Running())
            for index, (task_name, ok) in enumerate(tasks):
                task_run = await client.create_task_run(
                    _task(task_name),
                    run_id,
                    "0",
                    name=f"{task_name}-0",
                    state=Running(),
                    id=uuid.UUID(int=run_id.int + index + 1),
                )
                end = Completed() if ok else Failed(message="bad row")
                await client.set_task_run_state(task_run.id, end)
            if final == "Completed":
                await client.set_flow_run_state(run_id, Completed())
            elif final == "Failed":
                await client.set_flow_run_state(
                    run_id, Failed(message="Flow run encountered an exception: ValueError")
                )

        await run(
            NIGHTLY,
            etl,
            "nightly-etl",
            [("extract", True), ("transform", True), ("load", True)],
            "Completed",
            ["nightly", "prod"],
            {"day": "2024-05-01"},
        )
        await run(
            BROKEN,
            etl,
            "broken-etl",
            [("extract", True), ("transform", False)],
            "Failed",
            ["prod"],
            {"day": "2024-04-30"},
        )
        await run(WEEKLY, report, "weekly-report", [("render", True)], None, [], {})
        await client.create_flow_run(
            flow_id=report,
            id=LATER,
            name="later-report",
            state=Scheduled(scheduled_time=BASE_TIME + timedelta(hours=2)),
        )
        logs = [
            (NIGHTLY, 20, "[INFO] starting extract"),
            (NIGHTLY, 20, INJECTION),
            (NIGHTLY, 30, "slow load\n  retrying in 1s"),
            (NIGHTLY, 20, "Finished in state Completed()"),
            (BROKEN, 40, "Task run 'transform-0' failed: ValueError: bad row"),
        ]
        await client.create_logs(
            LogCreate(
                name="prefect.flow_runs",
                level=level,
                message=message,
                timestamp=BASE_TIME + timedelta(seconds=i),
                flow_run_id=run_id,
            )
            for i, (run_id, level, message) in enumerate(logs)
        )
    return Seeded()


def seed_runs() -> Seeded:
    """Seed the store of the current settings (PREFECT_SERVER_DATABASE_CONNECTION_URL)."""
    return asyncio.run(_seed(durations=True))


async def _pin(database_url: str, names: dict[str, str] | None) -> None:
    import sqlalchemy as sa
    from prefect_server.database.engine import Database
    from prefect_server.database.orm import FlowRun, Log, TaskRun

    db = Database(database_url)
    try:
        async with db.write() as session:
            runs = (
                (await session.execute(sa.select(FlowRun).order_by(FlowRun.created, FlowRun.name)))
                .scalars()
                .all()
            )
            for i, run in enumerate(runs):
                start = BASE_TIME + timedelta(minutes=2 * i)
                if names and run.name in names:
                    run.name = names[run.name]
                run.created = start
                if run.start_time is None:  # not started: keep it in the future
                    run.expected_start_time = BASE_TIME + timedelta(hours=2, minutes=i)
                    continue
                run.expected_start_time = run.start_time = start
                if run.end_time is not None:
                    run.end_time = start + timedelta(seconds=3 + 7 * i)
                    run.total_run_time = run.end_time - start
                tasks = (
                    (
                        await session.execute(
                            sa.select(TaskRun)
                            .where(TaskRun.flow_run_id == run.id)
                            .order_by(TaskRun.created, TaskRun.name)
                        )
                    )
                    .scalars()
                    .all()
                )
                for j, task_run in enumerate(tasks):
                    task_start = start + timedelta(seconds=j + 0.5)
                    task_run.created = task_start
                    task_run.expected_start_time = task_start
                    if task_run.start_time is not None:
                        task_run.start_time = task_start
                    if task_run.end_time is not None:
                        task_run.end_time = task_start + timedelta(milliseconds=250 * (j + 1))
                        task_run.total_run_time = task_run.end_time - task_start
                logs = (
                    (
                        await session.execute(
                            sa.select(Log).where(Log.flow_run_id == run.id).order_by(Log.timestamp)
                        )
                    )
                    .scalars()
                    .all()
                )
                for k, log in enumerate(logs):
                    log.timestamp = start + timedelta(milliseconds=100 * k)
    finally:
        await db.dispose()


def pin_times(database_url: str, names: dict[str, str] | None = None) -> None:
    """Give every run, task run and log a fixed time (and optionally a fixed name)."""
    asyncio.run(_pin(database_url, names))
