"""The client's deployment and schedule methods, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from prefect.client.orchestration import PrefectClient, get_client
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
from prefect.schemas.deployments import (
    ConcurrencyLimitStrategy,
    ConcurrencyOptions,
    DeploymentFilter,
    DeploymentScheduleCreate,
    DeploymentSort,
    DeploymentUpdate,
)
from prefect.schemas.filters import FlowFilter, FlowRunFilter
from prefect.schemas.schedules import CronSchedule, IntervalSchedule
from prefect.states import Pending

DAILY = CronSchedule(cron="0 9 * * *", timezone="Europe/Berlin")


@pytest.fixture
async def client(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[PrefectClient]:
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", database_url)
    async with get_client() as c:
        yield c


async def auto_runs(client: PrefectClient, deployment_id: uuid.UUID) -> int:
    flt = FlowRunFilter.model_validate(
        {
            "deployment_id": {"any_": [str(deployment_id)]},
            "state": {"type": {"any_": ["SCHEDULED"]}},
        }
    )
    return len([r for r in await client.read_flow_runs(flow_run_filter=flt) if r.auto_scheduled])


async def test_create_read_update_delete(client: PrefectClient) -> None:
    flow_id = await client.create_flow_from_name("etl")
    deployment_id = await client.create_deployment(
        flow_id,
        "nightly",
        version="1",
        schedules=[DeploymentScheduleCreate(schedule=DAILY, slug="daily")],
        parameters={"n": 1},
        tags=["prod"],
        concurrency_limit=2,
        concurrency_options=ConcurrencyOptions(
            collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW
        ),
        entrypoint="flows.py:etl",
        path="/srv",
        pull_steps=[{"prefect.deployments.steps.set_working_directory": {"directory": "/srv"}}],
    )
    deployment = await client.read_deployment(deployment_id)
    assert (deployment.name, deployment.flow_id, deployment.version) == ("nightly", flow_id, "1")
    assert deployment.concurrency_limit == 2
    assert deployment.concurrency_options is not None
    assert deployment.concurrency_options.collision_strategy == ConcurrencyLimitStrategy.CANCEL_NEW
    assert deployment.entrypoint == "flows.py:etl" and deployment.pull_steps is not None
    assert [s.schedule for s in deployment.schedules] == [DAILY]
    assert await auto_runs(client, deployment_id) == 3
    assert (await client.read_deployment(str(deployment_id))).id == deployment_id
    assert (await client.read_deployment_by_name("etl/nightly")).id == deployment_id

    # the same name again updates, and returns the same id
    assert await client.create_deployment(flow_id, "nightly", version="2") == deployment_id
    assert (await client.read_deployment(deployment_id)).version == "2"

    await client.update_deployment(
        deployment_id, DeploymentUpdate(description="nightly load", tags=["x"])
    )
    updated = await client.read_deployment(deployment_id)
    assert (updated.description, updated.tags, updated.version) == ("nightly load", ["x"], "2")

    await client.delete_deployment(deployment_id)
    with pytest.raises(ObjectNotFound):
        await client.read_deployment(deployment_id)
    with pytest.raises(ObjectNotFound):
        await client.delete_deployment(deployment_id)
    with pytest.raises(ObjectNotFound, match="'etl/nightly'"):
        await client.read_deployment_by_name("etl/nightly")
    with pytest.raises(ValueError):
        await client.read_deployment("not-an-id")
    with pytest.raises(ValueError):
        await client.read_deployment_by_name("no-slash")


async def test_read_deployments_with_filters(client: PrefectClient) -> None:
    etl = await client.create_flow_from_name("etl")
    report = await client.create_flow_from_name("report")
    await client.create_deployment(etl, "a", tags=["prod"])
    await client.create_deployment(etl, "b")
    await client.create_deployment(report, "c", paused=True)

    names = [d.name for d in await client.read_deployments(sort=DeploymentSort.NAME_DESC)]
    assert names == ["c", "b", "a"]
    by_flow = await client.read_deployments(
        flow_filter=FlowFilter.model_validate({"name": {"any_": ["etl"]}})
    )
    assert [d.name for d in by_flow] == ["a", "b"]
    tagged = DeploymentFilter.model_validate({"tags": {"all_": ["prod"]}})
    assert [d.name for d in await client.read_deployments(deployment_filter=tagged)] == ["a"]
    assert [d.name for d in await client.read_deployments(limit=1, offset=1)] == ["b"]
    paused = DeploymentFilter.model_validate({"paused": {"eq_": True}})
    assert await client.count_deployments(deployment_filter=paused) == 1
    page = await client.paginate_deployments(limit=2, page=2)
    assert [d.name for d in page.results] == ["c"] and page.count == 3
    deleted = await client.delete_deployments(deployment_filter=paused)
    assert len(deleted) == 1 and await client.count_deployments() == 2


async def test_runs_from_a_deployment(client: PrefectClient) -> None:
    flow_id = await client.create_flow_from_name("etl")
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}}
    deployment_id = await client.create_deployment(
        flow_id, "manual", parameters={"n": 1, "m": 2}, parameter_openapi_schema=schema, tags=["a"]
    )
    run = await client.create_flow_run_from_deployment(
        deployment_id, parameters={"n": 5}, tags=["b"], name="by-hand", idempotency_key="k"
    )
    assert (run.name, run.parameters, sorted(run.tags)) == ("by-hand", {"n": 5, "m": 2}, ["a", "b"])
    assert run.deployment_id == deployment_id and run.state is not None and run.state.is_scheduled()
    again = await client.create_flow_run_from_deployment(deployment_id, idempotency_key="k")
    assert again.id == run.id
    pending = await client.create_flow_run_from_deployment(deployment_id, state=Pending())
    assert pending.state is not None and pending.state.is_pending()

    # a 409, which the client raises as ObjectAlreadyExists with the server's reason
    with pytest.raises(ObjectAlreadyExists, match="Validation failed for field 'n'"):
        await client.create_flow_run_from_deployment(deployment_id, parameters={"n": "x"})
    with pytest.raises(ObjectNotFound):
        await client.create_flow_run_from_deployment(uuid.uuid4())

    due = await client.get_scheduled_flow_runs_for_deployments([deployment_id])
    assert {r.id for r in due} == {run.id}
    assert (await client.read_deployment(deployment_id)).status == "READY"
    later_only = await client.get_scheduled_flow_runs_for_deployments(
        [deployment_id], scheduled_before=run.expected_start_time - timedelta(minutes=1), limit=5
    )
    assert later_only == []


async def test_schedules_and_pausing(client: PrefectClient) -> None:
    flow_id = await client.create_flow_from_name("etl")
    deployment_id = await client.create_deployment(flow_id, "sched")
    hourly = IntervalSchedule(interval=timedelta(hours=1))
    created = await client.create_deployment_schedules(
        deployment_id, [(DAILY, True), (hourly, False)]
    )
    assert [(s.schedule, s.active) for s in created] == [(DAILY, True), (hourly, False)]
    assert await auto_runs(client, deployment_id) == 3

    await client.update_deployment_schedule(deployment_id, created[1].id, active=True)
    assert await auto_runs(client, deployment_id) == 6
    new_daily = CronSchedule(cron="0 6 * * *", timezone="UTC")
    await client.update_deployment_schedule(deployment_id, created[0].id, schedule=new_daily)
    schedules = await client.read_deployment_schedules(deployment_id)
    assert [s.schedule for s in schedules] == [new_daily, hourly]

    await client.pause_deployment(deployment_id)
    assert (await client.read_deployment(deployment_id)).paused is True
    assert await auto_runs(client, deployment_id) == 0
    await client.resume_deployment(deployment_id)
    assert await auto_runs(client, deployment_id) == 6

    await client.delete_deployment_schedule(deployment_id, created[1].id)
    assert [s.id for s in await client.read_deployment_schedules(deployment_id)] == [created[0].id]
    assert await auto_runs(client, deployment_id) == 3
    with pytest.raises(ObjectNotFound):
        await client.delete_deployment_schedule(deployment_id, created[1].id)
    with pytest.raises(ObjectNotFound):
        await client.read_deployment_schedules(uuid.uuid4())
    with pytest.raises(ObjectNotFound):
        await client.pause_deployment(uuid.uuid4())


def test_sync_facade(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", database_url)
    with get_client(sync_client=True) as client:
        flow_id = client.create_flow_from_name("sync-etl")
        deployment_id = client.create_deployment(
            flow_id, "d", schedules=[DeploymentScheduleCreate(schedule=DAILY)]
        )
        assert client.read_deployment_by_name("sync-etl/d").id == deployment_id
        assert len(client.read_deployment_schedules(deployment_id)) == 1
        run = client.create_flow_run_from_deployment(deployment_id)
        assert run.deployment_id == deployment_id
        client.delete_deployment(deployment_id)
        with pytest.raises(ObjectNotFound):
            client.read_deployment(deployment_id)
