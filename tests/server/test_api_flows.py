from __future__ import annotations

import uuid

import httpx


async def test_create_is_idempotent_by_name(api) -> None:
    first = await api.post("/flows/", json={"name": "etl", "tags": ["a"]})
    assert first.status_code == 201
    again = await api.post("/flows/", json={"name": "etl"})
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["tags"] == ["a"]
    assert (await api.post("/flows/count", json={})).json() == 1


async def test_read_flow(api, flow) -> None:
    response = await api.get(f"/flows/{flow['id']}")
    assert response.status_code == 200
    assert response.json()["name"] == flow["name"]
    assert response.json()["created"].endswith("Z") or "+00:00" in response.json()["created"]


async def test_unknown_flow_is_404(api) -> None:
    response = await api.get(f"/flows/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.json()["detail"] == "Flow not found"


async def test_bad_bodies_are_422(api) -> None:
    assert (await api.post("/flows/", json={"name": ""})).status_code == 422
    assert (await api.post("/flows/", json={"nam": "x"})).status_code == 422
    assert (await api.get("/flows/not-a-uuid")).status_code == 422
    bad = await api.post("/flows/filter", json={"flows": {"name": {"any_": "x"}}})
    assert bad.status_code == 422


async def test_filter_and_count_without_body(api, flow) -> None:
    assert [f["id"] for f in (await api.post("/flows/filter")).json()] == [flow["id"]]
    assert (await api.post("/flows/count")).json() == 1


async def test_read_by_name(api, flow) -> None:
    response = await api.get(f"/flows/name/{flow['name']}")
    assert response.status_code == 200 and response.json()["id"] == flow["id"]
    missing = await api.get("/flows/name/nope")
    assert missing.status_code == 404 and missing.json()["detail"] == "Flow not found"


async def test_update_tags(api, flow) -> None:
    response = await api.patch(f"/flows/{flow['id']}", json={"tags": ["a", "b"]})
    assert response.status_code == 204
    assert (await api.get(f"/flows/{flow['id']}")).json()["tags"] == ["a", "b"]
    # null leaves the tags as they are
    assert (await api.patch(f"/flows/{flow['id']}", json={"tags": None})).status_code == 204
    assert (await api.get(f"/flows/{flow['id']}")).json()["tags"] == ["a", "b"]
    assert (await api.patch(f"/flows/{uuid.uuid4()}", json={"tags": []})).status_code == 404
    bad = await api.patch(f"/flows/{flow['id']}", json={"name": "renamed"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "name"]
    assert (await api.patch(f"/flows/{flow['id']}", json={"tags": "a"})).status_code == 422


async def test_delete_cascades_to_runs(api, flow, make_flow_run, make_task_run, set_state) -> None:
    run = await make_flow_run()
    task = await make_task_run(run["id"])
    await set_state(task["id"], "RUNNING", kind="task_runs")
    other_flow = (await api.post("/flows/", json={"name": "kept"})).json()
    kept_run = (await api.post("/flow_runs/", json={"flow_id": other_flow["id"]})).json()
    logs = [
        {"name": "l", "level": 20, "message": "gone", "flow_run_id": run["id"]},
        {"name": "l", "level": 20, "message": "task", "task_run_id": task["id"]},
        {"name": "l", "level": 20, "message": "kept", "flow_run_id": kept_run["id"]},
    ]
    assert (await api.post("/logs/", json=logs)).status_code == 201

    assert (await api.delete(f"/flows/{flow['id']}")).status_code == 204

    assert (await api.get(f"/flows/{flow['id']}")).status_code == 404
    assert (await api.get(f"/flow_runs/{run['id']}")).status_code == 404
    assert (await api.get(f"/task_runs/{task['id']}")).status_code == 404
    assert (await api.get(f"/flow_run_states/{run['state']['id']}")).status_code == 404
    assert (await api.get(f"/task_run_states/{task['state']['id']}")).status_code == 404
    assert [log["message"] for log in (await api.post("/logs/filter", json={})).json()] == ["kept"]
    assert (await api.get(f"/flow_runs/{kept_run['id']}")).status_code == 200
    assert (await api.delete(f"/flows/{flow['id']}")).status_code == 404
    assert (await api.delete("/flows/not-a-uuid")).status_code == 422


async def test_paginate(api) -> None:
    for name in ("a", "b", "c", "d", "e"):
        await api.post("/flows/", json={"name": name, "tags": ["odd"] if name in "ace" else []})
    first = (await api.post("/flows/paginate", json={"limit": 2})).json()
    assert [f["name"] for f in first["results"]] == ["a", "b"]
    assert (first["count"], first["limit"], first["pages"], first["page"]) == (5, 2, 3, 1)
    last = (await api.post("/flows/paginate", json={"limit": 2, "page": 3})).json()
    assert [f["name"] for f in last["results"]] == ["e"] and last["page"] == 3
    beyond = (await api.post("/flows/paginate", json={"limit": 2, "page": 9})).json()
    assert beyond["results"] == [] and beyond["count"] == 5
    odd = await api.post(
        "/flows/paginate", json={"flows": {"tags": {"all_": ["odd"]}}, "sort": "NAME_DESC"}
    )
    assert [f["name"] for f in odd.json()["results"]] == ["e", "c", "a"]
    assert odd.json()["pages"] == 1 and odd.json()["limit"] == 200


async def test_paginate_empty_and_malformed(api) -> None:
    empty = (await api.post("/flows/paginate")).json()
    assert empty == {"results": [], "count": 0, "limit": 200, "pages": 0, "page": 1}
    for body in ({"page": 0}, {"limit": 0}, {"limit": 1001}, {"sort": "SIDEWAYS"}, {"x": 1}):
        response = await api.post("/flows/paginate", json=body)
        assert response.status_code == 422, body
        assert response.json()["detail"][0]["msg"]


async def test_null_sort_offset_and_limit_mean_the_defaults(api: httpx.AsyncClient) -> None:
    # Prefect 3's client sends nulls for the arguments its caller left out
    await api.post("/flows/", json={"name": "null-defaults"})
    body = {"sort": None, "offset": None, "limit": None, "flows": None}
    for path in ("/flows/filter", "/flow_runs/filter", "/task_runs/filter", "/flows/paginate"):
        response = await api.post(path, json=body)
        assert response.status_code == 200, (path, response.text)
    assert (await api.post("/flows/count", json={"offset": None})).json() == 1


async def test_a_value_the_store_cannot_hold_is_a_422_not_a_500(api: httpx.AsyncClient) -> None:
    # PostgreSQL text cannot hold NUL; SQLite can, and stores it as sent
    response = await api.post("/flows/", json={"name": "nul\x00name"})
    assert response.status_code in (201, 422), response.text
    if response.status_code == 422:
        assert response.json()["detail"].startswith("Value cannot be stored")
        assert (await api.post("/flows/count", json={})).json() == 0
