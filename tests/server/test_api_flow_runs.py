from __future__ import annotations

import uuid


async def test_create_defaults(api, flow) -> None:
    response = await api.post("/flow_runs/", json={"flow_id": flow["id"], "parameters": {"x": 1}})
    assert response.status_code == 201
    run = response.json()
    assert run["name"] and run["flow_id"] == flow["id"]
    assert run["parameters"] == {"x": 1}
    assert run["state"]["type"] == "PENDING"
    assert run["state"]["state_details"]["flow_run_id"] == run["id"]
    assert run["state_id"] == run["state"]["id"]


async def test_create_with_client_id_and_state(api, flow) -> None:
    run_id = str(uuid.uuid4())
    body = {
        "id": run_id,
        "flow_id": flow["id"],
        "name": "mine",
        "state": {"type": "RUNNING"},
        "tags": ["t"],
        "empirical_policy": {"retries": 2, "retry_delay": 5},
    }
    response = await api.post("/flow_runs/", json=body)
    assert response.status_code == 201
    run = response.json()
    assert run["id"] == run_id and run["name"] == "mine" and run["tags"] == ["t"]
    assert run["state_type"] == "RUNNING" and run["run_count"] == 1
    assert run["empirical_policy"]["retries"] == 2
    # the same id again is the same run (a retried request), not a second one
    again = await api.post("/flow_runs/", json=body)
    assert again.status_code == 200 and again.json()["id"] == run_id
    assert (await api.post("/flow_runs/count", json={})).json() == 1


async def test_idempotency_key_per_flow(api, flow) -> None:
    body = {"flow_id": flow["id"], "idempotency_key": "nightly-1"}
    first = await api.post("/flow_runs/", json=body)
    second = await api.post("/flow_runs/", json=body)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"]

    other_flow = (await api.post("/flows/", json={"name": "other"})).json()
    third = await api.post("/flow_runs/", json={**body, "flow_id": other_flow["id"]})
    assert third.status_code == 201 and third.json()["id"] != first.json()["id"]


async def test_create_for_unknown_flow_is_404(api) -> None:
    response = await api.post("/flow_runs/", json={"flow_id": str(uuid.uuid4())})
    assert response.status_code == 404
    assert "not found" in response.json()["detail"]


async def test_read_unknown_is_404(api) -> None:
    response = await api.get(f"/flow_runs/{uuid.uuid4()}")
    assert response.status_code == 404 and response.json()["detail"] == "Flow run not found"


async def test_update(api, make_flow_run) -> None:
    run = await make_flow_run(name="before")
    response = await api.patch(
        f"/flow_runs/{run['id']}",
        json={"name": "after", "infrastructure_pid": "123", "empirical_policy": {"retries": 1}},
    )
    assert response.status_code == 204
    stored = (await api.get(f"/flow_runs/{run['id']}")).json()
    assert stored["name"] == "after" and stored["infrastructure_pid"] == "123"
    assert stored["empirical_policy"]["retries"] == 1
    assert stored["tags"] == run["tags"]

    assert (await api.patch(f"/flow_runs/{uuid.uuid4()}", json={"name": "x"})).status_code == 404
    assert (await api.patch(f"/flow_runs/{run['id']}", json={"state": "x"})).status_code == 422


async def test_delete_cascades(api, make_flow_run, make_task_run, set_state) -> None:
    run = await make_flow_run()
    keep = await make_flow_run()
    task = await make_task_run(run["id"])
    kept_task = await make_task_run(keep["id"])
    await set_state(task["id"], "RUNNING", kind="task_runs")
    logs = [
        {"name": "l", "level": 20, "message": "m", "flow_run_id": run["id"]},
        {"name": "l", "level": 20, "message": "k", "flow_run_id": keep["id"]},
    ]
    assert (await api.post("/logs/", json=logs)).status_code == 201
    task_state_ids = [
        s["id"]
        for s in (await api.get("/task_run_states/", params={"task_run_id": task["id"]})).json()
    ]

    assert (await api.delete(f"/flow_runs/{run['id']}")).status_code == 204

    assert (await api.get(f"/flow_runs/{run['id']}")).status_code == 404
    assert (await api.get(f"/task_runs/{task['id']}")).status_code == 404
    assert (await api.get(f"/flow_run_states/{run['state']['id']}")).status_code == 404
    for state_id in task_state_ids:
        assert (await api.get(f"/task_run_states/{state_id}")).status_code == 404
    remaining = (await api.post("/logs/filter", json={})).json()
    assert [log["message"] for log in remaining] == ["k"]
    assert (await api.get(f"/task_runs/{kept_task['id']}")).status_code == 200
    assert (await api.delete(f"/flow_runs/{run['id']}")).status_code == 404


async def test_filter_returns_full_runs(api, make_flow_run, set_state) -> None:
    run = await make_flow_run()
    await set_state(run["id"], "RUNNING")
    [found] = (await api.post("/flow_runs/filter", json={})).json()
    assert found["id"] == run["id"]
    assert found["state"]["type"] == "RUNNING" and found["state_name"] == "Running"
    assert found["start_time"] is not None


async def test_malformed_filters_are_422(api) -> None:
    for body in (
        {"flow_runs": {"state": {"type": {"any_": ["DONE"]}}}},
        {"flow_runs": {"nope": {}}},
        {"sort": "SIDEWAYS"},
        {"limit": -1},
        {"offset": "x"},
        {"deployments": {"id": {"any_": []}}},
        {"flow_runs": {"operator": "xor_"}},
    ):
        response = await api.post("/flow_runs/filter", json=body)
        assert response.status_code == 422, body
        assert response.json()["detail"][0]["msg"]
