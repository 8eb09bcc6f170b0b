"""/deployments routes: upsert, read, filter, update, delete, and the runs they plan."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

Json = dict[str, Any]
DAILY_NY = {"cron": "0 9 * * *", "timezone": "America/New_York"}


@pytest.fixture
def make_deployment(api: httpx.AsyncClient, flow: Json) -> Callable[..., Awaitable[Json]]:
    async def make(name: str = "nightly", **fields: Any) -> Json:
        response = await api.post(
            "/deployments/", json={"name": name, "flow_id": flow["id"], **fields}
        )
        assert response.status_code == 201, response.text
        result: Json = response.json()
        return result

    return make


async def runs_of(api: httpx.AsyncClient, deployment_id: str, **flow_runs: Any) -> list[Json]:
    body = {
        "flow_runs": {"deployment_id": {"any_": [deployment_id]}, **flow_runs},
        "sort": "EXPECTED_START_TIME_ASC",
    }
    response = await api.post("/flow_runs/filter", json=body)
    assert response.status_code == 200, response.text
    result: list[Json] = response.json()
    return result


async def test_create_then_upsert_by_flow_and_name(api, flow, make_deployment) -> None:
    created = await make_deployment(
        description="first", tags=["a"], parameters={"x": 1}, schedules=[{"schedule": DAILY_NY}]
    )
    assert created["status"] == "NOT_READY" and created["paused"] is False
    assert created["enforce_parameter_schema"] is True
    assert created["parameter_openapi_schema"] == {"type": "object", "properties": {}}
    assert created["work_pool_name"] is None and created["last_polled"] is None
    assert created["labels"] == {"prefect.flow.id": flow["id"]}
    [schedule] = created["schedules"]
    assert schedule["schedule"] == {**DAILY_NY, "day_or": True}
    assert schedule["deployment_id"] == created["id"] and schedule["active"] is True
    runs = await runs_of(api, created["id"])
    # the default plan: at least 3 runs and an hour ahead, created with the deployment
    assert len(runs) == 3 and all(r["auto_scheduled"] for r in runs)
    assert all(
        r["state"]["type"] == "SCHEDULED" and r["tags"] == ["auto-scheduled", "a"] for r in runs
    )
    assert {r["parameters"]["x"] for r in runs} == {1}

    again = await api.post(
        "/deployments/",
        json={
            "name": "nightly",
            "flow_id": flow["id"],
            "version": "2",
            "schedules": [{"schedule": {"interval": 7200}}],
        },
    )
    assert again.status_code == 200
    updated = again.json()
    assert updated["id"] == created["id"] and updated["version"] == "2"
    # fields the upsert did not send are kept
    assert (updated["description"], updated["tags"], updated["parameters"]) == (
        "first",
        ["a"],
        {"x": 1},
    )
    assert [s["schedule"]["interval"] for s in updated["schedules"]] == [7200.0]
    new_runs = await runs_of(api, created["id"])
    assert not {r["id"] for r in runs} & {r["id"] for r in new_runs}
    assert len(new_runs) == 3
    assert (await api.post("/deployments/count")).json() == 1


async def test_read_by_id_and_by_name(api, make_deployment) -> None:
    dep = await make_deployment()
    assert (await api.get(f"/deployments/{dep['id']}")).json()["name"] == "nightly"
    missing = await api.get(f"/deployments/{uuid.uuid4()}")
    assert missing.status_code == 404 and missing.json()["detail"] == "Deployment not found"
    assert (await api.get("/deployments/not-a-uuid")).status_code == 422
    flow_name = (await api.get(f"/flows/{dep['flow_id']}")).json()["name"]
    by_name = await api.get(f"/deployments/name/{flow_name}/nightly")
    assert by_name.status_code == 200 and by_name.json()["id"] == dep["id"]
    for path in (f"{flow_name}/nope", "nope/nightly", "nightly"):
        response = await api.get(f"/deployments/name/{path}")
        assert response.status_code == 404, path


async def test_flow_name_with_a_slash(api) -> None:
    flow = (await api.post("/flows/", json={"name": "team/etl"})).json()
    await api.post("/deployments/", json={"name": "daily", "flow_id": flow["id"]})
    response = await api.get("/deployments/name/team%2Fetl/daily")
    assert response.status_code == 200 and response.json()["flow_id"] == flow["id"]


@pytest.mark.parametrize(
    ("fields", "loc"),
    [
        ({"name": "a/b"}, "name"),
        ({"name": ""}, "name"),
        ({"nam": "x"}, "nam"),
        ({"concurrency_limit": 0}, "concurrency_limit"),
        ({"concurrency_options": {"collision_strategy": "SOMETIMES"}}, "concurrency_options"),
        ({"schedules": [{"schedule": {"cron": "not a cron"}}]}, "schedules"),
        ({"schedules": [{"schedule": {"interval": 60, "timezone": "Mars/Base"}}]}, "schedules"),
        ({"schedules": [{"schedule": {"interval": -1}}]}, "schedules"),
        ({"schedules": [{"schedule": DAILY_NY, "max_scheduled_runs": 0}]}, "schedules"),
    ],
)
async def test_bad_bodies_are_422(api, flow, fields: Json, loc: str) -> None:
    body = {"name": "nightly", "flow_id": flow["id"], **fields}
    response = await api.post("/deployments/", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][1] == loc
    assert (await api.post("/deployments/count")).json() == 0


async def test_unknown_flow_or_pool_is_404_and_writes_nothing(api, flow) -> None:
    response = await api.post("/deployments/", json={"name": "x", "flow_id": str(uuid.uuid4())})
    assert response.status_code == 404 and response.json()["detail"] == "Flow not found"
    response = await api.post(
        "/deployments/", json={"name": "x", "flow_id": flow["id"], "work_pool_name": "nope"}
    )
    assert response.status_code == 404 and "nope" in response.json()["detail"]
    assert (await api.post("/deployments/count")).json() == 0


async def test_duplicate_schedule_slugs_are_refused(api, flow) -> None:
    body = {
        "name": "x",
        "flow_id": flow["id"],
        "schedules": [{"schedule": DAILY_NY, "slug": "s"}, {"schedule": DAILY_NY, "slug": "s"}],
    }
    response = await api.post("/deployments/", json=body)
    assert response.status_code == 422 and "unique" in response.json()["detail"]
    assert (await api.post("/deployments/count")).json() == 0


async def test_work_pool_and_queue(api, make_deployment) -> None:
    assert (
        await api.post("/work_pools/", json={"name": "pool", "type": "process"})
    ).status_code == 201
    default = await make_deployment("a", work_pool_name="pool", schedules=[{"schedule": DAILY_NY}])
    assert (default["work_pool_name"], default["work_queue_name"]) == ("pool", "default")
    assert default["work_queue_id"] is not None
    named = await make_deployment("b", work_pool_name="pool", work_queue_name="fast")
    assert (named["work_pool_name"], named["work_queue_name"]) == ("pool", "fast")
    queue = await api.get("/work_pools/pool/queues/fast")
    assert queue.status_code == 200 and queue.json()["id"] == named["work_queue_id"]
    runs = await runs_of(api, default["id"])
    assert {(r["work_pool_name"], r["work_queue_name"], r["work_queue_id"]) for r in runs} == {
        ("pool", "default", default["work_queue_id"])
    }
    # a queue alone moves the deployment within its pool
    response = await api.patch(f"/deployments/{default['id']}", json={"work_queue_name": "slow"})
    assert response.status_code == 204
    moved = (await api.get(f"/deployments/{default['id']}")).json()
    assert (moved["work_pool_name"], moved["work_queue_name"]) == ("pool", "slow")
    assert {r["work_queue_name"] for r in await runs_of(api, default["id"])} == {"slow"}
    # a pool alone moves it to that pool's default queue, runs included
    await api.post("/work_pools/", json={"name": "other", "type": "process"})
    assert (
        await api.patch(f"/deployments/{default['id']}", json={"work_pool_name": "other"})
    ).status_code == 204
    moved = (await api.get(f"/deployments/{default['id']}")).json()
    assert (moved["work_pool_name"], moved["work_queue_name"]) == ("other", "default")
    runs = await runs_of(api, default["id"])
    assert {(r["work_pool_name"], r["work_queue_id"]) for r in runs} == {
        ("other", moved["work_queue_id"])
    }
    response = await api.patch(f"/deployments/{default['id']}", json={"work_pool_name": "gone"})
    assert response.status_code == 404


async def test_filter_count_and_paginate(api, flow, make_deployment) -> None:
    other_flow = (await api.post("/flows/", json={"name": "reports"})).json()
    await make_deployment("alpha", tags=["prod"])
    await make_deployment("beta", tags=["dev"], paused=True)
    await api.post(
        "/deployments/", json={"name": "gamma", "flow_id": other_flow["id"], "concurrency_limit": 2}
    )

    async def names(body: Json) -> list[str]:
        response = await api.post("/deployments/filter", json=body)
        assert response.status_code == 200, response.text
        return [d["name"] for d in response.json()]

    assert await names({}) == ["alpha", "beta", "gamma"]
    assert await names({"sort": "NAME_DESC", "limit": 2}) == ["gamma", "beta"]
    assert await names({"sort": None, "limit": None, "offset": 1}) == ["beta", "gamma"]
    assert await names({"deployments": {"tags": {"all_": ["prod"]}}}) == ["alpha"]
    assert await names({"deployments": {"paused": {"eq_": True}}}) == ["beta"]
    assert await names({"deployments": {"name": {"like_": "MM"}}}) == ["gamma"]
    assert await names({"deployments": {"flow_or_deployment_name": {"like_": "report"}}}) == [
        "gamma"
    ]
    assert await names({"deployments": {"concurrency_limit": {"ge_": 1}}}) == ["gamma"]
    assert await names({"flows": {"id": {"any_": [flow["id"]]}}}) == ["alpha", "beta"]
    assert await names({"work_pools": {"name": {"any_": ["nope"]}}}) == []
    count = await api.post("/deployments/count", json={"deployments": {"paused": {"eq_": False}}})
    assert count.json() == 2
    page = (await api.post("/deployments/paginate", json={"limit": 2, "page": 2})).json()
    assert [d["name"] for d in page["results"]] == ["gamma"]
    assert (page["count"], page["pages"], page["page"], page["limit"]) == (3, 2, 2, 2)
    for bad in ({"sort": "SIDEWAYS"}, {"deployments": {"paused": {"eq_": "x"}}}, {"limit": -1}):
        assert (await api.post("/deployments/filter", json=bad)).status_code == 422


async def test_filter_by_runs(api, make_deployment) -> None:
    ran = await make_deployment("ran")
    await make_deployment("idle")
    run = (await api.post(f"/deployments/{ran['id']}/create_flow_run", json={})).json()
    body = {"flow_runs": {"id": {"any_": [run["id"]]}}}
    assert [d["name"] for d in (await api.post("/deployments/filter", json=body)).json()] == ["ran"]


async def test_update(api, make_deployment) -> None:
    dep = await make_deployment(description="d", concurrency_limit=3, tags=["a"])
    patch = {
        "description": None,
        "concurrency_limit": None,
        "tags": None,
        "version": "7",
        "concurrency_options": {"collision_strategy": "CANCEL_NEW"},
        "job_variables": {"image": "x"},
    }
    assert (await api.patch(f"/deployments/{dep['id']}", json=patch)).status_code == 204
    got = (await api.get(f"/deployments/{dep['id']}")).json()
    assert (got["description"], got["concurrency_limit"], got["tags"], got["version"]) == (
        None,
        None,
        ["a"],
        "7",
    )
    assert got["concurrency_options"] == {
        "collision_strategy": "CANCEL_NEW",
        "grace_period_seconds": None,
    }
    assert got["job_variables"] == {"image": "x"}
    assert (await api.patch(f"/deployments/{uuid.uuid4()}", json={})).status_code == 404
    bad = await api.patch(f"/deployments/{dep['id']}", json={"name": "renamed"})
    assert bad.status_code == 422


async def test_update_schedules_by_slug_keeps_ids(api, make_deployment) -> None:
    dep = await make_deployment(
        schedules=[{"schedule": DAILY_NY, "slug": "morning"}, {"schedule": {"interval": 3600}}]
    )
    morning = next(s for s in dep["schedules"] if s["slug"] == "morning")
    evening = {"cron": "0 18 * * *", "timezone": "America/New_York"}
    patch = {
        "schedules": [
            {"schedule": evening, "slug": "morning"},
            {"schedule": {"rrule": "FREQ=DAILY"}, "slug": "x"},
        ]
    }
    assert (await api.patch(f"/deployments/{dep['id']}", json=patch)).status_code == 204
    schedules = (await api.get(f"/deployments/{dep['id']}/schedules")).json()
    by_slug = {s["slug"]: s for s in schedules}
    assert set(by_slug) == {"morning", "x"}
    assert by_slug["morning"]["id"] == morning["id"]
    assert by_slug["morning"]["schedule"]["cron"] == "0 18 * * *"


async def test_parameter_schema_on_update(api, make_deployment) -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    dep = await make_deployment(parameter_openapi_schema=schema)
    # defaults may leave required parameters out; wrong types are a conflict
    assert (
        await api.patch(f"/deployments/{dep['id']}", json={"parameters": {}})
    ).status_code == 204
    bad = await api.patch(f"/deployments/{dep['id']}", json={"parameters": {"n": "x"}})
    assert bad.status_code == 409
    assert bad.json()["detail"].startswith(
        "Error updating deployment: Validation failed for field 'n'"
    )
    off = {"parameters": {"n": "x"}, "enforce_parameter_schema": False}
    assert (await api.patch(f"/deployments/{dep['id']}", json=off)).status_code == 204


async def test_delete_removes_future_auto_runs_and_keeps_the_others(api, make_deployment) -> None:
    dep = await make_deployment(schedules=[{"schedule": DAILY_NY}])
    manual = (await api.post(f"/deployments/{dep['id']}/create_flow_run", json={})).json()
    assert len(await runs_of(api, dep["id"])) == 4
    assert (await api.delete(f"/deployments/{dep['id']}")).status_code == 204
    assert [r["id"] for r in await runs_of(api, dep["id"])] == [manual["id"]]
    assert (await api.get(f"/deployments/{dep['id']}")).status_code == 404
    assert (await api.delete(f"/deployments/{dep['id']}")).status_code == 404
    assert (await api.get(f"/deployments/{dep['id']}/schedules")).status_code == 404


async def test_bulk_delete(api, make_deployment) -> None:
    ids = [(await make_deployment(f"d{i}", tags=["old"] if i < 3 else []))["id"] for i in range(5)]
    body = {"deployments": {"tags": {"all_": ["old"]}}, "limit": 2}
    first = (await api.post("/deployments/bulk_delete", json=body)).json()["deleted"]
    second = (await api.post("/deployments/bulk_delete", json=body)).json()["deleted"]
    assert len(first) == 2 and len(second) == 1 and set(first + second) == set(ids[:3])
    assert (await api.post("/deployments/count")).json() == 2
    assert (await api.post("/deployments/bulk_delete", json={"limit": 201})).status_code == 422


async def test_deleting_the_flow_deletes_its_deployments(api, flow, make_deployment) -> None:
    dep = await make_deployment(schedules=[{"schedule": DAILY_NY}])
    assert (await api.delete(f"/flows/{flow['id']}")).status_code == 204
    assert (await api.get(f"/deployments/{dep['id']}")).status_code == 404
    assert await runs_of(api, dep["id"]) == []


async def test_only_changes_that_reach_runs_replace_them(api, make_deployment) -> None:
    dep = await make_deployment(schedules=[{"schedule": DAILY_NY}], parameters={"x": 1})
    before = {r["id"] for r in await runs_of(api, dep["id"])}
    await api.patch(f"/deployments/{dep['id']}", json={"description": "docs only"})
    assert {r["id"] for r in await runs_of(api, dep["id"])} == before
    await api.patch(f"/deployments/{dep['id']}", json={"parameters": {"x": 2}})
    after = await runs_of(api, dep["id"])
    assert len(after) == 3 and not before & {r["id"] for r in after}
    assert {r["parameters"]["x"] for r in after} == {2}
