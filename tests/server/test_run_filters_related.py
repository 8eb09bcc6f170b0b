"""Run and flow filter bodies narrowed by deployments, work pools and work queues."""

from __future__ import annotations

import httpx

from tests.server.conftest import Json


async def _deployment(api: httpx.AsyncClient, flow: Json, name: str, pool: str) -> Json:
    body = {"flow_id": flow["id"], "name": name, "work_pool_name": pool, "work_queue_name": "q"}
    response = await api.post("/deployments/", json=body)
    assert response.status_code == 201, response.text
    result: Json = response.json()
    return result


async def _run(api: httpx.AsyncClient, deployment: Json) -> str:
    response = await api.post(f"/deployments/{deployment['id']}/create_flow_run", json={})
    assert response.status_code == 201, response.text
    run_id: str = response.json()["id"]
    return run_id


async def _ids(api: httpx.AsyncClient, path: str, body: Json) -> set[str]:
    response = await api.post(path, json=body)
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()}


async def test_runs_by_deployment_pool_and_queue(api: httpx.AsyncClient, flow: Json) -> None:
    for pool in ("cpu", "gpu"):
        assert (await api.post("/work_pools/", json={"name": pool, "type": "process"})).is_success
    nightly = await _deployment(api, flow, "nightly", "cpu")
    hourly = await _deployment(api, flow, "hourly", "gpu")
    night_run, hour_run = await _run(api, nightly), await _run(api, hourly)
    loose = (await api.post("/flow_runs/", json={"flow_id": flow["id"]})).json()["id"]
    every = {night_run, hour_run, loose}

    by_deployment = {"deployments": {"id": {"any_": [nightly["id"]]}}}
    assert await _ids(api, "/flow_runs/filter", by_deployment) == {night_run}
    assert (await api.post("/flow_runs/count", json=by_deployment)).json() == 1
    by_name = {"deployments": {"name": {"any_": ["hourly"]}}}
    assert await _ids(api, "/flow_runs/filter", by_name) == {hour_run}
    assert await _ids(api, "/flow_runs/filter", {"work_pools": {"name": {"any_": ["gpu"]}}}) == {
        hour_run
    }
    queues = {"work_pool_queues": {"name": {"any_": ["q"]}}}
    assert await _ids(api, "/flow_runs/filter", queues) == {night_run, hour_run}
    assert await _ids(api, "/flow_runs/filter", {"deployments": None}) == every

    assert await _ids(api, "/flows/filter", by_deployment) == {flow["id"]}
    nobody = {"deployments": {"name": {"any_": ["nope"]}}}
    assert await _ids(api, "/flows/filter", nobody) == set()
    assert await _ids(api, "/task_runs/filter", nobody) == set()


async def test_a_malformed_related_filter_is_a_422(api: httpx.AsyncClient) -> None:
    response = await api.post("/flow_runs/filter", json={"deployments": {"nmae": {}}})
    assert response.status_code == 422
    assert "DeploymentFilter" in response.text
