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


async def test_update_name(api, make_flow_run, make_task_run) -> None:
    task = await make_task_run((await make_flow_run())["id"], name="before")
    assert (await api.patch(f"/task_runs/{task['id']}", json={"name": "after"})).status_code == 204
    stored = (await api.get(f"/task_runs/{task['id']}")).json()
    assert stored["name"] == "after" and stored["task_key"] == task["task_key"]
    assert (await api.patch(f"/task_runs/{uuid.uuid4()}", json={"name": "x"})).status_code == 404
    bad = await api.patch(f"/task_runs/{task['id']}", json={"task_key": "x"})
    assert bad.status_code == 422 and "task_key" in bad.json()["detail"][0]["loc"]


async def test_delete_with_states_and_logs(api, make_flow_run, make_task_run, set_state) -> None:
    run = await make_flow_run()
    task = await make_task_run(run["id"])
    kept = await make_task_run(run["id"])
    await set_state(task["id"], "RUNNING", kind="task_runs")
    logs = [
        {"name": "l", "level": 20, "message": "gone", "task_run_id": task["id"]},
        {"name": "l", "level": 20, "message": "kept", "task_run_id": kept["id"]},
    ]
    assert (await api.post("/logs/", json=logs)).status_code == 201
    states = (await api.get("/task_run_states/", params={"task_run_id": task["id"]})).json()

    assert (await api.delete(f"/task_runs/{task['id']}")).status_code == 204

    assert (await api.get(f"/task_runs/{task['id']}")).status_code == 404
    for state in states:
        assert (await api.get(f"/task_run_states/{state['id']}")).status_code == 404
    assert [log["message"] for log in (await api.post("/logs/filter", json={})).json()] == ["kept"]
    assert (await api.get(f"/task_runs/{kept['id']}")).status_code == 200
    assert (await api.get(f"/flow_runs/{run['id']}")).status_code == 200
    assert (await api.delete(f"/task_runs/{task['id']}")).status_code == 404


async def test_paginate(api, make_flow_run, make_task_run) -> None:
    run = await make_flow_run()
    other = await make_flow_run()
    for i in range(3):
        await make_task_run(run["id"], name=f"t{i}")
    await make_task_run(other["id"], name="elsewhere")
    body = {"flow_runs": {"id": {"any_": [run["id"]]}}, "sort": "NAME_ASC", "limit": 2}
    first = (await api.post("/task_runs/paginate", json=body)).json()
    assert [t["name"] for t in first["results"]] == ["t0", "t1"]
    assert (first["count"], first["pages"], first["page"]) == (3, 2, 1)
    second = (await api.post("/task_runs/paginate", json={**body, "page": 2})).json()
    assert [t["name"] for t in second["results"]] == ["t2"]
    assert (await api.post("/task_runs/paginate", json={"page": -1})).status_code == 422
