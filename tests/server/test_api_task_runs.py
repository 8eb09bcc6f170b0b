from __future__ import annotations

import uuid


async def test_create_and_read(api, make_flow_run) -> None:
    run = await make_flow_run()
    body = {
        "flow_run_id": run["id"],
        "task_key": "mod.add",
        "dynamic_key": "0",
        "name": "add-0",
        "tags": ["x"],
        "task_inputs": {"x": [{"input_type": "parameter", "name": "x"}]},
    }
    response = await api.post("/task_runs/", json=body)
    assert response.status_code == 201
    task = response.json()
    assert task["name"] == "add-0" and task["state"]["type"] == "PENDING"
    assert task["task_inputs"] == {"x": [{"input_type": "parameter", "name": "x"}]}
    assert (await api.get(f"/task_runs/{task['id']}")).json()["id"] == task["id"]


async def test_create_is_idempotent_on_keys(api, make_flow_run) -> None:
    run = await make_flow_run()
    body = {"flow_run_id": run["id"], "task_key": "k", "dynamic_key": "1"}
    first = await api.post("/task_runs/", json=body)
    second = await api.post("/task_runs/", json={**body, "id": str(uuid.uuid4())})
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    third = await api.post("/task_runs/", json={**body, "dynamic_key": "2"})
    assert third.status_code == 201


async def test_task_run_without_flow_run(api) -> None:
    response = await api.post("/task_runs/", json={"task_key": "k", "dynamic_key": "0"})
    assert response.status_code == 201
    assert response.json()["flow_run_id"] is None


async def test_unknown_ids(api) -> None:
    assert (await api.get(f"/task_runs/{uuid.uuid4()}")).status_code == 404
    response = await api.post(
        "/task_runs/", json={"flow_run_id": str(uuid.uuid4()), "task_key": "k", "dynamic_key": "0"}
    )
    assert response.status_code == 404


async def test_malformed_bodies(api) -> None:
    assert (await api.post("/task_runs/", json={"task_key": "k"})).status_code == 422
    bad = await api.post(
        "/task_runs/filter", json={"task_runs": {"subflow_runs": {"exists_": "x"}}}
    )
    assert bad.status_code == 422
