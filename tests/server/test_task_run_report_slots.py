"""`POST /task_runs/report` gives back the tag slots of runs it reports leaving Running.

The engine takes a tagged run's slots through `set_state` (Running) and reports the rest
of its states in batches; these tests drive both routes as the engine does.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
from prefect._time import now

Json = dict[str, Any]


async def _limit(api: httpx.AsyncClient, tag: str, limit: int) -> None:
    response = await api.post("/concurrency_limits/", json={"tag": tag, "concurrency_limit": limit})
    assert response.status_code == 200, response.text


async def _holders(api: httpx.AsyncClient, tag: str) -> list[str]:
    return list((await api.get(f"/concurrency_limits/tag/{tag}")).json()["active_slots"])


def _report(run: Json, type_: str, name: str, **fields: Any) -> Json:
    state = {
        "id": str(uuid.uuid4()),
        "type": type_,
        "name": name,
        "timestamp": (now() + timedelta(seconds=1)).isoformat(),
    }
    task_run = {
        "id": run["id"],
        "flow_run_id": run["flow_run_id"],
        "task_key": run["task_key"],
        "dynamic_key": run["dynamic_key"],
        "tags": run["tags"],
        "state": state,
        **fields,
    }
    return {"task_run": task_run, "states": [state]}


async def test_reported_end_frees_the_slots_once(
    api: httpx.AsyncClient,
    make_flow_run: Callable[..., Awaitable[Json]],
    make_task_run: Callable[..., Awaitable[Json]],
    set_state: Callable[..., Awaitable[Json]],
) -> None:
    await _limit(api, "db", 2)
    await _limit(api, "other", 5)
    flow_run = await make_flow_run()
    await set_state(flow_run["id"], "RUNNING")
    done = await make_task_run(flow_run["id"], tags=["db", "other"])
    busy = await make_task_run(flow_run["id"], tags=["db"])
    for run in (done, busy):
        taken = await set_state(run["id"], "RUNNING", kind="task_runs")
        assert taken["status"] == "ACCEPT"
    assert sorted(await _holders(api, "db")) == sorted([done["id"], busy["id"]])

    # still running: nothing is freed
    still = await api.post("/task_runs/report", json=[_report(busy, "RUNNING", "Running")])
    assert still.status_code == 200
    assert len(await _holders(api, "db")) == 2

    finished = [_report(done, "COMPLETED", "Completed")]
    assert (await api.post("/task_runs/report", json=finished)).status_code == 200
    assert await _holders(api, "db") == [busy["id"]]
    assert await _holders(api, "other") == []
    # the same report again (a retrying client) frees nothing more
    assert (await api.post("/task_runs/report", json=finished)).status_code == 200
    assert await _holders(api, "db") == [busy["id"]]

    # in one batch the later report of a run wins
    batch = [_report(busy, "FAILED", "Failed"), _report(busy, "RUNNING", "Retrying")]
    assert (await api.post("/task_runs/report", json=batch)).status_code == 200
    assert await _holders(api, "db") == [busy["id"]]
    retry = _report(busy, "SCHEDULED", "AwaitingRetry")
    assert (await api.post("/task_runs/report", json=[retry])).status_code == 200
    assert await _holders(api, "db") == []
