"""/deployments routes that make or find runs: create_flow_run, schedules, pause/resume,
get_scheduled_flow_runs."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from prefect._time import now

Json = dict[str, Any]
DAILY_NY = {"cron": "0 9 * * *", "timezone": "America/New_York"}
SCHEMA = {
    "type": "object",
    "properties": {"n": {"type": "integer"}, "label": {"type": "string"}},
    "required": ["n"],
}


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


async def runs_of(api: httpx.AsyncClient, deployment_id: str) -> list[Json]:
    body = {
        "flow_runs": {"deployment_id": {"any_": [deployment_id]}},
        "sort": "EXPECTED_START_TIME_ASC",
    }
    result: list[Json] = (await api.post("/flow_runs/filter", json=body)).json()
    return result


async def test_create_flow_run_merges_over_the_deployment(api, make_deployment) -> None:
    await api.post("/work_pools/", json={"name": "pool", "type": "process"})
    dep = await make_deployment(
        parameters={"n": 1, "label": "x"},
        tags=["b", "a"],
        labels={"team": "data"},
        version="1.2",
        work_pool_name="pool",
        job_variables={"image": "base"},
    )
    before = now()
    response = await api.post(
        f"/deployments/{dep['id']}/create_flow_run",
        json={
            "parameters": {"n": 5},
            "tags": ["c", "a"],
            "name": "by-hand",
            "job_variables": {"env": {"A": "1"}},
        },
    )
    assert response.status_code == 201, response.text
    run = response.json()
    assert (run["name"], run["parameters"], sorted(run["tags"])) == (
        "by-hand",
        {"n": 5, "label": "x"},
        ["a", "b", "c"],
    )
    assert run["labels"] == {
        "team": "data",
        "prefect.flow.id": dep["flow_id"],
        "prefect.deployment.id": dep["id"],
    }
    assert (run["deployment_id"], run["deployment_version"], run["flow_id"]) == (
        dep["id"],
        "1.2",
        dep["flow_id"],
    )
    assert (run["work_pool_name"], run["work_queue_name"], run["work_queue_id"]) == (
        "pool",
        "default",
        dep["work_queue_id"],
    )
    assert run["work_pool_id"] is not None and run["auto_scheduled"] is False
    assert run["job_variables"] == {"env": {"A": "1"}}
    # Scheduled for now unless a state is given
    assert run["state"]["type"] == "SCHEDULED"
    scheduled = datetime.fromisoformat(run["state"]["state_details"]["scheduled_time"])
    assert before - timedelta(seconds=1) <= scheduled <= now()

    other_queue = await api.post(
        f"/deployments/{dep['id']}/create_flow_run", json={"work_queue_name": "urgent"}
    )
    assert other_queue.status_code == 201
    assert (other_queue.json()["work_pool_name"], other_queue.json()["work_queue_name"]) == (
        "pool",
        "urgent",
    )
    pending = await api.post(
        f"/deployments/{dep['id']}/create_flow_run", json={"state": {"type": "PENDING"}}
    )
    assert pending.json()["state"]["type"] == "PENDING"


async def test_create_flow_run_is_idempotent_by_key(api, make_deployment) -> None:
    dep = await make_deployment()
    first = await api.post(
        f"/deployments/{dep['id']}/create_flow_run", json={"idempotency_key": "k"}
    )
    again = await api.post(
        f"/deployments/{dep['id']}/create_flow_run", json={"idempotency_key": "k"}
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert len(await runs_of(api, dep["id"])) == 1


async def test_enforced_parameters(api, make_deployment) -> None:
    dep = await make_deployment(parameter_openapi_schema=SCHEMA, parameters={"label": "x"})
    url = f"/deployments/{dep['id']}/create_flow_run"
    assert (await api.post(url, json={"parameters": {"n": 3}})).status_code == 201
    for parameters, field in (
        ({"n": "three"}, "'n'"),
        ({}, "'parameters'"),
        ({"n": 1, "label": 2}, "'label'"),
    ):
        response = await api.post(url, json={"parameters": parameters})
        assert response.status_code == 409, parameters
        detail = response.json()["detail"]
        assert (
            detail.startswith("Error creating flow run: Validation failed for field")
            and field in detail
        )
    # a run may switch enforcement off; a deployment may never have had it on
    assert (
        await api.post(url, json={"parameters": {}, "enforce_parameter_schema": False})
    ).status_code == 201
    loose = await make_deployment(
        "loose", parameter_openapi_schema=SCHEMA, enforce_parameter_schema=False
    )
    loose_url = f"/deployments/{loose['id']}/create_flow_run"
    assert (await api.post(loose_url, json={"parameters": {"n": "x"}})).status_code == 201
    assert len(await runs_of(api, dep["id"])) == 2


async def test_bad_schemas_and_missing_schemas(api, make_deployment) -> None:
    broken = await make_deployment("broken", parameter_openapi_schema={"type": "nonsense"})
    response = await api.post(f"/deployments/{broken['id']}/create_flow_run", json={})
    assert response.status_code == 422 and response.json()["detail"].startswith("Invalid schema")
    none = await make_deployment("none", parameter_openapi_schema=None)
    response = await api.post(f"/deployments/{none['id']}/create_flow_run", json={})
    assert response.status_code == 409 and "parameter schema" in response.json()["detail"]
    for deployment in (broken, none):
        assert await runs_of(api, deployment["id"]) == []


async def test_create_flow_run_bad_input(api, make_deployment) -> None:
    dep = await make_deployment()
    missing = await api.post(f"/deployments/{uuid.uuid4()}/create_flow_run", json={})
    assert missing.status_code == 404 and missing.json()["detail"] == "Deployment not found"
    bad = await api.post(f"/deployments/{dep['id']}/create_flow_run", json={"parameters": "x"})
    assert bad.status_code == 422
    extra = await api.post(
        f"/deployments/{dep['id']}/create_flow_run", json={"flow_id": dep["flow_id"]}
    )
    assert extra.status_code == 422
    no_body = await api.post(f"/deployments/{dep['id']}/create_flow_run")
    assert no_body.status_code == 201


async def test_schedule_routes_replace_runs_at_once(api, make_deployment) -> None:
    dep = await make_deployment()
    url = f"/deployments/{dep['id']}/schedules"
    assert (await api.get(url)).json() == [] and await runs_of(api, dep["id"]) == []

    created = await api.post(
        url,
        json=[
            {"schedule": DAILY_NY, "slug": "daily"},
            {"schedule": {"interval": 60}, "active": False},
        ],
    )
    assert created.status_code == 201
    daily, minutely = created.json()
    assert (daily["slug"], minutely["active"]) == ("daily", False)
    assert len(await runs_of(api, dep["id"])) == 3

    # switching the minutely schedule on plans its runs too (an hour of them)
    assert (await api.patch(f"{url}/{minutely['id']}", json={"active": True})).status_code == 204
    assert len(await runs_of(api, dep["id"])) == 3 + 61
    assert (
        await api.patch(f"{url}/{minutely['id']}", json={"max_scheduled_runs": 2})
    ).status_code == 204
    assert len(await runs_of(api, dep["id"])) == 3 + 2

    new_time = {"cron": "0 18 * * *", "timezone": "America/New_York"}
    assert (await api.patch(f"{url}/{daily['id']}", json={"schedule": new_time})).status_code == 204
    evening = [
        r
        for r in await runs_of(api, dep["id"])
        if "T22:00" in r["expected_start_time"] or "T23:00" in r["expected_start_time"]
    ]
    assert len(evening) == 3
    assert (await api.delete(f"{url}/{minutely['id']}")).status_code == 204
    assert [s["id"] for s in (await api.get(url)).json()] == [daily["id"]]
    assert len(await runs_of(api, dep["id"])) == 3


async def test_schedule_routes_bad_input(api, make_deployment) -> None:
    dep = await make_deployment(schedules=[{"schedule": DAILY_NY, "slug": "daily"}])
    other = await make_deployment("other", schedules=[{"schedule": DAILY_NY}])
    url = f"/deployments/{dep['id']}/schedules"
    schedule_id = dep["schedules"][0]["id"]
    taken = await api.post(url, json=[{"schedule": DAILY_NY, "slug": "daily"}])
    assert taken.status_code == 409 and "daily" in taken.json()["detail"]
    twice = await api.post(
        url, json=[{"schedule": DAILY_NY, "slug": "x"}, {"schedule": DAILY_NY, "slug": "x"}]
    )
    assert twice.status_code == 422
    assert (await api.post(url, json=[{"schedule": {"cron": "bad"}}])).status_code == 422
    assert (await api.post(url, json={"schedule": DAILY_NY})).status_code == 422
    assert (await api.get(f"/deployments/{uuid.uuid4()}/schedules")).status_code == 404
    assert (await api.post(f"/deployments/{uuid.uuid4()}/schedules", json=[])).status_code == 404
    # a schedule is found only under its own deployment
    wrong = await api.patch(
        f"/deployments/{other['id']}/schedules/{schedule_id}", json={"active": False}
    )
    assert wrong.status_code == 404 and wrong.json()["detail"] == "Schedule not found"
    assert (await api.delete(f"{url}/{uuid.uuid4()}")).status_code == 404
    assert (await api.patch(f"{url}/{schedule_id}", json={"active": "maybe"})).status_code == 422
    assert len((await api.get(url)).json()) == 1


async def test_pause_and_resume(api, make_deployment) -> None:
    dep = await make_deployment(schedules=[{"schedule": DAILY_NY}])
    manual = (await api.post(f"/deployments/{dep['id']}/create_flow_run", json={})).json()
    auto = [r for r in await runs_of(api, dep["id"]) if r["auto_scheduled"]]
    started = auto[0]
    await api.post(f"/flow_runs/{started['id']}/set_state", json={"state": {"type": "PENDING"}})

    response = await api.post(f"/deployments/{dep['id']}/pause_deployment")
    assert response.status_code == 200
    assert (await api.get(f"/deployments/{dep['id']}")).json()["paused"] is True
    # the scheduler's future Scheduled runs go; the manual run and the one a worker took stay
    assert {r["id"] for r in await runs_of(api, dep["id"])} == {manual["id"], started["id"]}

    assert (await api.post(f"/deployments/{dep['id']}/resume_deployment")).status_code == 200
    assert (await api.get(f"/deployments/{dep['id']}")).json()["paused"] is False
    assert (
        len(
            [
                r
                for r in await runs_of(api, dep["id"])
                if r["state_type"] == "SCHEDULED" and r["auto_scheduled"]
            ]
        )
        == 2
    )
    for action in ("pause_deployment", "resume_deployment"):
        assert (await api.post(f"/deployments/{uuid.uuid4()}/{action}")).status_code == 404


async def test_get_scheduled_flow_runs_marks_deployments_polled(api, make_deployment) -> None:
    dep = await make_deployment()
    idle = await make_deployment("idle")
    soon = now() + timedelta(minutes=5)
    later = now() + timedelta(hours=5)
    runs = {}
    for label, when in (("later", later), ("soon", soon)):
        state = {"type": "SCHEDULED", "state_details": {"scheduled_time": when.isoformat()}}
        runs[label] = (
            await api.post(f"/deployments/{dep['id']}/create_flow_run", json={"state": state})
        ).json()
    await api.post(f"/deployments/{dep['id']}/create_flow_run", json={"state": {"type": "RUNNING"}})

    body = {
        "deployment_ids": [dep["id"], idle["id"]],
        "scheduled_before": (now() + timedelta(hours=1)).isoformat(),
    }
    response = await api.post("/deployments/get_scheduled_flow_runs", json=body)
    assert response.status_code == 200
    assert [r["id"] for r in response.json()] == [runs["soon"]["id"]]
    everything = await api.post(
        "/deployments/get_scheduled_flow_runs", json={"deployment_ids": [dep["id"]]}
    )
    assert [r["id"] for r in everything.json()] == [runs["soon"]["id"], runs["later"]["id"]]
    limited = await api.post(
        "/deployments/get_scheduled_flow_runs", json={"deployment_ids": [dep["id"]], "limit": 1}
    )
    assert len(limited.json()) == 1

    polled = (await api.get(f"/deployments/{dep['id']}")).json()
    assert polled["status"] == "READY" and polled["last_polled"] is not None
    assert (await api.post("/deployments/get_scheduled_flow_runs", json={})).status_code == 422
