"""State changes the server commits become `prefect.flow-run.*` / `prefect.task-run.*`
events (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from prefect._time import now
from prefect_server.database.engine import Database
from prefect_server.database.orm import Base

Json = dict[str, Any]


async def events_of(api: httpx.AsyncClient, resource_id: str) -> list[Json]:
    body = {"filter": {"resource": {"id": [resource_id]}, "order": "ASC"}}
    response = await api.post("/events/filter", json=body)
    assert response.status_code == 200, response.text
    events: list[Json] = response.json()["events"]
    return events


async def total(api: httpx.AsyncClient) -> int:
    count: int = (await api.post("/events/filter", json={})).json()["total"]
    return count


def related_of(event: Json) -> dict[str, Json]:
    return {
        r["prefect.resource.role"] + ":" + r["prefect.resource.id"]: r for r in event["related"]
    }


async def test_flow_run_state_changes_are_events(api, flow, make_flow_run, set_state) -> None:
    assert (await api.patch(f"/flows/{flow['id']}", json={"tags": ["team-a"]})).status_code == 204
    run = await make_flow_run(tags=["nightly"])
    running = (await set_state(run["id"], "RUNNING"))["state"]
    completed = (await set_state(run["id"], "COMPLETED", message="all done"))["state"]

    events = await events_of(api, f"prefect.flow-run.{run['id']}")
    assert [e["event"] for e in events] == [
        "prefect.flow-run.Pending",
        "prefect.flow-run.Running",
        "prefect.flow-run.Completed",
    ]
    pending, started, finished = events
    # the event's id is the state's, and it follows the previous state's event
    assert (pending["id"], started["id"], finished["id"]) == (
        run["state"]["id"],
        running["id"],
        completed["id"],
    )
    assert (pending["follows"], started["follows"], finished["follows"]) == (
        None,
        pending["id"],
        started["id"],
    )
    assert datetime.fromisoformat(finished["occurred"]) == datetime.fromisoformat(
        completed["timestamp"]
    )
    assert finished["resource"] == {
        "prefect.resource.id": f"prefect.flow-run.{run['id']}",
        "prefect.resource.name": run["name"],
        "prefect.run-count": "1",
        "prefect.state-message": "all done",
        "prefect.state-name": "Completed",
        "prefect.state-timestamp": datetime.fromisoformat(completed["timestamp"]).isoformat(),
        "prefect.state-type": "COMPLETED",
    }
    assert finished["payload"] == {
        "intended": {"from": "RUNNING", "to": "COMPLETED"},
        "initial_state": {"type": "RUNNING", "name": "Running"},
        "validated_state": {"type": "COMPLETED", "name": "Completed", "message": "all done"},
    }
    assert pending["payload"]["intended"] == {"from": None, "to": "PENDING"}
    assert pending["payload"]["initial_state"] is None
    assert finished["related"] == [
        {
            "prefect.resource.id": f"prefect.flow.{flow['id']}",
            "prefect.resource.role": "flow",
            "prefect.resource.name": flow["name"],
        },
        {"prefect.resource.id": "prefect.tag.nightly", "prefect.resource.role": "tag"},
        {"prefect.resource.id": "prefect.tag.team-a", "prefect.resource.role": "tag"},
    ]


async def test_refused_proposals_make_no_event(api, make_flow_run, set_state) -> None:
    run = await make_flow_run()
    await set_state(run["id"], "RUNNING")
    before = await total(api)
    refused = await set_state(run["id"], "PENDING")
    assert refused["status"] != "ACCEPT"
    assert await total(api) == before


async def test_a_state_the_rules_chose_is_the_event(api, make_flow_run, set_state) -> None:
    run = await make_flow_run(empirical_policy={"retries": 1, "retry_delay": 0})
    await set_state(run["id"], "RUNNING")
    result = await set_state(run["id"], "FAILED", message="boom")
    assert result["state"]["name"] == "AwaitingRetry"
    last = (await events_of(api, f"prefect.flow-run.{run['id']}"))[-1]
    assert last["event"] == "prefect.flow-run.AwaitingRetry"
    assert last["id"] == result["state"]["id"]
    assert last["payload"]["intended"] == {"from": "RUNNING", "to": "SCHEDULED"}
    assert last["payload"]["validated_state"]["message"] == "boom"


async def test_related_resources_name_the_runs_surroundings(
    api, database_url, flow, make_flow_run, make_task_run, set_state
) -> None:
    parent_run = await make_flow_run()
    parent_task = await make_task_run(parent_run["id"], name="fan-out", tags=["from-parent"])
    run = await make_flow_run(parent_task_run_id=parent_task["id"], tags=["own"])
    ids = {name: uuid.uuid4() for name in ("pool", "queue", "deployment")}
    tables = Base.metadata.tables
    db = Database(database_url)
    try:
        async with db.write() as session:
            await session.execute(
                sa.insert(tables["work_pool"]).values(id=ids["pool"], name="pool-a", type="process")
            )
            await session.execute(
                sa.insert(tables["work_queue"]).values(
                    id=ids["queue"], name="queue-a", work_pool_id=ids["pool"]
                )
            )
            await session.execute(
                sa.insert(tables["deployment"]).values(
                    id=ids["deployment"],
                    name="dep-a",
                    flow_id=uuid.UUID(flow["id"]),
                    tags=["from-dep"],
                )
            )
            creator = {"type": "DEPLOYMENT", "id": str(ids["deployment"]), "display_value": "dep-a"}
            await session.execute(
                sa.update(tables["flow_run"])
                .where(tables["flow_run"].c.id == uuid.UUID(run["id"]))
                .values(
                    deployment_id=ids["deployment"],
                    work_queue_id=ids["queue"],
                    work_queue_name="queue-a",
                    work_pool_id=ids["pool"],
                    work_pool_name="pool-a",
                    created_by=creator,
                )
            )
    finally:
        await db.dispose()

    await set_state(run["id"], "RUNNING")
    event = (await events_of(api, f"prefect.flow-run.{run['id']}"))[-1]
    related = related_of(event)
    assert related[f"flow:prefect.flow.{flow['id']}"]["prefect.resource.name"] == flow["name"]
    deployment = related[f"deployment:prefect.deployment.{ids['deployment']}"]
    assert deployment["prefect.resource.name"] == "dep-a"
    queue = related[f"work-queue:prefect.work-queue.{ids['queue']}"]
    assert queue["prefect.resource.name"] == "queue-a"
    pool = related[f"work-pool:prefect.work-pool.{ids['pool']}"]
    assert (pool["prefect.resource.name"], pool["prefect.work-pool.type"]) == ("pool-a", "process")
    task = related[f"task-run:prefect.task-run.{parent_task['id']}"]
    assert task["prefect.resource.name"] == "fan-out"
    tags = sorted(
        r["prefect.resource.id"] for r in event["related"] if r["prefect.resource.role"] == "tag"
    )
    assert tags == ["prefect.tag.from-dep", "prefect.tag.from-parent", "prefect.tag.own"]
    creator_resource = related[f"creator:prefect.deployment.{ids['deployment']}"]
    assert creator_resource["prefect.resource.name"] == "dep-a"


def state(type_: str, name: str, at: datetime, **extra: Any) -> Json:
    return {
        "id": str(uuid.uuid4()),
        "type": type_,
        "name": name,
        "timestamp": at.isoformat(),
        **extra,
    }


def report(run_id: str, flow_run_id: str, states: list[Json], **fields: Any) -> Json:
    return {
        "task_run": {
            "id": run_id,
            "flow_run_id": flow_run_id,
            "task_key": "mod.work",
            "dynamic_key": run_id[:8],
            "name": f"work-{run_id[:4]}",
            "state": states[-1],
            **fields,
        },
        "states": states[:-1],
    }


async def test_reported_task_runs_are_events(api, make_flow_run) -> None:
    flow_run = await make_flow_run(tags=["fr-tag"])
    t0 = now() - timedelta(seconds=30)
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    a_states = [
        state("PENDING", "Pending", t0),
        state("RUNNING", "Running", t0 + timedelta(seconds=1)),
        state("COMPLETED", "Completed", t0 + timedelta(seconds=2), message="ok"),
    ]
    b_states = [
        state("PENDING", "Pending", t0),
        state("RUNNING", "Running", t0 + timedelta(seconds=1)),
    ]
    batch = [
        report(a, flow_run["id"], a_states, tags=["t-a"], run_count=1),
        report(b, flow_run["id"], b_states),
    ]
    assert (await api.post("/task_runs/report", json=batch)).status_code in (200, 201, 204)

    events = await events_of(api, f"prefect.task-run.{a}")
    assert [e["event"] for e in events] == [
        "prefect.task-run.Pending",
        "prefect.task-run.Running",
        "prefect.task-run.Completed",
    ]
    assert [e["id"] for e in events] == [s["id"] for s in a_states]
    assert [e["follows"] for e in events] == [None, a_states[0]["id"], a_states[1]["id"]]
    done = events[-1]
    assert done["resource"]["prefect.resource.name"] == f"work-{a[:4]}"
    assert done["resource"]["prefect.state-message"] == "ok"
    assert done["resource"]["prefect.orchestration"] == "client"
    payload = done["payload"]
    assert payload["intended"] == {"from": "RUNNING", "to": "COMPLETED"}
    assert payload["initial_state"]["name"] == "Running"
    assert payload["validated_state"]["type"] == "COMPLETED"
    assert payload["validated_state"]["data"] is None
    assert "flow_run_id" not in payload["validated_state"]["state_details"]
    assert payload["task_run"]["task_key"] == "mod.work"
    assert "id" not in payload["task_run"] and "state" not in payload["task_run"]
    related = related_of(done)
    assert (
        related[f"flow-run:prefect.flow-run.{flow_run['id']}"]["prefect.resource.name"]
        == (flow_run["name"])
    )
    assert f"flow:prefect.flow.{flow_run['flow_id']}" in related
    assert {"tag:prefect.tag.t-a", "tag:prefect.tag.fr-tag"} <= set(related)

    # the same report again adds nothing; a later report continues the chain
    before = await total(api)
    assert (await api.post("/task_runs/report", json=batch)).status_code in (200, 201, 204)
    assert await total(api) == before
    finish = state("COMPLETED", "Completed", t0 + timedelta(seconds=3))
    later = [report(b, flow_run["id"], [finish])]
    assert (await api.post("/task_runs/report", json=later)).status_code in (200, 201, 204)
    b_events = await events_of(api, f"prefect.task-run.{b}")
    assert [e["event"] for e in b_events][-1] == "prefect.task-run.Completed"
    assert b_events[-1]["payload"]["initial_state"]["name"] == "Running"
    assert b_events[-1]["follows"] == b_states[-1]["id"]


async def test_a_refused_report_writes_no_event(api) -> None:
    orphan = report(str(uuid.uuid4()), str(uuid.uuid4()), [state("PENDING", "Pending", now())])
    response = await api.post("/task_runs/report", json=[orphan])
    assert response.status_code == 409
    assert await total(api) == 0


async def test_task_run_state_changes_through_the_api(
    api, make_flow_run, make_task_run, set_state
) -> None:
    flow_run = await make_flow_run()
    task_run = await make_task_run(flow_run["id"], tags=["api-tag"])
    await set_state(flow_run["id"], "RUNNING")
    await set_state(task_run["id"], "RUNNING", kind="task_runs")
    events = await events_of(api, f"prefect.task-run.{task_run['id']}")
    assert [e["event"] for e in events] == ["prefect.task-run.Pending", "prefect.task-run.Running"]
    running = events[-1]
    assert "prefect.orchestration" not in running["resource"]
    assert running["payload"]["initial_state"]["type"] == "PENDING"
    related = related_of(running)
    assert f"flow-run:prefect.flow-run.{flow_run['id']}" in related
    assert "tag:prefect.tag.api-tag" in related
