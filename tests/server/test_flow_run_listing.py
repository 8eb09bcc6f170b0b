"""Listings of flow runs (`/flow_runs/filter`, `/paginate`) give each run exactly as
`GET /flow_runs/{id}` gives it, whatever it holds.

The listing reads runs without ORM objects (on SQLite the database renders each run as a
JSON document), so this compares it field for field with the single read, over runs
with every kind of value: nested and unicode JSON, NULLs, timestamps, durations, states
with data and scheduled times, and a run in a work pool.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

Json = dict[str, Any]


async def _varied_runs(
    api: httpx.AsyncClient,
    make_flow_run: Callable[..., Awaitable[Json]],
    set_state: Callable[..., Awaitable[Json]],
) -> list[str]:
    pool = await api.post("/work_pools/", json={"name": f"pool-{uuid.uuid4().hex[:6]}"})
    assert pool.status_code == 201, pool.text
    runs = [
        await make_flow_run(),
        await make_flow_run(
            name="détaillé ✓",
            tags=["b", "a"],
            labels={"team": "data", "n": 3},
            parameters={"x": [1, 2.5, None, {"deep": "ünï"}], "flag": True},
            context={"k": "v"},
            job_variables={"image": "python:3.12", "env": {"A": "1"}},
            idempotency_key=f"key-{uuid.uuid4().hex[:6]}",
            empirical_policy={"retries": 2, "retry_delay": 5},
        ),
        await make_flow_run(
            state={
                "type": "SCHEDULED",
                "state_details": {"scheduled_time": "2031-05-01T10:00:00.123456Z"},
            }
        ),
        await make_flow_run(work_pool_name=pool.json()["name"]),
    ]
    completed, failed = await make_flow_run(), await make_flow_run()
    for run in (completed, failed):
        await set_state(run["id"], "RUNNING")
    await set_state(completed["id"], "COMPLETED", message="done", data={"value": [1, "x"]})
    await set_state(failed["id"], "FAILED", message="boom")
    return [run["id"] for run in [*runs, completed, failed]]


async def test_listing_gives_each_run_as_reading_it_does(
    api: httpx.AsyncClient,
    flow: Json,
    make_flow_run: Callable[..., Awaitable[Json]],
    set_state: Callable[..., Awaitable[Json]],
) -> None:
    ids = await _varied_runs(api, make_flow_run, set_state)
    singly = {}
    for run_id in ids:
        response = await api.get(f"/flow_runs/{run_id}")
        assert response.status_code == 200
        singly[run_id] = response.json()
    assert {run["state"]["type"] for run in singly.values()} == {
        "PENDING",
        "SCHEDULED",
        "COMPLETED",
        "FAILED",
    }

    for sort in ("EXPECTED_START_TIME_DESC", "ID_DESC", "NAME_ASC", "START_TIME_DESC"):
        listed = await api.post("/flow_runs/filter", json={"sort": sort})
        assert listed.status_code == 200
        assert sorted(run["id"] for run in listed.json()) == sorted(ids)
        for run in listed.json():
            assert run == singly[run["id"]]

    page = await api.post("/flow_runs/paginate", json={"limit": 4, "page": 2, "sort": "NAME_ASC"})
    assert page.status_code == 200
    assert page.json()["count"] == len(ids)
    assert [run == singly[run["id"]] for run in page.json()["results"]] == [True, True]


async def test_listing_filters_pages_and_orders_as_before(
    api: httpx.AsyncClient,
    flow: Json,
    make_flow_run: Callable[..., Awaitable[Json]],
    set_state: Callable[..., Awaitable[Json]],
) -> None:
    names = [f"run-{n}" for n in range(5)]
    for name in names:
        await make_flow_run(name=name)
    body = {
        "flows": {"id": {"any_": [flow["id"]]}},
        "flow_runs": {"state": {"type": {"any_": ["PENDING"]}}},
        "sort": "NAME_DESC",
        "offset": 1,
        "limit": 3,
    }
    listed = await api.post("/flow_runs/filter", json=body)
    assert listed.status_code == 200
    assert [run["name"] for run in listed.json()] == ["run-3", "run-2", "run-1"]
    other = await api.post(
        "/flow_runs/filter", json={"flows": {"id": {"any_": [str(uuid.uuid4())]}}}
    )
    assert other.json() == []
