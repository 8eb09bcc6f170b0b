"""`get_scheduled_flow_runs` with `wait_seconds`: held until the pool has work.

The periodic re-check (`RECHECK_SECONDS`) is pushed far out in these tests, so that what
answers a waiting poll can only be the wake-up under test; each wait is bounded by a
timeout far below that re-check, which fails the test if the wake-up never came.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from prefect._time import now
from prefect_server.models import work_pool_long_poll

from tests.server.conftest import Json

_BOUND = 20.0  # seconds a woken poll may take at most here (the re-check is at 600)


@pytest.fixture(autouse=True)
def _no_recheck(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(work_pool_long_poll, "RECHECK_SECONDS", 600.0)


async def _pool(api: httpx.AsyncClient, name: str, **fields: Any) -> None:
    response = await api.post("/work_pools/", json={"name": name, "type": "process", **fields})
    assert response.status_code == 201, response.text


def _poll(api: httpx.AsyncClient, pool: str, **body: Any) -> asyncio.Task[httpx.Response]:
    return asyncio.create_task(
        api.post(f"/work_pools/{pool}/get_scheduled_flow_runs", json=body, timeout=700)
    )


async def _scheduled_run(api: httpx.AsyncClient, flow: Json, pool: str, **state: Any) -> Json:
    body = {"flow_id": flow["id"], "work_pool_name": pool, "state": {"type": "SCHEDULED", **state}}
    response = await api.post("/flow_runs/", json=body)
    assert response.status_code == 201, response.text
    run: Json = response.json()
    return run


def _ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["flow_run"]["id"] for item in response.json()]


async def test_a_waiting_poll_answers_when_a_run_is_scheduled(
    api: httpx.AsyncClient, flow: Json
) -> None:
    await _pool(api, "waiting")
    poll = _poll(api, "waiting", wait_seconds=300)
    await asyncio.sleep(0.2)
    assert not poll.done()  # nothing to start: it waits
    run = await _scheduled_run(api, flow, "waiting")
    answer = await asyncio.wait_for(poll, _BOUND)
    assert _ids(answer) == [run["id"]]


async def test_a_waiting_poll_answers_when_a_run_falls_due(
    api: httpx.AsyncClient, flow: Json
) -> None:
    await _pool(api, "later")
    soon = now() + timedelta(seconds=1)
    run = await _scheduled_run(
        api, flow, "later", state_details={"scheduled_time": soon.isoformat()}
    )
    window = {"scheduled_before": now().isoformat()}
    assert _ids(await api.post("/work_pools/later/get_scheduled_flow_runs", json=window)) == []
    poll = _poll(api, "later", wait_seconds=300, **window)
    answer = await asyncio.wait_for(poll, _BOUND)
    assert _ids(answer) == [run["id"]]


async def test_a_freed_concurrency_slot_wakes_the_poll(
    api: httpx.AsyncClient, flow: Json, set_state: Any
) -> None:
    await _pool(api, "one-at-a-time", concurrency_limit=1)
    running = await _scheduled_run(api, flow, "one-at-a-time")
    await set_state(running["id"], "PENDING")
    await set_state(running["id"], "RUNNING")
    queued = await _scheduled_run(api, flow, "one-at-a-time")
    poll = _poll(api, "one-at-a-time", wait_seconds=300)
    await asyncio.sleep(0.2)
    assert not poll.done()  # the pool's one slot is taken
    await set_state(running["id"], "COMPLETED")
    answer = await asyncio.wait_for(poll, _BOUND)
    assert _ids(answer) == [queued["id"]]


async def test_a_wait_with_nothing_to_do_ends_empty(api: httpx.AsyncClient) -> None:
    await _pool(api, "idle")
    answer = await asyncio.wait_for(_poll(api, "idle", wait_seconds=0.3), _BOUND)
    assert _ids(answer) == []
    pool = (await api.get("/work_pools/idle")).json()
    queues = (await api.post("/work_pools/idle/queues/filter", json={})).json()
    assert pool["status"] == "READY" or queues[0]["last_polled"] is not None


async def test_wait_bounds_and_unknown_pools(api: httpx.AsyncClient) -> None:
    await _pool(api, "bounded")
    too_long = await api.post(
        "/work_pools/bounded/get_scheduled_flow_runs", json={"wait_seconds": 100_000}
    )
    assert too_long.status_code == 422
    unknown = await api.post("/work_pools/nope/get_scheduled_flow_runs", json={"wait_seconds": 1})
    assert unknown.status_code == 404
