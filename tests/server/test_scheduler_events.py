"""Runs the scheduler inserts get the `prefect.flow-run.Scheduled` event API-made runs get."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from prefect.settings import temporary_settings
from prefect_server.database.engine import Database
from prefect_server.database.orm_deployments import Deployment, DeploymentSchedule
from prefect_server.services.scheduler import Scheduler

Json = dict[str, Any]
DAILY = {"cron": "0 9 * * *", "timezone": "UTC"}
NOW = datetime(2027, 6, 1, 12, tzinfo=UTC)


def scheduler(db: Database, **settings: Any) -> Scheduler:
    names = {f"PREFECT_SERVER_SERVICES_SCHEDULER_{k.upper()}": v for k, v in settings.items()}
    with temporary_settings(names) as resolved:
        return Scheduler(db, settings=resolved)


async def add_deployment(db: Database, flow: Json, schedule: Json, **fields: Any) -> uuid.UUID:
    """Written straight into the store, so that the API's own scheduling (at the real
    clock) does not add runs of its own."""
    deployment_id = uuid.uuid4()
    async with db.write() as session:
        session.add(
            Deployment(
                id=deployment_id,
                name=f"d-{deployment_id.hex[:6]}",
                flow_id=uuid.UUID(flow["id"]),
                **fields,
            )
        )
        await session.flush()
        session.add(
            DeploymentSchedule(
                id=uuid.uuid4(), deployment_id=deployment_id, schedule=schedule, slug="daily"
            )
        )
    return deployment_id


async def runs_of(api: httpx.AsyncClient, deployment_id: uuid.UUID) -> list[Json]:
    body = {"flow_runs": {"deployment_id": {"any_": [str(deployment_id)]}}, "limit": 200}
    result: list[Json] = (await api.post("/flow_runs/filter", json=body)).json()
    return result


async def events_named(api: httpx.AsyncClient, name: str) -> list[Json]:
    # the scheduler's pass runs at a fixed time, so its events are dated then
    occurred = {"since": "2000-01-01T00:00:00Z", "until": "2100-01-01T00:00:00Z"}
    body = {"filter": {"event": {"name": [name]}, "occurred": occurred, "order": "ASC"}}
    response = await api.post("/events/filter", json=body)
    assert response.status_code == 200, response.text
    page: Json = response.json()
    events: list[Json] = page["events"]
    while page.get("next_page"):
        page = (await api.get(page["next_page"])).json()
        events += page["events"]
    return events


def roles(event: Json) -> dict[str, str]:
    return {r["prefect.resource.role"]: r["prefect.resource.id"] for r in event["related"]}


async def test_scheduled_runs_emit_the_api_event(
    api: httpx.AsyncClient, db: Database, flow: Json
) -> None:
    assert (await api.patch(f"/flows/{flow['id']}", json={"tags": ["team"]})).status_code == 204
    dep = await add_deployment(db, flow, DAILY, tags=["nightly"], enforce_parameter_schema=False)
    assert await scheduler(db).run_once(now=NOW) == 3
    runs = {run["id"]: run for run in await runs_of(api, dep)}
    events = await events_named(api, "prefect.flow-run.Scheduled")
    by_run = {
        e["resource"]["prefect.resource.id"].removeprefix("prefect.flow-run."): e for e in events
    }
    assert set(by_run) == set(runs)

    # the same event as that of a run created in Scheduled through the API
    made = await api.post(f"/deployments/{dep}/create_flow_run", json={})
    assert made.status_code == 201, made.text
    reference = next(
        e
        for e in await events_named(api, "prefect.flow-run.Scheduled")
        if e["resource"]["prefect.resource.id"] == f"prefect.flow-run.{made.json()['id']}"
    )
    for run_id, event in by_run.items():
        run = runs[run_id]
        assert event["id"] == run["state_id"]
        assert datetime.fromisoformat(event["occurred"]) == datetime.fromisoformat(
            run["state"]["timestamp"]
        )
        assert event["resource"]["prefect.resource.name"] == run["name"]
        assert event["resource"]["prefect.state-type"] == "SCHEDULED"
        assert set(event["resource"]) == set(reference["resource"])
        assert event["payload"] == {
            "intended": {"from": None, "to": "SCHEDULED"},
            "initial_state": None,
            "validated_state": {
                "type": "SCHEDULED",
                "name": "Scheduled",
                "message": "Flow run scheduled",
            },
        }
        assert set(event["payload"]) == set(reference["payload"])
        found = roles(event)
        assert found["flow"] == f"prefect.flow.{flow['id']}"
        assert found["deployment"] == f"prefect.deployment.{dep}"
        tags = {
            r["prefect.resource.id"]
            for r in event["related"]
            if r["prefect.resource.role"] == "tag"
        }
        assert tags == {"prefect.tag.auto-scheduled", "prefect.tag.nightly", "prefect.tag.team"}
        assert set(found) == set(roles(reference))

    # a repeated pass inserts nothing and says nothing
    assert await scheduler(db).run_once(now=NOW) == 0
    assert len(await events_named(api, "prefect.flow-run.Scheduled")) == 4


@pytest.mark.parametrize("count", [600])
async def test_a_large_plan_gets_one_event_per_run(
    api: httpx.AsyncClient, db: Database, flow: Json, count: int
) -> None:
    # more runs than one INSERT batch of the scheduler (500)
    await add_deployment(db, flow, {"cron": "* * * * *"})
    big = scheduler(db, min_runs=count, max_runs=count, min_scheduled_time=0)
    assert await big.run_once(now=NOW) == count
    events = await events_named(api, "prefect.flow-run.Scheduled")
    assert len(events) == count
    assert len({e["resource"]["prefect.resource.id"] for e in events}) == count
