"""POST /task_runs/report: bulk upsert of task runs and their new states."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from prefect._time import now

Json = dict[str, Any]


def state(type_: str, at: Any, **extra: Any) -> Json:
    return {"id": str(uuid.uuid4()), "type": type_, "timestamp": at.isoformat(), **extra}


def report(run_id: str, flow_run_id: str, states: list[Json], **fields: Any) -> Json:
    current = states[-1] if states else fields.pop("state", None)
    return {
        "task_run": {
            "id": run_id,
            "flow_run_id": flow_run_id,
            "task_key": "mod.t",
            "dynamic_key": run_id[:8],
            "name": f"t-{run_id[:4]}",
            "state": current,
            **fields,
        },
        "states": states,
    }


async def test_insert_then_update_and_dedupe(api, make_flow_run) -> None:
    flow_run = await make_flow_run()
    t0 = now()
    run_id = str(uuid.uuid4())
    pending, running = state("PENDING", t0), state("RUNNING", t0 + timedelta(seconds=1))
    first = [
        report(
            run_id,
            flow_run["id"],
            [pending, running],
            run_count=1,
            start_time=running["timestamp"],
            tags=["a"],
        )
    ]
    response = await api.post("/task_runs/report", json=first)
    assert response.status_code == 200
    assert response.json() == {"task_runs": 1, "states": 2}

    stored = (await api.get(f"/task_runs/{run_id}")).json()
    assert stored["state"]["id"] == running["id"] and stored["state_type"] == "RUNNING"
    assert stored["run_count"] == 1 and stored["tags"] == ["a"]

    # sent again: nothing new
    again = await api.post("/task_runs/report", json=first)
    assert again.json() == {"task_runs": 1, "states": 0}

    done = state("COMPLETED", t0 + timedelta(seconds=3))
    # the running state repeated alongside the new one is skipped by id
    update = [
        report(
            run_id,
            flow_run["id"],
            [running, done],
            run_count=1,
            start_time=running["timestamp"],
            end_time=done["timestamp"],
            total_run_time=2.0,
        )
    ]
    assert (await api.post("/task_runs/report", json=update)).json() == {
        "task_runs": 1,
        "states": 1,
    }
    stored = (await api.get(f"/task_runs/{run_id}")).json()
    assert stored["state_type"] == "COMPLETED" and stored["state"]["id"] == done["id"]
    assert stored["end_time"] is not None and stored["total_run_time"] == 2.0
    history = (await api.get("/task_run_states/", params={"task_run_id": run_id})).json()
    assert [s["id"] for s in history] == [pending["id"], running["id"], done["id"]]


async def test_large_batch(api, make_flow_run) -> None:
    flow_run = await make_flow_run()
    t0 = now()
    batch = []
    for i in range(1000):
        run_id = str(uuid.uuid4())
        states = [
            state("PENDING", t0),
            state("RUNNING", t0 + timedelta(milliseconds=i)),
            state("COMPLETED", t0 + timedelta(seconds=1, milliseconds=i)),
        ]
        batch.append(report(run_id, flow_run["id"], states))
    response = await api.post("/task_runs/report", json=batch)
    assert response.status_code == 200
    assert response.json() == {"task_runs": 1000, "states": 3000}
    count = await api.post(
        "/task_runs/count",
        json={
            "task_runs": {"state": {"type": {"any_": ["COMPLETED"]}}},
            "flow_runs": {"id": {"any_": [flow_run["id"]]}},
        },
    )
    assert count.json() == 1000
    # half of them again plus new ones: updates and inserts in one request
    mixed = batch[:500] + [
        report(str(uuid.uuid4()), flow_run["id"], [state("PENDING", t0)]) for _ in range(10)
    ]
    assert (await api.post("/task_runs/report", json=mixed)).json() == {
        "task_runs": 510,
        "states": 10,
    }
    assert (await api.post("/task_runs/count", json={})).json() == 1010


async def test_current_state_only_and_empty(api, make_flow_run) -> None:
    flow_run = await make_flow_run()
    run_id = str(uuid.uuid4())
    current = state("COMPLETED", now())
    body = [report(run_id, flow_run["id"], [], state=current)]
    assert (await api.post("/task_runs/report", json=body)).json() == {"task_runs": 1, "states": 1}
    assert (await api.get(f"/task_run_states/{current['id']}")).status_code == 200
    assert (await api.post("/task_runs/report", json=[])).json() == {"task_runs": 0, "states": 0}


async def test_whole_batch_is_one_transaction(api, make_flow_run) -> None:
    flow_run = await make_flow_run()
    good = report(str(uuid.uuid4()), flow_run["id"], [state("PENDING", now())])
    orphan = report(str(uuid.uuid4()), str(uuid.uuid4()), [state("PENDING", now())])
    response = await api.post("/task_runs/report", json=[good, orphan])
    assert response.status_code == 409
    assert response.json()["detail"]
    assert (await api.post("/task_runs/count", json={})).json() == 0


async def test_malformed_report_is_422(api) -> None:
    response = await api.post("/task_runs/report", json=[{"task_run": {"id": "x"}}])
    assert response.status_code == 422
    assert (await api.post("/task_runs/report", json={"task_run": {}})).status_code == 422
