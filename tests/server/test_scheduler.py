"""The scheduler service: runs created ahead from schedules, driven by `run_once(now=...)`.

Deployments are written straight into the store here, so that the API's own scheduling
(which uses the real clock) does not mix with the pass under test.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prefect.settings import get_current_settings, temporary_settings
from prefect_server.app import open_database
from prefect_server.database.engine import Database
from prefect_server.database.orm_deployments import Deployment, DeploymentSchedule
from prefect_server.services import load_service, scheduler
from prefect_server.services.scheduler import Scheduler

Json = dict[str, Any]
DAILY_NY = {"cron": "0 9 * * *", "timezone": "America/New_York"}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
async def db(api: Any, database_url: str) -> AsyncIterator[Database]:
    # `api` first: it migrates the store
    database = await open_database(database_url)
    yield database
    await database.dispose()


async def add_deployment(
    db: Database, flow: Json, *schedules: Json, name: str | None = None, **fields: Any
) -> uuid.UUID:
    """A deployment with these schedules (each {"schedule": ..., ...}), written directly."""
    deployment_id = uuid.uuid4()
    async with db.write() as session:
        session.add(
            Deployment(
                id=deployment_id,
                name=name or f"d-{deployment_id.hex[:6]}",
                flow_id=uuid.UUID(flow["id"]),
                **fields,
            )
        )
        await session.flush()
        for schedule in schedules:
            session.add(
                DeploymentSchedule(id=uuid.uuid4(), deployment_id=deployment_id, **schedule)
            )
    return deployment_id


async def runs_of(api: Any, deployment_id: uuid.UUID) -> list[Json]:
    body = {
        "flow_runs": {"deployment_id": {"any_": [str(deployment_id)]}},
        "sort": "EXPECTED_START_TIME_ASC",
    }
    result: list[Json] = (await api.post("/flow_runs/filter", json=body)).json()
    return result


def starts(runs: list[Json]) -> list[datetime]:
    return [datetime.fromisoformat(r["expected_start_time"]) for r in runs]


def service(db: Database, **settings: Any) -> Scheduler:
    names = {f"PREFECT_SERVER_SERVICES_SCHEDULER_{k.upper()}": v for k, v in settings.items()}
    with temporary_settings(names) as resolved:
        return Scheduler(db, settings=resolved)


async def test_registered_with_prefect_defaults(db) -> None:
    assert load_service("scheduler") is Scheduler
    assert Scheduler(db).loop_seconds == 60.0
    settings = get_current_settings()
    assert (
        settings.server_services_scheduler_min_runs,
        settings.server_services_scheduler_max_runs,
    ) == (3, 100)


async def test_cron_runs_across_spring_forward(api, db, flow) -> None:
    dep = await add_deployment(
        db,
        flow,
        {"schedule": DAILY_NY, "parameters": {"b": 2}},
        parameters={"a": 1, "b": 1},
        tags=["nightly"],
        version="v3",
    )
    # New York moves to summer time on 2027-03-14: 09:00 local is 14:00 UTC, then 13:00
    assert await service(db).run_once(now=utc(2027, 3, 12, 12)) == 3
    runs = await runs_of(api, dep)
    assert starts(runs) == [utc(2027, 3, 12, 14), utc(2027, 3, 13, 14), utc(2027, 3, 14, 13)]
    for run in runs:
        assert run["auto_scheduled"] is True and run["name"]
        assert run["parameters"] == {"a": 1, "b": 2}
        assert run["tags"] == ["auto-scheduled", "nightly"]
        assert (run["flow_id"], run["deployment_version"]) == (flow["id"], "v3")
        assert run["labels"]["prefect.deployment.id"] == str(dep)
        assert (
            run["created_by"]["type"] == "SCHEDULE"
            and run["created_by"]["display_value"] == "CronSchedule"
        )
        assert run["state"]["message"] == "Flow run scheduled"
        assert run["state"]["type"] == "SCHEDULED" and run["state"]["name"] == "Scheduled"
        scheduled_time = run["state"]["state_details"]["scheduled_time"]
        assert datetime.fromisoformat(scheduled_time) == datetime.fromisoformat(
            run["next_scheduled_start_time"]
        )
        history = (await api.get("/flow_run_states/", params={"flow_run_id": run["id"]})).json()
        assert [s["id"] for s in history] == [run["state"]["id"]]


async def test_daily_interval_across_fall_back(api, db, flow) -> None:
    anchor = "2027-10-01T08:00:00+02:00"
    schedule = {"interval": 86400, "anchor_date": anchor, "timezone": "Europe/Berlin"}
    dep = await add_deployment(db, flow, {"schedule": schedule})
    # Berlin leaves summer time on 2027-10-31: 08:00 local is 06:00 UTC, then 07:00
    assert await service(db).run_once(now=utc(2027, 10, 29, 12)) == 3
    assert starts(await runs_of(api, dep)) == [
        utc(2027, 10, 30, 6),
        utc(2027, 10, 31, 7),
        utc(2027, 11, 1, 7),
    ]


async def test_repeated_and_restarted_passes_create_nothing_new(api, db, flow) -> None:
    dep = await add_deployment(db, flow, {"schedule": DAILY_NY})
    now = utc(2027, 6, 1, 12)
    first = service(db)
    assert await first.run_once(now=now) == 3
    assert await first.run_once(now=now) == 0
    assert await service(db).run_once(now=now + timedelta(minutes=5)) == 0
    # a day on, one date has passed and the next one is added
    assert await service(db).run_once(now=now + timedelta(days=1)) == 1
    runs = await runs_of(api, dep)
    assert len(runs) == 4 and len({r["expected_start_time"] for r in runs}) == 4


async def test_concurrent_schedulers_never_duplicate(api, db, flow) -> None:
    deps = [await add_deployment(db, flow, {"schedule": DAILY_NY}) for _ in range(3)]
    now = utc(2027, 6, 1, 12)
    other = await open_database(db.url)
    try:
        created = await asyncio.gather(
            service(db).run_once(now=now), service(other).run_once(now=now)
        )
    finally:
        await other.dispose()
    assert sum(created) == 9
    for dep in deps:
        runs = await runs_of(api, dep)
        assert len(runs) == 3 and all(r["state"] is not None for r in runs)


async def test_paused_deployments_and_inactive_schedules_get_no_runs(api, db, flow) -> None:
    paused = await add_deployment(db, flow, {"schedule": DAILY_NY}, paused=True)
    inactive = await add_deployment(db, flow, {"schedule": DAILY_NY, "active": False})
    assert await service(db).run_once(now=utc(2027, 6, 1)) == 0
    assert await runs_of(api, paused) == [] and await runs_of(api, inactive) == []


async def test_window_settings_and_max_scheduled_runs(api, db, flow) -> None:
    now = utc(2027, 6, 1, 12)
    hourly = {"interval": 3600, "anchor_date": "2027-01-01T00:00:00Z"}
    capped = await add_deployment(db, flow, {"schedule": hourly})
    own_cap = await add_deployment(db, flow, {"schedule": hourly, "max_scheduled_runs": 2})
    weekly = await add_deployment(db, flow, {"schedule": {"cron": "0 0 * * 1"}})
    # ten hours ahead wanted, but at most 8 runs; weekly runs only within 14 days
    tuned = service(
        db, min_runs=5, max_runs=8, min_scheduled_time=36000, max_scheduled_time=1209600
    )
    await tuned.run_once(now=now)
    assert starts(await runs_of(api, capped)) == [now + timedelta(hours=h) for h in range(8)]
    assert len(await runs_of(api, own_cap)) == 2
    assert starts(await runs_of(api, weekly)) == [utc(2027, 6, 7), utc(2027, 6, 14)]


async def test_large_plans_are_inserted_in_batches(api, db, flow) -> None:
    dep = await add_deployment(db, flow, {"schedule": {"cron": "* * * * *"}})
    big = service(db, min_runs=700, max_runs=700, min_scheduled_time=0)
    assert await big.run_once(now=utc(2027, 6, 1)) == 700
    body = {
        "flow_runs": {
            "deployment_id": {"any_": [str(dep)]},
            "state": {"type": {"any_": ["SCHEDULED"]}},
        }
    }
    assert (await api.post("/flow_runs/count", json=body)).json() == 700
    last = (await runs_of(api, dep))[-1]
    assert datetime.fromisoformat(last["expected_start_time"]) == utc(2027, 6, 1, 11, 39)
    assert last["state"]["state_details"]["flow_run_id"] == last["id"]
    assert await big.run_once(now=utc(2027, 6, 1)) == 0


async def test_passes_page_through_deployments(api, db, flow, monkeypatch) -> None:
    monkeypatch.setattr(scheduler, "DEPLOYMENT_PAGE", 2)
    deps = [await add_deployment(db, flow, {"schedule": DAILY_NY}) for _ in range(5)]
    await add_deployment(db, flow)  # no schedule at all
    assert await service(db).run_once(now=utc(2027, 6, 1)) == 15
    assert [len(await runs_of(api, dep)) for dep in deps] == [3] * 5
