"""The late-runs service: overdue Scheduled runs become Late, through orchestration.

Each pass is driven with `run_once(now=...)`, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from prefect._time import now
from prefect.settings import temporary_settings
from prefect_server.services.late_runs import LateRuns

Json = dict[str, Any]


async def scheduled(make_flow_run, when: datetime, **state: Any) -> Json:  # type: ignore[no-untyped-def]
    body = {"type": "SCHEDULED", "state_details": {"scheduled_time": when.isoformat()}, **state}
    run: Json = await make_flow_run(state=body)
    return run


async def read(api, run_id: str) -> Json:  # type: ignore[no-untyped-def]
    result: Json = (await api.get(f"/flow_runs/{run_id}")).json()
    return result


async def test_overdue_runs_become_late(api, db, make_flow_run) -> None:
    due = now() - timedelta(minutes=10)
    run = await scheduled(make_flow_run, due)
    service = LateRuns(db)
    assert service.after == timedelta(seconds=15)  # Prefect's default

    assert await service.run_once(now=due + timedelta(seconds=14)) == 0
    assert (await read(api, run["id"]))["state_name"] == "Scheduled"

    assert await service.run_once(now=due + timedelta(seconds=16)) == 1
    stored = await read(api, run["id"])
    assert stored["state_type"] == "SCHEDULED" and stored["state_name"] == "Late"
    assert datetime.fromisoformat(stored["state"]["state_details"]["scheduled_time"]) == due
    # a state of its own in the history (not an edited row), and marked once only
    history = (await api.get("/flow_run_states/", params={"flow_run_id": run["id"]})).json()
    assert [s["name"] for s in history] == ["Scheduled", "Late"]
    assert stored["state"]["id"] == history[-1]["id"]
    assert await service.run_once(now=due + timedelta(hours=1)) == 0

    # a worker can still take a late run, at its original time
    response = await api.post(
        f"/flow_runs/{run['id']}/set_state", json={"state": {"type": "PENDING"}}
    )
    pending = response.json()
    assert pending["status"] == "ACCEPT"
    assert datetime.fromisoformat(pending["state"]["state_details"]["scheduled_time"]) == due


async def test_only_plain_scheduled_runs_are_marked(api, db, make_flow_run, set_state) -> None:
    past = now() - timedelta(hours=1)
    future = await scheduled(make_flow_run, now() + timedelta(hours=1))
    retry = await scheduled(make_flow_run, past, name="AwaitingRetry")
    running = await make_flow_run()
    await set_state(running["id"], "RUNNING")
    late = await scheduled(make_flow_run, past)
    assert await LateRuns(db).run_once() == 1
    assert (await read(api, late["id"]))["state_name"] == "Late"
    for untouched, name in ((future, "Scheduled"), (retry, "AwaitingRetry"), (running, "Running")):
        assert (await read(api, untouched["id"]))["state_name"] == name


async def test_lateness_threshold_is_a_setting(api, db, make_flow_run) -> None:
    due = now() - timedelta(minutes=5)
    run = await scheduled(make_flow_run, due)
    with temporary_settings({"PREFECT_SERVER_SERVICES_LATE_RUNS_AFTER_SECONDS": 120}):
        service = LateRuns(db)
        assert await service.run_once(now=due + timedelta(seconds=100)) == 0
        assert await service.run_once(now=due + timedelta(seconds=121)) == 1
    assert (await read(api, run["id"]))["state_name"] == "Late"


async def test_many_late_runs_in_batches(api, db, make_flow_run) -> None:
    past = now() - timedelta(hours=1)
    runs = [await scheduled(make_flow_run, past + timedelta(seconds=i)) for i in range(5)]
    service = LateRuns(db)
    service.batch_size = 2
    assert await service.run_once() == 5
    names = {(await read(api, run["id"]))["state_name"] for run in runs}
    assert names == {"Late"}


async def test_an_empty_store_is_a_quiet_pass(db) -> None:
    assert await LateRuns(db, loop_seconds=0.1).run_once(now=now() + timedelta(days=1)) == 0
