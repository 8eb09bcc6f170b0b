from __future__ import annotations

import uuid


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
