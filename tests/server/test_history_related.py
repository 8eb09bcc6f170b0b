"""`/flow_runs/history` and `/flow_runs/bulk_delete` narrowed by deployments, work pools
and work queues, as `/flow_runs/filter` is (Prefect names the queue filter of history
`work_queues`, that of bulk_delete `work_pool_queues`)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from prefect._time import now

from tests.server.conftest import Json


async def _deployment(api: httpx.AsyncClient, flow: Json, name: str, pool: str, queue: str) -> Json:
    body = {"flow_id": flow["id"], "name": name, "work_pool_name": pool, "work_queue_name": queue}
    response = await api.post("/deployments/", json=body)
    assert response.status_code == 201, response.text
    result: Json = response.json()
    return result


async def _run(api: httpx.AsyncClient, deployment: Json) -> str:
    response = await api.post(f"/deployments/{deployment['id']}/create_flow_run", json={})
    assert response.status_code == 201, response.text
    run_id: str = response.json()["id"]
    return run_id


@pytest.fixture
async def placed(api: httpx.AsyncClient, flow: Json) -> dict[str, str]:
    """One run each of a deployment in pool cpu/queue q1, one in gpu/q2, and one loose."""
    for pool in ("cpu", "gpu"):
        assert (await api.post("/work_pools/", json={"name": pool, "type": "process"})).is_success
    nightly = await _deployment(api, flow, "nightly", "cpu", "q1")
    hourly = await _deployment(api, flow, "hourly", "gpu", "q2")
    loose = (await api.post("/flow_runs/", json={"flow_id": flow["id"]})).json()["id"]
    return {
        "nightly": await _run(api, nightly),
        "hourly": await _run(api, hourly),
        "loose": loose,
        "nightly_id": nightly["id"],
    }


def _history(**filters: Json) -> Json:
    moment = now()
    return {
        "history_start": (moment - timedelta(hours=1)).isoformat(),
        "history_end": (moment + timedelta(hours=1)).isoformat(),
        "history_interval_seconds": 7200,
        **filters,
    }


async def _history_count(api: httpx.AsyncClient, **filters: Json) -> int:
    response = await api.post("/flow_runs/history", json=_history(**filters))
    assert response.status_code == 200, response.text
    return sum(s["count_runs"] for i in response.json() for s in i["states"])


async def test_history_by_deployment_pool_and_queue(
    api: httpx.AsyncClient, placed: dict[str, str]
) -> None:
    assert await _history_count(api) == 3
    by_id = {"id": {"any_": [placed["nightly_id"]]}}
    assert await _history_count(api, deployments=by_id) == 1
    assert await _history_count(api, deployments={"name": {"any_": ["hourly", "nightly"]}}) == 2
    assert await _history_count(api, work_pools={"name": {"any_": ["gpu"]}}) == 1
    assert await _history_count(api, work_queues={"name": {"any_": ["q1", "q2"]}}) == 2
    assert await _history_count(api, work_queues={"name": {"any_": ["q1"]}}) == 1
    # all given: AND, as on /flow_runs/filter
    both = {"work_pools": {"name": {"any_": ["cpu"]}}, "work_queues": {"name": {"any_": ["q2"]}}}
    assert await _history_count(api, **both) == 0
    assert await _history_count(api, deployments={"name": {"any_": ["nope"]}}) == 0


async def test_history_refuses_a_malformed_related_filter(api: httpx.AsyncClient) -> None:
    for field, model in (
        ("deployments", "DeploymentFilter"),
        ("work_pools", "WorkPoolFilter"),
        ("work_queues", "WorkQueueFilter"),
    ):
        response = await api.post("/flow_runs/history", json=_history(**{field: {"nmae": {}}}))
        assert response.status_code == 422, field
        assert model in response.text


async def test_bulk_delete_by_deployment_pool_and_queue(
    api: httpx.AsyncClient, placed: dict[str, str]
) -> None:
    async def delete(body: Json) -> set[str]:
        response = await api.post("/flow_runs/bulk_delete", json=body)
        assert response.status_code == 200, response.text
        return set(response.json()["deleted"])

    assert await delete({"deployments": {"name": {"any_": ["nope"]}}}) == set()
    assert await delete({"work_pool_queues": {"name": {"any_": ["q2"]}}}) == {placed["hourly"]}
    assert await delete({"work_pools": {"name": {"any_": ["gpu", "cpu"]}}}) == {placed["nightly"]}
    left = (await api.post("/flow_runs/filter", json={})).json()
    assert [run["id"] for run in left] == [placed["loose"]]


async def test_bulk_delete_by_deployment_id(api: httpx.AsyncClient, placed: dict[str, str]) -> None:
    body = {"deployments": {"id": {"any_": [placed["nightly_id"]]}}}
    response = await api.post("/flow_runs/bulk_delete", json=body)
    assert response.json() == {"deleted": [placed["nightly"]]}
    bad = await api.post("/flow_runs/bulk_delete", json={"work_pool_queues": {"nmae": {}}})
    assert bad.status_code == 422 and "WorkQueueFilter" in bad.text
