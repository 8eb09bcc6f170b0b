"""The zombies service: a Running flow run whose heartbeats stopped becomes Crashed.

Each pass is driven with `run_once(now=...)`, on SQLite and PostgreSQL; heartbeats are
posted through `POST /events` with the times they occurred.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from prefect.settings import temporary_settings
from prefect_server.services import load_service
from prefect_server.services.zombies import HEARTBEAT_EVENT, Zombies, latest_heartbeats

Json = dict[str, Any]


async def running(make_flow_run, set_state, **fields: Any) -> tuple[Json, datetime]:  # type: ignore[no-untyped-def]
    """A Running run and when it entered Running."""
    run: Json = await make_flow_run(**fields)
    result = await set_state(run["id"], "RUNNING")
    return run, datetime.fromisoformat(result["state"]["timestamp"])


async def beat(api, run_id: str, at: datetime, event: str = HEARTBEAT_EVENT) -> None:  # type: ignore[no-untyped-def]
    body = [
        {
            "event": event,
            "occurred": at.isoformat(),
            "resource": {"prefect.resource.id": f"prefect.flow-run.{run_id}"},
        }
    ]
    response = await api.post("/events", json=body)
    assert response.status_code == 204, response.text


async def read(api, run_id: str) -> Json:  # type: ignore[no-untyped-def]
    result: Json = (await api.get(f"/flow_runs/{run_id}")).json()
    return result


async def test_a_running_run_whose_heartbeats_stopped_is_crashed(
    api, db, make_flow_run, set_state
) -> None:
    run, started = await running(make_flow_run, set_state)
    last = started + timedelta(seconds=10)
    await beat(api, run["id"], started + timedelta(seconds=5))
    await beat(api, run["id"], last)
    service = Zombies(db)
    assert service.after == timedelta(seconds=90)

    assert await service.run_once(now=last + timedelta(seconds=89)) == 0
    assert (await read(api, run["id"]))["state_type"] == "RUNNING"

    assert await service.run_once(now=last + timedelta(seconds=93)) == 1
    stored = await read(api, run["id"])
    assert stored["state_type"] == "CRASHED" and stored["state_name"] == "Crashed"
    message = stored["state"]["message"]
    assert message == "No heartbeat for 93 s: the process running this flow run is gone."
    assert stored["end_time"] is not None
    # through orchestration: a state of its own in the history, and its event
    history = (await api.get("/flow_run_states/", params={"flow_run_id": run["id"]})).json()
    assert [s["type"] for s in history] == ["PENDING", "RUNNING", "CRASHED"]
    body = {
        "filter": {
            "event": {"name": ["prefect.flow-run.Crashed"]},
            "resource": {"id": [f"prefect.flow-run.{run['id']}"]},
        }
    }
    events = (await api.post("/events/filter", json=body)).json()["events"]
    assert len(events) == 1
    assert events[0]["resource"]["prefect.state-message"] == message
    assert events[0]["payload"]["intended"] == {"from": "RUNNING", "to": "CRASHED"}

    assert await service.run_once(now=last + timedelta(hours=1)) == 0


async def test_runs_that_never_sent_a_heartbeat_are_left_alone(
    api, db, make_flow_run, set_state
) -> None:
    run, started = await running(make_flow_run, set_state)
    # events of other kinds, or another run's heartbeats, are not this run's heartbeats
    await beat(api, run["id"], started, event="prefect.flow-run.something-else")
    await beat(api, str(uuid.uuid4()), started)
    assert await Zombies(db).run_once(now=started + timedelta(days=1)) == 0
    assert (await read(api, run["id"]))["state_type"] == "RUNNING"


async def test_a_run_that_entered_running_lately_is_not_judged_on_older_beats(
    api, db, make_flow_run, set_state
) -> None:
    # beats from before its current Running state (an earlier attempt)
    run, started = await running(make_flow_run, set_state)
    await beat(api, run["id"], started - timedelta(minutes=10))
    service = Zombies(db)
    assert await service.run_once(now=started + timedelta(seconds=60)) == 0
    assert (await read(api, run["id"]))["state_type"] == "RUNNING"
    # still silent a whole window after it started: now it counts
    assert await service.run_once(now=started + timedelta(seconds=91)) == 1
    message = (await read(api, run["id"]))["state"]["message"]
    assert message.startswith("No heartbeat for 691 s")


async def test_only_silent_running_runs_are_crashed(api, db, make_flow_run, set_state) -> None:
    zombie, started = await running(make_flow_run, set_state)
    alive, _ = await running(make_flow_run, set_state)
    finished, _ = await running(make_flow_run, set_state)
    paused, _ = await running(make_flow_run, set_state, deployment_id=str(uuid.uuid4()))
    moment = started + timedelta(minutes=10)
    for run in (zombie, alive, finished, paused):
        await beat(api, run["id"], started + timedelta(seconds=1))
    await beat(api, alive["id"], moment - timedelta(seconds=30))
    await set_state(finished["id"], "COMPLETED")
    await set_state(paused["id"], "PAUSED")

    assert await Zombies(db).run_once(now=moment) == 1
    states = {
        name: (await read(api, run["id"]))["state_type"]
        for name, run in (
            ("zombie", zombie),
            ("alive", alive),
            ("finished", finished),
            ("paused", paused),
        )
    }
    assert states == {
        "zombie": "CRASHED",
        "alive": "RUNNING",
        "finished": "COMPLETED",
        "paused": "PAUSED",
    }


async def test_the_silence_allowed_is_a_setting(api, db, make_flow_run, set_state) -> None:
    run, started = await running(make_flow_run, set_state)
    await beat(api, run["id"], started)
    with temporary_settings({"PREFECT_SERVER_SERVICES_ZOMBIES_AFTER_SECONDS": 5}):
        service = Zombies(db)
        assert service.after == timedelta(seconds=5)
        assert await service.run_once(now=started + timedelta(seconds=4)) == 0
        assert await service.run_once(now=started + timedelta(seconds=6)) == 1
    assert (await read(api, run["id"]))["state"]["message"].startswith("No heartbeat for 6 s")


async def test_many_zombies_in_batches(api, db, make_flow_run, set_state) -> None:
    runs = [await running(make_flow_run, set_state) for _ in range(5)]
    latest = max(started for _, started in runs)
    for run, started in runs:
        await beat(api, run["id"], started)
    beating, _ = await running(make_flow_run, set_state)
    await beat(api, beating["id"], latest + timedelta(minutes=5))
    service = Zombies(db)
    service.batch_size = 2
    assert await service.run_once(now=latest + timedelta(minutes=6)) == 5
    assert {(await read(api, run["id"]))["state_type"] for run, _ in runs} == {"CRASHED"}
    assert (await read(api, beating["id"]))["state_type"] == "RUNNING"


async def test_latest_heartbeats_query(api, db, make_flow_run, set_state) -> None:
    quiet, started = await running(make_flow_run, set_state)
    loud, _ = await running(make_flow_run, set_state)
    never, _ = await running(make_flow_run, set_state)
    for seconds in (3, 1, 2):
        await beat(api, quiet["id"], started + timedelta(seconds=seconds))
    await beat(api, loud["id"], started + timedelta(seconds=100))
    # a later event of another kind is not a heartbeat
    await beat(api, quiet["id"], started + timedelta(seconds=50), event="prefect.flow-run.x")
    ids = [uuid.UUID(r["id"]) for r in (quiet, loud, never)]
    async with db.read() as session:
        found = await latest_heartbeats(session, ids)
        assert await latest_heartbeats(session, []) == {}
        assert await latest_heartbeats(session, ids[1:2]) == {
            ids[1]: started + timedelta(seconds=100)
        }
    assert found == {
        ids[0]: started + timedelta(seconds=3),
        ids[1]: started + timedelta(seconds=100),
    }


async def test_registered_and_quiet_on_an_empty_store(db) -> None:
    assert load_service("zombies") is Zombies
    service = Zombies(db, loop_seconds=0.1)
    assert service.loop_seconds == 0.1
    assert Zombies.enabled(service.settings)  # out of the box
    assert await service.run_once() == 0
