"""The retention service: old events, and old finished flow runs when asked, are deleted.

Each pass is driven with `run_once(now=...)`, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from prefect._time import now
from prefect.settings import temporary_settings
from prefect_server.database.engine import Database
from prefect_server.database.orm_events import Event, EventResource
from prefect_server.services import load_service
from prefect_server.services.retention import Retention

Json = dict[str, Any]
DAYS_SETTING = "PREFECT_SERVER_SERVICES_RETENTION_FLOW_RUNS_DAYS"
# so that the runs' state-change events are not counted among what a pass deleted
KEEP_EVENTS = {"PREFECT_SERVER_EVENTS_RETENTION_PERIOD": 100 * 365 * 86400}


async def post_event(api, at: datetime, name: str = "test.thing") -> str:  # type: ignore[no-untyped-def]
    event_id = str(uuid.uuid4())
    body = {
        "id": event_id,
        "event": name,
        "occurred": at.isoformat(),
        "resource": {"prefect.resource.id": f"test.{event_id}"},
        "related": [
            {"prefect.resource.id": "test.related", "prefect.resource.role": "friend"},
            {"prefect.resource.id": "test.other", "prefect.resource.role": "foe"},
        ],
    }
    response = await api.post("/events", json=[body])
    assert response.status_code == 204, response.text
    return event_id


async def stored_events(db: Database) -> tuple[set[str], int]:
    """Ids of the stored events, and how many event_resources rows there are."""
    async with db.read() as session:
        ids = {str(i) for i in (await session.execute(sa.select(Event.id))).scalars()}
        resources = (
            await session.execute(sa.select(sa.func.count()).select_from(EventResource))
        ).scalar_one()
    return ids, int(resources)


async def test_old_events_are_deleted_with_their_resources(api, db) -> None:
    moment = now()
    old = [await post_event(api, moment - timedelta(days=8, minutes=i)) for i in range(3)]
    fresh = [await post_event(api, moment - timedelta(days=6)), await post_event(api, moment)]
    ids, resources = await stored_events(db)
    # rows for the related resources at least (the write path decides about the primary)
    per_event, rest = divmod(resources, 5)
    assert ids == {*old, *fresh} and per_event >= 2 and rest == 0

    service = Retention(db)
    assert service.events_period == timedelta(days=7)  # Prefect's default
    assert service.flow_runs_period is None
    assert await service.run_once(now=moment) == 3
    ids, resources = await stored_events(db)
    assert ids == set(fresh) and resources == 2 * per_event
    assert await service.run_once(now=moment) == 0


async def test_events_period_is_a_setting(api, db) -> None:
    moment = now()
    old = await post_event(api, moment - timedelta(hours=2))
    fresh = await post_event(api, moment - timedelta(minutes=30))
    with temporary_settings({"PREFECT_SERVER_EVENTS_RETENTION_PERIOD": 3600}):
        assert await Retention(db).run_once(now=moment) == 1
    assert (await stored_events(db))[0] == {fresh}
    assert old not in (await stored_events(db))[0]


async def test_events_in_batches(api, db) -> None:
    moment = now()
    for i in range(7):
        await post_event(api, moment - timedelta(days=10, seconds=i))
    keep = await post_event(api, moment)
    per_event = (await stored_events(db))[1] // 8
    service = Retention(db)
    service.event_batch_size = 3
    assert await service.run_once(now=moment) == 7
    assert await stored_events(db) == ({keep}, per_event)


async def finished_run(api, make_flow_run, set_state, make_task_run, final: str) -> Json:  # type: ignore[no-untyped-def]
    """A run that ran a task, logged, received an input, and ended in `final`."""
    run: Json = await make_flow_run()
    await set_state(run["id"], "RUNNING")
    task = await make_task_run(run["id"])
    await set_state(task["id"], "RUNNING", kind="task_runs")
    await set_state(task["id"], "COMPLETED", kind="task_runs")
    log = {
        "name": "test",
        "level": 20,
        "message": f"log of {run['id']}",
        "flow_run_id": run["id"],
        "task_run_id": task["id"],
        "timestamp": now().isoformat(),
    }
    assert (await api.post("/logs/", json=[log])).status_code == 201
    response = await api.post(f"/flow_runs/{run['id']}/input", json={"key": "k", "value": "v"})
    assert response.status_code == 201, response.text
    if final != "RUNNING":
        await set_state(run["id"], final)
    run["task_run_id"] = task["id"]
    return run


async def exists(api, run: Json) -> dict[str, bool]:  # type: ignore[no-untyped-def]
    logs = (
        await api.post("/logs/filter", json={"logs": {"flow_run_id": {"any_": [run["id"]]}}})
    ).json()
    return {
        "flow_run": (await api.get(f"/flow_runs/{run['id']}")).status_code == 200,
        "task_run": (await api.get(f"/task_runs/{run['task_run_id']}")).status_code == 200,
        "states": bool(
            (await api.get("/flow_run_states/", params={"flow_run_id": run["id"]})).json()
        ),
        "logs": bool(logs),
        "input": (await api.get(f"/flow_runs/{run['id']}/input/k")).status_code == 200,
    }


async def test_finished_runs_are_kept_unless_asked(
    api, db, make_flow_run, set_state, make_task_run
) -> None:
    run = await finished_run(api, make_flow_run, set_state, make_task_run, "COMPLETED")
    with temporary_settings(KEEP_EVENTS):
        assert await Retention(db).run_once(now=now() + timedelta(days=3650)) == 0
    assert set((await exists(api, run)).values()) == {True}


async def test_old_finished_runs_are_deleted_with_everything_under_them(
    api, db, make_flow_run, set_state, make_task_run
) -> None:
    runs = {
        final: await finished_run(api, make_flow_run, set_state, make_task_run, final)
        for final in ("COMPLETED", "FAILED", "CANCELLED", "CRASHED", "RUNNING")
    }
    everything = {"flow_run", "task_run", "states", "logs", "input"}
    with temporary_settings({DAYS_SETTING: 30, **KEEP_EVENTS}):
        service = Retention(db)
        assert service.flow_runs_period == timedelta(days=30)
        # finished less than 30 days ago: kept
        assert await service.run_once(now=now() + timedelta(days=29)) == 0
        assert await service.run_once(now=now() + timedelta(days=31)) == 4
    for final, run in runs.items():
        present = await exists(api, run)
        if final == "RUNNING":
            assert set(present.values()) == {True}, present
        else:
            assert not any(present.values()), (final, present)
    assert set(await exists(api, runs["RUNNING"])) == everything


async def test_runs_in_batches(api, db, make_flow_run, set_state, make_task_run) -> None:
    runs = [
        await finished_run(api, make_flow_run, set_state, make_task_run, "COMPLETED")
        for _ in range(5)
    ]
    with temporary_settings({DAYS_SETTING: 1, **KEEP_EVENTS}):
        service = Retention(db)
        service.flow_run_batch_size = 2
        assert await service.run_once(now=now() + timedelta(days=2)) == 5
    for run in runs:
        assert not any((await exists(api, run)).values())


async def test_registered_and_quiet_on_an_empty_store(db) -> None:
    assert load_service("retention") is Retention
    service = Retention(db, loop_seconds=0.1)
    assert service.loop_seconds == 0.1
    assert Retention.enabled(service.settings)
    with temporary_settings({DAYS_SETTING: 1}):
        assert await Retention(db).run_once() == 0
