"""The client's flow, flow-run and task-run management methods, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from prefect.client.orchestration import PrefectClient, get_client
from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError
from prefect.schemas.filters import FlowFilter, FlowRunFilter, TaskRunFilter
from prefect.schemas.objects import StateType, TaskRunResult
from prefect.schemas.sorting import FlowRunSort, FlowSort, TaskRunSort
from prefect.states import Completed, Running, Scheduled


class Named:
    def __init__(self, name: str) -> None:
        self.name = name


@pytest.fixture
async def client(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[PrefectClient]:
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", database_url)
    async with get_client() as c:
        yield c


async def test_flow_by_name_update_delete_and_pages(client: PrefectClient) -> None:
    etl = await client.create_flow_from_name("etl")
    slashed = await client.create_flow_from_name("team/etl nightly")
    await client.create_flow_from_name("report")
    assert (await client.read_flow_by_name("etl")).id == etl
    assert (await client.read_flow_by_name("team/etl nightly")).id == slashed
    with pytest.raises(ObjectNotFound, match="'nope'"):
        await client.read_flow_by_name("nope")

    await client.update_flow(etl, tags=["daily"])
    assert (await client.read_flow(etl)).tags == ["daily"]

    page = await client.paginate_flows(sort=FlowSort.NAME_ASC, limit=2, page=2)
    assert [f.name for f in page.results] == ["team/etl nightly"]
    assert (page.count, page.pages, page.page, page.limit) == (3, 2, 2, 2)
    tagged = await client.paginate_flows(
        flow_filter=FlowFilter.model_validate({"tags": {"all_": ["daily"]}})
    )
    assert [f.id for f in tagged.results] == [etl]

    run = await client.create_flow_run(flow_id=etl)
    await client.delete_flow(etl)
    with pytest.raises(ObjectNotFound):
        await client.read_flow(etl)
    with pytest.raises(ObjectNotFound):
        await client.read_flow_run(run.id)
    with pytest.raises(ObjectNotFound):
        await client.delete_flow(etl)


async def test_flow_run_pages_labels_and_bulk_delete(client: PrefectClient) -> None:
    runs = [await client.create_flow_run(Named("etl"), name=f"run-{i}") for i in range(3)]
    page = await client.paginate_flow_runs(sort=FlowRunSort.NAME_DESC, limit=2)
    assert [r.name for r in page.results] == ["run-2", "run-1"]
    assert (page.count, page.pages) == (3, 2)

    await client.update_flow_run_labels(runs[0].id, {"env": "prod", "n": 1})
    await client.update_flow_run_labels(runs[0].id, {"n": 2})
    assert (await client.read_flow_run(runs[0].id)).labels == {"env": "prod", "n": 2}
    with pytest.raises(ObjectNotFound):
        await client.update_flow_run_labels(uuid.uuid4(), {"a": "b"})

    state = (await client.read_flow_run(runs[0].id)).state
    assert state is not None
    assert (await client.read_flow_run_state(state.id)).type == StateType.PENDING

    doomed = FlowRunFilter.model_validate({"name": {"any_": ["run-0", "run-1"]}})
    first = await client.delete_flow_runs(flow_run_filter=doomed, limit=1)
    second = await client.delete_flow_runs(flow_run_filter=doomed)
    assert len(first) == 1 and len(second) == 1
    assert set(first + second) == {runs[0].id, runs[1].id}
    assert [r.id for r in await client.read_flow_runs()] == [runs[2].id]
    with pytest.raises(PrefectHTTPStatusError) as info:
        await client.delete_flow_runs(limit=500)
    assert info.value.status_code == 422


async def test_history(client: PrefectClient) -> None:
    start = datetime(2026, 3, 1, tzinfo=UTC)
    due = start + timedelta(minutes=5)
    await client.create_flow_run(Named("etl"), state=Scheduled(scheduled_time=due))
    history = await client.read_flow_run_history(
        start, start + timedelta(minutes=30), timedelta(minutes=10)
    )
    assert [h.interval_start for h in history] == [
        start + timedelta(minutes=m) for m in (0, 10, 20)
    ]
    [state] = history[0].states
    assert (state.state_type, state.state_name, state.count_runs) == (
        StateType.SCHEDULED,
        "Scheduled",
        1,
    )
    assert state.sum_estimated_lateness > timedelta(0)
    other = await client.read_flow_run_history(
        start,
        start + timedelta(minutes=30),
        600,
        flow_filter=FlowFilter.model_validate({"name": {"any_": ["other"]}}),
    )
    assert all(h.states == [] for h in other)
    with pytest.raises(PrefectHTTPStatusError, match="at most 500"):
        await client.read_flow_run_history(start, start + timedelta(days=1), 1)


async def test_graph_and_task_run_changes(client: PrefectClient) -> None:
    run = await client.create_flow_run(Named("etl"))
    upstream = await client.create_task_run(Named("extract"), run.id, "0")
    downstream = await client.create_task_run(
        Named("load"),
        run.id,
        "0",
        task_inputs={"rows": [TaskRunResult(id=upstream.id)]},
    )
    await client.set_task_run_state(upstream.id, Running())
    await client.set_task_run_state(upstream.id, Completed())

    graph = {node.id: node for node in await client.read_flow_run_graph(run.id)}
    assert graph[downstream.id].upstream_dependencies == [TaskRunResult(id=upstream.id)]
    assert graph[upstream.id].upstream_dependencies == []
    assert graph[upstream.id].state is not None and graph[upstream.id].state.is_completed()
    with pytest.raises(ObjectNotFound):
        await client.read_flow_run_graph(uuid.uuid4())

    await client.update_task_run(downstream.id, name="load-renamed")
    assert (await client.read_task_run(downstream.id)).name == "load-renamed"
    states = await client.read_task_run_states(upstream.id)
    assert (await client.read_task_run_state(states[-1].id)).type == StateType.COMPLETED

    page = await client.paginate_task_runs(
        task_run_filter=TaskRunFilter.model_validate({"flow_run_id": {"any_": [str(run.id)]}}),
        sort=TaskRunSort.NAME_ASC,
        limit=1,
    )
    assert [t.name for t in page.results] == ["extract"] and page.pages == 2

    await client.delete_task_run(upstream.id)
    with pytest.raises(ObjectNotFound):
        await client.read_task_run(upstream.id)
    with pytest.raises(ObjectNotFound):
        await client.read_task_run_state(states[-1].id)
    with pytest.raises(ObjectNotFound):
        await client.delete_task_run(upstream.id)


def test_sync_facade_has_the_new_methods(database_url: str, monkeypatch) -> None:
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", database_url)
    with get_client(sync_client=True) as client:
        flow_id = client.create_flow_from_name("sync-etl")
        assert client.read_flow_by_name("sync-etl").id == flow_id
        assert client.paginate_flow_runs().count == 0
        client.delete_flow(flow_id)
        with pytest.raises(ObjectNotFound):
            client.read_flow_by_name("sync-etl")
