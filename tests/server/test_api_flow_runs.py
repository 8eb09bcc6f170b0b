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
        {"deployments": {"id": {"all_": []}}},
        {"flow_runs": {"operator": "xor_"}},
    ):
        response = await api.post("/flow_runs/filter", json=body)
        assert response.status_code == 422, body
        assert response.json()["detail"][0]["msg"]


async def test_paginate(api, make_flow_run, set_state) -> None:
    runs = [await make_flow_run(name=f"run-{i}") for i in range(5)]
    await set_state(runs[0]["id"], "RUNNING")
    first = (await api.post("/flow_runs/paginate", json={"limit": 2, "sort": "NAME_ASC"})).json()
    assert [r["name"] for r in first["results"]] == ["run-0", "run-1"]
    assert (first["count"], first["limit"], first["pages"], first["page"]) == (5, 2, 3, 1)
    third = await api.post("/flow_runs/paginate", json={"limit": 2, "page": 3, "sort": "NAME_ASC"})
    assert [r["name"] for r in third.json()["results"]] == ["run-4"]
    running = await api.post(
        "/flow_runs/paginate", json={"flow_runs": {"state": {"type": {"any_": ["RUNNING"]}}}}
    )
    assert [r["id"] for r in running.json()["results"]] == [runs[0]["id"]]
    assert running.json()["results"][0]["state"]["type"] == "RUNNING"
    assert running.json()["count"] == 1 and running.json()["pages"] == 1
    for body in ({"page": 0}, {"limit": 0}, {"flow_runs": {"nope": 1}}):
        assert (await api.post("/flow_runs/paginate", json=body)).status_code == 422, body


async def test_bulk_delete_with_filter_and_limit(
    api, make_flow_run, make_task_run, set_state
) -> None:
    doomed = [await make_flow_run(tags=["old"]) for _ in range(3)]
    kept = await make_flow_run(tags=["new"])
    task = await make_task_run(doomed[0]["id"])
    await api.post(
        "/logs/",
        json=[{"name": "l", "level": 20, "message": "m", "flow_run_id": doomed[0]["id"]}],
    )
    body = {"flow_runs": {"tags": {"all_": ["old"]}}, "limit": 2}

    first = await api.post("/flow_runs/bulk_delete", json=body)
    assert first.status_code == 200
    deleted = first.json()["deleted"]
    assert len(deleted) == 2 and set(deleted) <= {r["id"] for r in doomed}
    second = (await api.post("/flow_runs/bulk_delete", json=body)).json()["deleted"]
    assert len(second) == 1 and set(deleted + second) == {r["id"] for r in doomed}
    assert (await api.post("/flow_runs/bulk_delete", json=body)).json() == {"deleted": []}

    assert [r["id"] for r in (await api.post("/flow_runs/filter", json={})).json()] == [kept["id"]]
    assert (await api.get(f"/task_runs/{task['id']}")).status_code == 404
    assert (await api.post("/logs/filter", json={})).json() == []
    assert (await api.get(f"/flow_run_states/{doomed[0]['state']['id']}")).status_code == 404


async def test_bulk_delete_bounds(api, make_flow_run) -> None:
    await make_flow_run()
    bad_bodies = (
        {"limit": 0},
        {"limit": 201},
        {"flow_runs": {"id": "x"}},
        {"deployments": {"nmae": {}}},
    )
    for body in bad_bodies:
        response = await api.post("/flow_runs/bulk_delete", json=body)
        assert response.status_code == 422, body
    # no filter at all: every run, up to the default limit
    assert len((await api.post("/flow_runs/bulk_delete")).json()["deleted"]) == 1


async def test_labels_merge(api, make_flow_run) -> None:
    run = await make_flow_run(labels={"team": "data", "tier": 1})
    response = await api.patch(f"/flow_runs/{run['id']}/labels", json={"tier": 2, "env": "prod"})
    assert response.status_code == 204
    stored = (await api.get(f"/flow_runs/{run['id']}")).json()
    assert stored["labels"] == {"team": "data", "tier": 2, "env": "prod"}
    assert stored["name"] == run["name"]

    missing = await api.patch(f"/flow_runs/{uuid.uuid4()}/labels", json={"a": "b"})
    assert missing.status_code == 404 and missing.json()["detail"] == "Flow run not found"
    for body in ({"nested": {"a": 1}}, ["a"], {"list": [1]}):
        bad = await api.patch(f"/flow_runs/{run['id']}/labels", json=body)
        assert bad.status_code == 422, body
    assert (await api.get(f"/flow_runs/{run['id']}")).json()["labels"] == stored["labels"]
