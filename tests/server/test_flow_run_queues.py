"""A flow run created with a pool or queue name belongs to that queue (workers find it)."""

from __future__ import annotations

import httpx

from tests.server.conftest import Json


async def test_a_run_named_into_a_pool_is_polled_by_its_workers(
    api: httpx.AsyncClient, flow: Json
) -> None:
    assert (await api.post("/work_pools/", json={"name": "box", "type": "process"})).is_success
    body = {"flow_id": flow["id"], "work_pool_name": "box", "work_queue_name": "gpu"}
    run = (await api.post("/flow_runs/", json={**body, "state": {"type": "SCHEDULED"}})).json()
    queue = (await api.get("/work_pools/box/queues/gpu")).json()
    assert (run["work_queue_id"], run["work_queue_name"], run["work_pool_name"]) == (
        queue["id"],
        "gpu",
        "box",
    )
    polled = await api.post("/work_pools/box/get_scheduled_flow_runs", json={})
    assert [item["flow_run"]["id"] for item in polled.json()] == [run["id"]]

    default = (
        await api.post("/flow_runs/", json={"flow_id": flow["id"], "work_pool_name": "box"})
    ).json()
    pool = (await api.get("/work_pools/box")).json()
    assert default["work_queue_id"] == pool["default_queue_id"]


async def test_a_run_named_into_a_missing_pool_is_404_and_not_stored(
    api: httpx.AsyncClient, flow: Json
) -> None:
    response = await api.post("/flow_runs/", json={"flow_id": flow["id"], "work_pool_name": "nope"})
    assert response.status_code == 404
    assert response.json()["detail"] == "Work pool 'nope' not found"
    assert (await api.post("/flow_runs/count", json={})).json() == 0
