"""The services framework (loop, registry, runner, election) and the pause-expiration and
cancellation-cleanup services, on SQLite and PostgreSQL; passes driven with `now=...`."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from prefect._time import now
from prefect.settings import get_current_settings, temporary_settings
from prefect_server.app import create_app
from prefect_server.database.engine import Database
from prefect_server.serve import with_services
from prefect_server.services import SERVICES, enabled_services, load_service, service_rows
from prefect_server.services.base import LoopService
from prefect_server.services.cancellation_cleanup import CancellationCleanup
from prefect_server.services.late_runs import LateRuns
from prefect_server.services.leadership import (
    AlwaysLeader,
    FileLeadership,
    PostgresLeadership,
    leadership_for,
)
from prefect_server.services.pause_expirations import PauseExpirations
from prefect_server.services.runner import ServiceRunner

Json = dict[str, Any]


class Counter(LoopService):
    """Counts its passes; fails the passes listed in `failing`."""

    name = "test_counter"

    def __init__(self, db: Database, failing: set[int] | None = None) -> None:
        super().__init__(db, loop_seconds=0.01)
        self.count = 0
        self.failing = failing or set()

    async def run_once(self, now: datetime | None = None) -> int:
        self.count += 1
        if self.count in self.failing:
            raise RuntimeError(f"pass {self.count} broke")
        return 0


async def until(check: Callable[[], bool | Awaitable[bool]], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = check()
        if not isinstance(value, bool):
            value = await value
        if value:
            return
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


# -- the framework -------------------------------------------------------------------------


def test_registry_names_services_with_settings() -> None:
    assert load_service("late_runs") is LateRuns
    assert load_service("pause_expirations") is PauseExpirations
    assert load_service("cancellation_cleanup") is CancellationCleanup
    with pytest.raises(KeyError, match="late_runs"):
        load_service("nope")
    settings = get_current_settings()
    rows = {row["name"]: row for row in service_rows(settings)}
    assert set(rows) == set(SERVICES)
    assert rows["late_runs"] == {"name": "late_runs", "enabled": True, "loop_seconds": 5.0}
    assert rows["cancellation_cleanup"]["loop_seconds"] == 20.0
    with temporary_settings({"PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": False}) as changed:
        assert "late_runs" not in enabled_services(changed)
        assert "pause_expirations" in enabled_services(changed)


async def test_loop_seconds_from_settings_or_argument(db) -> None:
    assert LateRuns(db).loop_seconds == 5.0
    assert LateRuns(db, loop_seconds=0.5).loop_seconds == 0.5
    with temporary_settings({"PREFECT_SERVER_SERVICES_PAUSE_EXPIRATIONS_LOOP_SECONDS": 7}):
        assert PauseExpirations(db).loop_seconds == 7.0


async def test_run_survives_a_failing_pass_and_stops(db, caplog) -> None:
    service = Counter(db, failing={2})
    stop = asyncio.Event()
    with caplog.at_level(logging.ERROR, logger="prefect_server.services"):
        task = asyncio.create_task(service.run(stop))
        await until(lambda: service.count >= 4)
        stop.set()
        await asyncio.wait_for(task, timeout=5)
    assert "pass 2 broke" in caplog.text
    assert task.result() is None


# -- the runner and the election -----------------------------------------------------------


def test_leadership_fits_the_backend(database_url: str) -> None:
    database = Database(database_url)
    chosen = leadership_for(database)
    if database.is_sqlite:
        assert isinstance(chosen, FileLeadership)
    else:
        assert isinstance(chosen, PostgresLeadership)
    assert isinstance(leadership_for(Database("sqlite+aiosqlite:///:memory:")), AlwaysLeader)


async def test_one_process_runs_a_service_and_another_takes_over(db, database_url) -> None:
    # two runners with their own elections stand for two server processes
    other_db = Database(database_url)
    first = ServiceRunner(db, services=[Counter(db)], leadership=leadership_for(db))
    second = ServiceRunner(
        other_db, services=[Counter(other_db)], leadership=leadership_for(other_db)
    )
    try:
        await first.start()
        await until(lambda: first.passes["test_counter"] >= 3)
        await second.start()
        await asyncio.sleep(0.3)
        assert first.passes["test_counter"] >= 10
        assert second.passes["test_counter"] == 0 and not second.leading
        assert first.leading == {"test_counter"}

        await first.stop()
        await until(lambda: second.passes["test_counter"] >= 3, timeout=5)
        assert second.leading == {"test_counter"}
    finally:
        await first.stop()
        await second.stop()
        await other_db.dispose()


async def test_postgres_leader_that_loses_its_connection_steps_down(db) -> None:
    if db.is_sqlite:
        pytest.skip("advisory locks are PostgreSQL's")
    leadership = PostgresLeadership(db.url)
    try:
        assert await leadership.acquire("late_runs")
        assert await leadership.acquire("late_runs")  # held: no second lock taken
        rival = PostgresLeadership(db.url)
        assert not await rival.acquire("late_runs")
        assert await rival.acquire("pause_expirations")
        await rival.close()

        async with db.engine.connect() as conn:
            pids = await conn.execute(
                sa.text(
                    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND pid <> pg_backend_pid()"
                )
            )
            for (pid,) in pids:
                await conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        # the next check finds the connection gone: not leading any more...
        assert not await leadership.acquire("late_runs")
        # ...and the loop after reconnects and takes the (now free) lock again
        assert await leadership.acquire("late_runs")
        await leadership.release("late_runs")
        rival = PostgresLeadership(db.url)
        assert await rival.acquire("late_runs")
        await rival.close()
    finally:
        await leadership.close()


async def test_runner_skips_services_it_cannot_load(db, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="prefect_server.services"):
        runner = ServiceRunner(db, names=["late_runs", "nope"], leadership=AlwaysLeader())
        async with runner:
            assert [s.name for s in runner.services] == ["late_runs"]
            await until(lambda: runner.passes["late_runs"] >= 1)
    assert "nope" in caplog.text


async def test_server_lifespan_runs_the_services(database_url: str, make_flow_run_app) -> None:
    overrides = {
        name: False
        for name in (
            "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED",
            "PREFECT_SERVER_SERVICES_FOREMAN_ENABLED",
            "PREFECT_SERVER_SERVICES_REPOSSESSOR_ENABLED",
            "PREFECT_SERVER_SERVICES_PAUSE_EXPIRATIONS_ENABLED",
            "PREFECT_SERVER_SERVICES_CANCELLATION_CLEANUP_ENABLED",
        )
    }
    overrides["PREFECT_SERVER_SERVICES_LATE_RUNS_LOOP_SECONDS"] = 0.05  # type: ignore[assignment]
    with temporary_settings(overrides) as settings:
        app = with_services(create_app(settings, database_url=database_url), settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t/api") as api:
                run = await make_flow_run_app(api)

                async def is_late() -> bool:
                    stored = (await api.get(f"/flow_runs/{run['id']}")).json()
                    return bool(stored["state_name"] == "Late")

                await until(is_late)


@pytest.fixture
def make_flow_run_app() -> Callable[[httpx.AsyncClient], Awaitable[Json]]:
    async def make(api: httpx.AsyncClient) -> Json:
        flow = (await api.post("/flows/", json={"name": f"f-{uuid.uuid4().hex[:6]}"})).json()
        due = (now() - timedelta(minutes=1)).isoformat()
        state = {"type": "SCHEDULED", "state_details": {"scheduled_time": due}}
        response = await api.post("/flow_runs/", json={"flow_id": flow["id"], "state": state})
        assert response.status_code == 201
        result: Json = response.json()
        return result

    return make


# -- pause expirations ---------------------------------------------------------------------


async def read(api, run_id: str, kind: str = "flow_runs") -> Json:  # type: ignore[no-untyped-def]
    result: Json = (await api.get(f"/{kind}/{run_id}")).json()
    return result


async def paused(make_flow_run, set_state, timeout: datetime | None) -> Json:  # type: ignore[no-untyped-def]
    run: Json = await make_flow_run()
    await set_state(run["id"], "RUNNING")
    details = {"pause_timeout": timeout.isoformat()} if timeout else {}
    assert (await set_state(run["id"], "PAUSED", state_details=details))["status"] == "ACCEPT"
    return run


async def test_expired_pauses_fail(api, db, make_flow_run, set_state) -> None:
    deadline = now() + timedelta(minutes=10)
    expiring = await paused(make_flow_run, set_state, deadline)
    later = await paused(make_flow_run, set_state, deadline + timedelta(hours=1))
    forever = await paused(make_flow_run, set_state, None)
    service = PauseExpirations(db)

    assert await service.run_once(now=deadline - timedelta(seconds=1)) == 0
    assert await service.run_once(now=deadline + timedelta(seconds=1)) == 1
    stored = await read(api, expiring["id"])
    assert stored["state_type"] == "FAILED" and "not resumed" in stored["state"]["message"]
    assert stored["end_time"] is not None
    for run in (later, forever):
        assert (await read(api, run["id"]))["state_type"] == "PAUSED"
    assert await service.run_once(now=deadline + timedelta(seconds=2)) == 0


async def test_pause_expirations_walk_every_paused_run(api, db, make_flow_run, set_state) -> None:
    deadline = now() + timedelta(minutes=1)
    runs = [await paused(make_flow_run, set_state, deadline) for _ in range(3)]
    runs.append(await paused(make_flow_run, set_state, deadline + timedelta(days=1)))
    service = PauseExpirations(db)
    service.batch_size = 1
    assert await service.run_once(now=deadline + timedelta(seconds=1)) == 3
    states = [(await read(api, run["id"]))["state_type"] for run in runs]
    assert states == ["FAILED", "FAILED", "FAILED", "PAUSED"]


# -- cancellation cleanup ------------------------------------------------------------------


async def child_of(
    api, make_flow_run, make_task_run, set_state, parent: Json, **fields: Any
) -> Json:  # type: ignore[no-untyped-def]
    """A subflow run of `parent`: linked through a task run of the parent."""
    link = await make_task_run(parent["id"])
    run: Json = await make_flow_run(parent_task_run_id=link["id"], **fields)
    await set_state(run["id"], "RUNNING")
    return run


async def cancel(set_state, run: Json) -> None:  # type: ignore[no-untyped-def]
    await set_state(run["id"], "CANCELLING")
    assert (await set_state(run["id"], "CANCELLED"))["status"] == "ACCEPT"


async def test_cancelled_runs_take_their_subflows_and_tasks_along(
    api, db, make_flow_run, make_task_run, set_state
) -> None:
    parent = await make_flow_run()
    await set_state(parent["id"], "RUNNING")
    child = await child_of(api, make_flow_run, make_task_run, set_state, parent)
    deployed = await child_of(
        api, make_flow_run, make_task_run, set_state, parent, deployment_id=str(uuid.uuid4())
    )
    grandchild = await child_of(api, make_flow_run, make_task_run, set_state, child)
    running_task = await make_task_run(parent["id"])
    await set_state(running_task["id"], "RUNNING", kind="task_runs")
    done_task = await make_task_run(parent["id"])
    await set_state(done_task["id"], "RUNNING", kind="task_runs")
    await set_state(done_task["id"], "COMPLETED", kind="task_runs")
    # a bystander: its parent is running
    other_parent = await make_flow_run()
    await set_state(other_parent["id"], "RUNNING")
    bystander = await child_of(api, make_flow_run, make_task_run, set_state, other_parent)

    service = CancellationCleanup(db)
    assert await service.run_once() == 0
    await cancel(set_state, parent)
    changed = await service.run_once()

    assert (await read(api, child["id"]))["state_type"] == "CANCELLED"
    # a deployed subflow is left to its worker to stop
    assert (await read(api, deployed["id"]))["state_type"] == "CANCELLING"
    assert (await read(api, grandchild["id"]))["state_type"] == "CANCELLED"
    assert (await read(api, running_task["id"], "task_runs"))["state_type"] == "CANCELLED"
    assert (await read(api, done_task["id"], "task_runs"))["state_type"] == "COMPLETED"
    assert (await read(api, bystander["id"]))["state_type"] == "RUNNING"
    # 3 subflows; the running task, the link task runs of parent and child (still Pending)
    assert changed == 3 + 1 + 3
    assert await service.run_once() == 0


async def test_runs_stuck_cancelling_are_cancelled_after_the_timeout(
    api, db, make_flow_run, set_state
) -> None:
    run = await make_flow_run()
    await set_state(run["id"], "RUNNING")
    cancelling = await set_state(run["id"], "CANCELLING")
    since = datetime.fromisoformat(cancelling["state"]["timestamp"])
    service = CancellationCleanup(db)
    assert service.cancelling_timeout == timedelta(seconds=300)

    assert await service.run_once(now=since + timedelta(seconds=299)) == 0
    assert (await read(api, run["id"]))["state_type"] == "CANCELLING"
    assert await service.run_once(now=since + timedelta(seconds=301)) == 1
    stored = await read(api, run["id"])
    assert stored["state_type"] == "CANCELLED" and "Cancelling" in stored["state"]["message"]
