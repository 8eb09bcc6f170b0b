"""Every field of the filter bodies and every sort, on both backends, through the API."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from prefect._time import now

Json = dict[str, Any]


@pytest.fixture
async def world(api, set_state) -> Json:  # type: ignore[no-untyped-def]
    """Two flows; four flow runs in different states; task runs; a subflow."""
    etl = (await api.post("/flows/", json={"name": "etl", "tags": ["prod"]})).json()
    ml = (await api.post("/flows/", json={"name": "ml-train"})).json()
    base = now()

    async def run(flow: Json, name: str, **fields: Any) -> Json:
        body = {"flow_id": flow["id"], "name": name, **fields}
        response = await api.post("/flow_runs/", json=body)
        assert response.status_code == 201, response.text
        result: Json = response.json()
        return result

    later = (base + timedelta(hours=2)).isoformat()
    a = await run(etl, "alpha", tags=["prod", "db"], flow_version="1", idempotency_key="ka")
    b = await run(etl, "beta", tags=["dev"], flow_version="2", work_queue_name="q1")
    c = await run(
        ml, "gamma_100%", state={"type": "SCHEDULED", "state_details": {"scheduled_time": later}}
    )
    await set_state(a["id"], "RUNNING")
    await set_state(a["id"], "COMPLETED")
    await set_state(b["id"], "RUNNING")

    parent_task = (
        await api.post(
            "/task_runs/",
            json={
                "flow_run_id": a["id"],
                "task_key": "sub",
                "dynamic_key": "0",
                "name": "sub-0",
                "tags": ["heavy"],
            },
        )
    ).json()
    plain_task = (
        await api.post(
            "/task_runs/",
            json={"flow_run_id": b["id"], "task_key": "t", "dynamic_key": "0", "name": "plain"},
        )
    ).json()
    # a task runs only inside a running flow run: beta fails after its task started
    await set_state(plain_task["id"], "RUNNING", kind="task_runs")
    await set_state(b["id"], "FAILED", name="TimedOut")
    d = await run(ml, "delta", parent_task_run_id=parent_task["id"])
    return {
        "etl": etl,
        "ml": ml,
        "a": a,
        "b": b,
        "c": c,
        "d": d,
        "parent_task": parent_task,
        "plain_task": plain_task,
        "base": base,
    }


def names(rows: list[Json]) -> list[str]:
    return sorted(row["name"] for row in rows)


async def flow_runs(api, body: Json) -> list[str]:  # type: ignore[no-untyped-def]
    response = await api.post("/flow_runs/filter", json=body)
    assert response.status_code == 200, response.text
    count = await api.post(
        "/flow_runs/count",
        json={k: v for k, v in body.items() if k not in ("sort", "limit", "offset")},
    )
    if "limit" not in body and "offset" not in body:
        assert count.json() == len(response.json())
    return names(response.json())


async def test_flow_run_fields(api, world) -> None:
    w = world
    fr = lambda **kw: flow_runs(api, {"flow_runs": kw})  # noqa: E731
    assert await fr(id={"any_": [w["a"]["id"], w["c"]["id"]]}) == ["alpha", "gamma_100%"]
    assert await fr(id={"not_any_": [w["a"]["id"]]}) == ["beta", "delta", "gamma_100%"]
    assert await fr(name={"any_": ["beta"]}) == ["beta"]
    assert await fr(name={"like_": "ALP"}) == ["alpha"]
    # like_ is a literal substring: % and _ are not wildcards
    assert await fr(name={"like_": "a_1"}) == ["gamma_100%"]
    assert await fr(name={"like_": "100%"}) == ["gamma_100%"]
    assert await fr(name={"like_": "a%"}) == []
    assert await fr(tags={"all_": ["prod", "db"]}) == ["alpha"]
    assert await fr(tags={"all_": ["prod", "dev"]}) == []
    assert await fr(tags={"any_": ["dev", "db"]}) == ["alpha", "beta"]
    assert await fr(tags={"is_null_": True}) == ["delta", "gamma_100%"]
    assert await fr(tags={"is_null_": False}) == ["alpha", "beta"]
    assert await fr(state={"type": {"any_": ["COMPLETED", "FAILED"]}}) == ["alpha", "beta"]
    assert await fr(state={"type": {"not_any_": ["COMPLETED", "FAILED"]}}) == [
        "delta",
        "gamma_100%",
    ]
    assert await fr(state={"name": {"any_": ["TimedOut"]}}) == ["beta"]
    assert await fr(state={"name": {"not_any_": ["TimedOut", "Pending"]}}) == [
        "alpha",
        "gamma_100%",
    ]
    assert await fr(
        state={"operator": "or_", "type": {"any_": ["SCHEDULED"]}, "name": {"any_": ["TimedOut"]}}
    ) == ["beta", "gamma_100%"]
    assert await fr(flow_version={"any_": ["2"]}) == ["beta"]
    assert await fr(work_queue_name={"any_": ["q1"]}) == ["beta"]
    assert await fr(idempotency_key={"any_": ["ka"]}) == ["alpha"]
    assert await fr(deployment_id={"is_null_": True}) == ["alpha", "beta", "delta", "gamma_100%"]
    assert await fr(deployment_id={"is_null_": False}) == []
    assert await fr(deployment_id={"any_": [str(uuid.uuid4())]}) == []
    assert await fr(parent_task_run_id={"is_null_": False}) == ["delta"]
    assert await fr(parent_task_run_id={"any_": [w["parent_task"]["id"]]}) == ["delta"]
    assert await fr(parent_flow_run_id={"any_": [w["a"]["id"]]}) == ["delta"]
    assert await fr(parent_flow_run_id={"not_any_": [w["a"]["id"]]}) == [
        "alpha",
        "beta",
        "gamma_100%",
    ]


async def test_flow_run_times(api, world) -> None:
    w = world
    fr = lambda **kw: flow_runs(api, {"flow_runs": kw})  # noqa: E731
    assert await fr(start_time={"is_null_": False}) == ["alpha", "beta"]
    assert await fr(start_time={"is_null_": True}) == ["delta", "gamma_100%"]
    assert await fr(end_time={"is_null_": False}) == ["alpha", "beta"]
    a_end = (await api.get(f"/flow_runs/{w['a']['id']}")).json()["end_time"]
    assert await fr(end_time={"before_": a_end}) == ["alpha"]
    assert await fr(end_time={"after_": a_end}) == ["alpha", "beta"]
    soon = (w["base"] + timedelta(hours=1)).isoformat()
    assert await fr(expected_start_time={"after_": soon}) == ["gamma_100%"]
    assert await fr(expected_start_time={"before_": soon}) == ["alpha", "beta", "delta"]
    assert await fr(next_scheduled_start_time={"after_": soon}) == ["gamma_100%"]
    assert await fr(next_scheduled_start_time={"is_null_": True}) == ["alpha", "beta", "delta"]
    assert await fr(start_time={"after_": soon}) == []


async def test_operator_or_across_fields(api, world) -> None:
    body = {
        "flow_runs": {"operator": "or_", "name": {"any_": ["alpha"]}, "tags": {"any_": ["dev"]}}
    }
    assert await flow_runs(api, body) == ["alpha", "beta"]
    body["flow_runs"]["operator"] = "and_"
    assert await flow_runs(api, body) == []


async def test_relations(api, world) -> None:
    w = world
    assert await flow_runs(api, {"flows": {"name": {"any_": ["ml-train"]}}}) == [
        "delta",
        "gamma_100%",
    ]
    assert await flow_runs(api, {"flows": {"tags": {"all_": ["prod"]}}}) == ["alpha", "beta"]
    assert await flow_runs(api, {"task_runs": {"state": {"type": {"any_": ["RUNNING"]}}}}) == [
        "beta"
    ]
    assert await flow_runs(api, {"task_runs": {}}) == ["alpha", "beta"]
    assert await flow_runs(
        api, {"flows": {"id": {"any_": [w["etl"]["id"]]}}, "flow_runs": {"tags": {"any_": ["dev"]}}}
    ) == ["beta"]

    async def flows(body: Json) -> list[str]:
        response = await api.post("/flows/filter", json=body)
        assert response.status_code == 200, response.text
        count = (await api.post("/flows/count", json=body)).json()
        assert count == len(response.json())
        return names(response.json())

    assert await flows({"flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}}}) == ["ml-train"]
    assert await flows({"task_runs": {"name": {"any_": ["plain"]}}}) == ["etl"]
    assert await flows({"flows": {"name": {"like_": "train"}}}) == ["ml-train"]
    assert await flows({"flows": {"tags": {"is_null_": True}}}) == ["ml-train"]
    assert await flows({"flows": {"id": {"not_any_": [w["ml"]["id"]]}}}) == ["etl"]


async def task_runs(api, body: Json) -> list[str]:  # type: ignore[no-untyped-def]
    response = await api.post("/task_runs/filter", json=body)
    assert response.status_code == 200, response.text
    count = (await api.post("/task_runs/count", json=body)).json()
    assert count == len(response.json())
    return names(response.json())


async def test_task_run_fields(api, world) -> None:
    w = world
    tr = lambda **kw: task_runs(api, {"task_runs": kw})  # noqa: E731
    assert await tr(id={"any_": [w["plain_task"]["id"]]}) == ["plain"]
    assert await tr(id={"not_any_": [w["plain_task"]["id"]]}) == ["sub-0"]
    assert await tr(name={"any_": ["sub-0"]}) == ["sub-0"]
    assert await tr(name={"like_": "LAI"}) == ["plain"]
    assert await tr(tags={"all_": ["heavy"]}) == ["sub-0"]
    assert await tr(tags={"any_": ["heavy", "x"]}) == ["sub-0"]
    assert await tr(tags={"is_null_": True}) == ["plain"]
    assert await tr(state={"type": {"any_": ["RUNNING"]}}) == ["plain"]
    assert await tr(state={"name": {"any_": ["Pending"]}}) == ["sub-0"]
    assert await tr(start_time={"is_null_": False}) == ["plain"]
    assert await tr(start_time={"before_": now().isoformat()}) == ["plain"]
    assert await tr(expected_start_time={"after_": w["base"].isoformat()}) == ["plain", "sub-0"]
    assert await tr(expected_start_time={"before_": w["base"].isoformat()}) == []
    assert await tr(subflow_runs={"exists_": True}) == ["sub-0"]
    assert await tr(subflow_runs={"exists_": False}) == ["plain"]
    assert await tr(flow_run_id={"any_": [w["b"]["id"]]}) == ["plain"]
    assert await tr(flow_run_id={"is_null_": True}) == []
    assert await tr(operator="or_", name={"any_": ["plain"]}, tags={"any_": ["heavy"]}) == [
        "plain",
        "sub-0",
    ]


async def test_task_run_relations(api, world) -> None:
    assert await task_runs(api, {"flow_runs": {"name": {"any_": ["alpha"]}}}) == ["sub-0"]
    assert await task_runs(api, {"flows": {"name": {"any_": ["etl"]}}}) == ["plain", "sub-0"]
    assert await task_runs(api, {"flows": {"name": {"any_": ["ml-train"]}}}) == []
    assert await task_runs(
        api,
        {
            "flows": {"name": {"any_": ["etl"]}},
            "flow_runs": {"state": {"type": {"any_": ["FAILED"]}}},
        },
    ) == ["plain"]


async def ordered(api, resource: str, sort: str, **extra: Any) -> list[str]:  # type: ignore[no-untyped-def]
    response = await api.post(f"/{resource}/filter", json={"sort": sort, **extra})
    assert response.status_code == 200, response.text
    return [row["name"] for row in response.json()]


async def test_flow_run_sorts(api, world) -> None:
    assert await ordered(api, "flow_runs", "NAME_ASC") == ["alpha", "beta", "delta", "gamma_100%"]
    assert await ordered(api, "flow_runs", "NAME_DESC") == ["gamma_100%", "delta", "beta", "alpha"]
    # expected start: alpha, beta, delta were created in that order; gamma is 2 h ahead
    assert await ordered(api, "flow_runs", "EXPECTED_START_TIME_ASC") == [
        "alpha",
        "beta",
        "delta",
        "gamma_100%",
    ]
    assert await ordered(api, "flow_runs", "EXPECTED_START_TIME_DESC") == [
        "gamma_100%",
        "delta",
        "beta",
        "alpha",
    ]
    # start time falls back to the expected start time for runs that have not started
    assert await ordered(api, "flow_runs", "START_TIME_DESC") == [
        "gamma_100%",
        "delta",
        "beta",
        "alpha",
    ]
    assert await ordered(api, "flow_runs", "START_TIME_ASC") == [
        "alpha",
        "beta",
        "delta",
        "gamma_100%",
    ]
    assert (await ordered(api, "flow_runs", "END_TIME_DESC"))[:2] == ["beta", "alpha"]
    assert (await ordered(api, "flow_runs", "NEXT_SCHEDULED_START_TIME_ASC"))[0] == "gamma_100%"
    by_id = await api.post("/flow_runs/filter", json={"sort": "ID_DESC"})
    ids = [row["id"] for row in by_id.json()]
    assert ids == sorted(ids, key=lambda i: uuid.UUID(i), reverse=True)
    assert await ordered(api, "flow_runs", "NAME_ASC", limit=2, offset=1) == ["beta", "delta"]


async def test_task_run_and_flow_sorts(api, world) -> None:
    assert await ordered(api, "task_runs", "NAME_ASC") == ["plain", "sub-0"]
    assert await ordered(api, "task_runs", "NAME_DESC") == ["sub-0", "plain"]
    assert await ordered(api, "task_runs", "EXPECTED_START_TIME_ASC") == ["sub-0", "plain"]
    assert await ordered(api, "task_runs", "EXPECTED_START_TIME_DESC") == ["plain", "sub-0"]
    await api.post(
        f"/task_runs/{world['plain_task']['id']}/set_state", json={"state": {"type": "COMPLETED"}}
    )
    assert await ordered(api, "task_runs", "END_TIME_DESC") == ["plain", "sub-0"]
    assert len(await ordered(api, "task_runs", "NEXT_SCHEDULED_START_TIME_ASC")) == 2
    assert len(await ordered(api, "task_runs", "ID_DESC", limit=1)) == 1
    assert await ordered(api, "flows", "NAME_ASC") == ["etl", "ml-train"]
    assert await ordered(api, "flows", "NAME_DESC") == ["ml-train", "etl"]
    assert await ordered(api, "flows", "CREATED_DESC") == ["ml-train", "etl"]
    assert await ordered(api, "flows", "UPDATED_DESC") == ["ml-train", "etl"]
