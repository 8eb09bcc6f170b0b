"""Run and flow filter bodies narrowed by deployments, work pools and work queues."""

from __future__ import annotations

import uuid

import httpx
from prefect.schemas.filters import FlowRunFilterRequest
from prefect_server.database.engine import Database
from prefect_server.database.filters import choose_related

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


async def test_flow_id_lists_are_taken_as_given(db: Database, api: httpx.AsyncClient) -> None:
    """A flows filter that is only an id list is used as it is (no lookup of the flows);
    any other flows filter is looked up; both select the same runs."""
    flows = [(await api.post("/flows/", json={"name": f"f{i}"})).json() for i in range(2)]
    runs = [
        (await api.post("/flow_runs/", json={"flow_id": flow["id"]})).json()["id"] for flow in flows
    ]
    only_ids = FlowRunFilterRequest.model_validate(
        {"flows": {"id": {"any_": [flows[0]["id"], str(uuid.uuid4())]}}}
    )
    with_name = FlowRunFilterRequest.model_validate(
        {"flows": {"id": {"any_": [flows[0]["id"]]}, "name": {"any_": ["f0", "f1"]}}}
    )
    async with db.read() as session:
        given = await choose_related(session, only_ids)
        looked_up = await choose_related(session, with_name)
    assert given.flows is not None and len(given.flows) == 2  # the unknown id too: as given
    assert looked_up.flows == [uuid.UUID(flows[0]["id"])]
    for body in (only_ids, with_name):
        found = await _ids(api, "/flow_runs/filter", body.model_dump(mode="json"))
        assert found == {runs[0]}
