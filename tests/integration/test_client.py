"""The client against the real API code on the embedded store, on SQLite and PostgreSQL."""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from prefect._time import now
from prefect.client.orchestration import PrefectClient, get_client
from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError, ServerUnreachable
from prefect.schemas.actions import LogCreate, TaskRunReport
from prefect.schemas.filters import FlowFilter, FlowRunFilter, LogFilter, TaskRunFilter
from prefect.schemas.objects import StateType, TaskRun
from prefect.schemas.responses import SetStateStatus
from prefect.schemas.sorting import FlowRunSort
from prefect.states import Completed, Pending, Running


class Named:
    def __init__(self, name: str) -> None:
        self.name = name


@pytest.fixture
async def client(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[PrefectClient]:
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", database_url)
    async with get_client() as c:
        assert c.is_embedded
        yield c


async def test_flows_are_created_once_by_name(client: PrefectClient) -> None:
    first = await client.create_flow(Named("etl"))
    again = await client.create_flow_from_name("etl")
    other = await client.create_flow_from_name("report")
    assert first == again != other
    assert (await client.read_flow(first)).name == "etl"
    found = await client.read_flows(
        flow_filter=FlowFilter.model_validate({"name": {"any_": ["report"]}})
    )
    assert [f.id for f in found] == [other]
    assert (await client.read_flow_by_name("etl")).id == first
    with pytest.raises(ObjectNotFound):
        await client.read_flow_by_name("nope")


async def test_flow_run_lifecycle_and_states(client: PrefectClient) -> None:
    run = await client.create_flow_run(
        Named("etl"),
        name="night",
        parameters={"when": now(), "obj": object()},
        tags=["a"],
        state=Pending(),
    )
    assert run.state_type == StateType.PENDING and run.name == "night"
    assert isinstance(run.parameters["when"], str)  # made JSON on the way out
    result = await client.set_flow_run_state(run.id, Running())
    assert result.status == SetStateStatus.ACCEPT
    result = await client.set_flow_run_state(run.id, Completed())
    assert result.status == SetStateStatus.ACCEPT
    read = await client.read_flow_run(run.id)
    assert read.state is not None and read.state.name == "Completed"
    assert read.run_count == 1 and read.start_time is not None and read.end_time is not None
    states = await client.read_flow_run_states(run.id)
    assert [s.type for s in states] == [StateType.PENDING, StateType.RUNNING, StateType.COMPLETED]

    # leaving a terminal state needs force, and the refusal says why
    refused = await client.set_flow_run_state(run.id, Running())
    assert refused.status == SetStateStatus.REJECT
    assert refused.details.reason  # type: ignore[union-attr]
    forced = await client.set_flow_run_state(run.id, Running(), force=True)
    assert forced.status == SetStateStatus.ACCEPT

    await client.delete_flow_run(run.id)
    with pytest.raises(ObjectNotFound):
        await client.read_flow_run(run.id)


async def test_idempotency_key_returns_the_same_run(client: PrefectClient) -> None:
    a = await client.create_flow_run(Named("etl"), idempotency_key="k1")
    b = await client.create_flow_run(Named("etl"), idempotency_key="k1")
    c = await client.create_flow_run(Named("etl"), idempotency_key="k2")
    assert a.id == b.id != c.id


async def test_filters_sort_limit_and_count(client: PrefectClient) -> None:
    ids = []
    for i, tag in enumerate(["x", "y", "x"]):
        run = await client.create_flow_run(Named(f"flow-{i % 2}"), name=f"run-{i}", tags=[tag])
        ids.append(run.id)
    await client.set_flow_run_state(ids[2], Running())
    by_tag = await client.read_flow_runs(
        flow_run_filter=FlowRunFilter.model_validate({"tags": {"all_": ["x"]}}),
        sort=FlowRunSort.NAME_ASC,
    )
    assert [r.name for r in by_tag] == ["run-0", "run-2"]
    running = await client.read_flow_runs(
        flow_run_filter=FlowRunFilter.model_validate({"state": {"type": {"any_": ["RUNNING"]}}})
    )
    assert [r.id for r in running] == [ids[2]]
    by_flow = await client.count_flow_runs(
        flow_filter=FlowFilter.model_validate({"name": {"any_": ["flow-0"]}})
    )
    assert by_flow == 2
    page = await client.read_flow_runs(sort=FlowRunSort.NAME_DESC, limit=1, offset=1)
    assert [r.name for r in page] == ["run-1"]
    assert await client.count_flow_runs() == 3


async def test_errors_carry_the_servers_reason(client: PrefectClient) -> None:
    with pytest.raises(ObjectNotFound):
        await client.read_flow_run(uuid.uuid4())
    with pytest.raises(PrefectHTTPStatusError) as info:
        await client.read_flow_run("not-a-uuid")
    assert info.value.status_code == 422
    with pytest.raises(PrefectHTTPStatusError) as info:
        await client.request("POST", "/flow_runs/filter", json={"flow_runs": {"stat": {}}})
    assert info.value.status_code == 422 and "stat" in str(info.value)


async def test_reported_task_runs_and_logs_are_stored(client: PrefectClient) -> None:
    run = await client.create_flow_run(Named("etl"))
    t0 = now()
    reports = []
    for i in range(3):
        pending, running, done = Pending(), Running(), Completed()
        task_run = TaskRun(
            flow_run_id=run.id,
            task_key="etl.extract",
            dynamic_key=str(i),
            name=f"extract-{i}",
            state=done,
            state_type=done.type,
            state_name=done.name,
            run_count=1,
            start_time=t0,
            end_time=t0 + timedelta(seconds=1),
        )
        reports.append(TaskRunReport(task_run=task_run, states=[pending, running, done]))
    counts = await client.report_task_runs(reports)
    assert counts == {"task_runs": 3, "states": 9}
    assert await client.report_task_runs(reports) == {"task_runs": 3, "states": 0}
    stored = await client.read_task_runs(
        flow_run_filter=FlowRunFilter.model_validate({"id": {"any_": [str(run.id)]}})
    )
    assert sorted(t.name for t in stored) == ["extract-0", "extract-1", "extract-2"]
    assert {t.state_type for t in stored} == {StateType.COMPLETED}
    one = await client.read_task_run(reports[0].task_run.id)
    assert one.state is not None and one.state.name == "Completed"
    assert len(await client.read_task_run_states(one.id)) == 3
    assert (
        await client.count_task_runs(
            task_run_filter=TaskRunFilter.model_validate({"name": {"any_": ["extract-1"]}})
        )
        == 1
    )

    await client.create_logs(
        [
            LogCreate(name="prefect.flow_runs", level=20, message=f"line {i}", flow_run_id=run.id)
            for i in range(5)
        ]
    )
    logs = await client.read_logs(
        LogFilter.model_validate({"flow_run_id": {"any_": [str(run.id)]}}), limit=3, offset=1
    )
    assert [entry.message for entry in logs] == ["line 1", "line 2", "line 3"]


def test_sync_client_offers_the_same_methods(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", database_url)
    with get_client(sync_client=True) as client:
        flow_id = client.create_flow_from_name("sync-flow")
        run = client.create_flow_run(flow_id=flow_id, name="from-sync")
        assert client.read_flow_run(run.id).name == "from-sync"
        assert client.count_flow_runs() == 1
        assert client.api_healthcheck() is None


async def test_unreachable_api_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket closes
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{port}/api")
    monkeypatch.setenv("PREFECT_CLIENT_MAX_RETRIES", "1")
    async with get_client() as client:
        assert not client.is_embedded
        with pytest.raises(ServerUnreachable, match=f"127.0.0.1:{port}"):
            await client.read_flow_runs()
        assert isinstance(await client.api_healthcheck(), ServerUnreachable)
