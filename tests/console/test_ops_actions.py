"""Operations that change runs (cancel, retry, delete), watch, flows and task runs, on a
seeded real store (SQLite and PostgreSQL); and a flow process finishing a cancellation."""

from __future__ import annotations

import asyncio
import threading
import uuid

import pytest
from prefect.client.orchestration import PrefectClient, get_client
from prefect.schemas.objects import StateType
from prefect_console.ops.errors import ConsoleError, NotFound
from prefect_console.ops.flow_runs import (
    cancel_flow_run,
    delete_flow_run,
    read_flow_run,
    retry_flow_run,
    watch_flow_run,
)
from prefect_console.ops.flows import list_flows
from prefect_console.ops.task_runs import inspect_task_run, list_task_runs

from tests.console.seed import Seeded


async def _deployment_run(client: PrefectClient, state_type: StateType) -> uuid.UUID:
    """A finished run that claims a deployment (the store keeps only its id)."""
    from prefect.schemas.actions import FlowRunCreate, StateCreate
    from prefect.states import Completed, Failed

    flow_id = await client.create_flow_from_name("deployed")
    state = Failed() if state_type is StateType.FAILED else Completed()
    run = await client.create_flow_run_from_action(
        FlowRunCreate(
            flow_id=flow_id,
            name="deployed-run",
            deployment_id=uuid.uuid4(),
            state=StateCreate.from_state(state),
        )
    )
    return run.id


async def test_cancel_a_scheduled_run_is_cancelled_at_once(seeded: Seeded) -> None:
    async with get_client() as client:
        result = await cancel_flow_run(client, seeded.later)
    assert result.status == "ACCEPT"
    assert result.flow_run.state is not None
    assert result.flow_run.state.type is StateType.CANCELLED
    assert "Cancelled" in result.message


async def test_cancel_a_running_run_leaves_it_cancelling(seeded: Seeded) -> None:
    async with get_client() as client:
        result = await cancel_flow_run(client, seeded.weekly)
    assert result.flow_run.state_type is StateType.CANCELLING


async def test_cancel_a_finished_run_is_an_error(seeded: Seeded) -> None:
    async with get_client() as client:
        with pytest.raises(ConsoleError, match="already finished"):
            await cancel_flow_run(client, seeded.nightly)
        assert (await read_flow_run(client, seeded.nightly)).state_type is StateType.COMPLETED
        with pytest.raises(NotFound):
            await cancel_flow_run(client, uuid.uuid4())


async def test_retry_without_a_deployment_says_what_to_do(seeded: Seeded) -> None:
    async with get_client() as client:
        with pytest.raises(ConsoleError, match=r"no deployment.*run the flow again"):
            await retry_flow_run(client, seeded.broken)
        with pytest.raises(ConsoleError, match="not finished"):
            await retry_flow_run(client, seeded.weekly)
        assert (await read_flow_run(client, seeded.broken)).state_type is StateType.FAILED


async def test_retry_a_run_of_a_deployment_schedules_it(store: str) -> None:
    async with get_client() as client:
        run_id = await _deployment_run(client, StateType.FAILED)
        run = await retry_flow_run(client, run_id)
    assert run.id == run_id and run.state_type is StateType.SCHEDULED


async def test_delete_removes_the_run(seeded: Seeded) -> None:
    async with get_client() as client:
        await delete_flow_run(client, seeded.broken)
        with pytest.raises(NotFound):
            await read_flow_run(client, seeded.broken)
        with pytest.raises(NotFound):
            await delete_flow_run(client, seeded.broken)


async def test_watch_a_finished_run_yields_logs_then_its_state(seeded: Seeded) -> None:
    async with get_client() as client:
        events = [event async for event in watch_flow_run(client, seeded.nightly, interval=0.1)]
    logs = [e.log.message for e in events if e.log is not None]
    states = [e.state for e in events if e.state is not None]
    assert logs[0] == "[INFO] starting extract" and logs[-1] == "Finished in state Completed()"
    assert len(states) == 1 and states[0] is not None and states[0].is_completed()
    assert events[-1].final


async def test_watch_follows_a_run_until_it_finishes(seeded: Seeded) -> None:
    from prefect.states import Completed

    seen: list[str] = []
    async with get_client() as client:
        async for event in watch_flow_run(client, seeded.weekly, interval=0.05):
            if event.state is not None:
                seen.append(event.state.name or "")
                if event.state.is_running():
                    await client.set_flow_run_state(seeded.weekly, Completed())
    assert seen == ["Running", "Completed"]


async def test_list_flows_and_task_runs(seeded: Seeded) -> None:
    async with get_client() as client:
        flows = await list_flows(client)
        assert {flow.name for flow in flows} == {"etl", "report"}
        assert [f.name for f in await list_flows(client, name="rep")] == ["report"]
        task_runs = await list_task_runs(client, flow_run_id=seeded.nightly)
        assert sorted(t.name for t in task_runs) == ["extract-0", "load-0", "transform-0"]
        failed = await list_task_runs(client, state=["Failed"])
        assert [t.name for t in failed] == ["transform-0"]
        assert len(await list_task_runs(client, limit=2)) == 2
        one = await inspect_task_run(client, task_runs[0].id)
        assert one.id == task_runs[0].id and one.flow_run_id == seeded.nightly
        with pytest.raises(NotFound):
            await inspect_task_run(client, uuid.uuid4())
        with pytest.raises(ConsoleError):
            await list_task_runs(client, state=["Exploded"])


def test_a_flow_cancelled_from_outside_ends_cancelled(store: str) -> None:
    """The engine's final Completed is refused (Cancelling -> Cancelled only): it must then
    report Cancelled, not loop and not claim success."""
    from prefect.context import get_flow_run_context
    from prefect.flows import flow

    started, release = threading.Event(), threading.Event()
    ids: list[uuid.UUID] = []
    outcome: list[object] = []

    @flow
    def long_job() -> int:
        context = get_flow_run_context()
        assert context is not None and context.flow_run is not None
        ids.append(context.flow_run.id)
        started.set()
        release.wait(30)
        return 1

    def run() -> None:
        outcome.append(long_job(return_state=True))

    worker = threading.Thread(target=run)
    worker.start()
    assert started.wait(30)

    async def cancel() -> None:
        async with get_client() as client:
            result = await cancel_flow_run(client, ids[0])
            assert result.flow_run.state_type is StateType.CANCELLING

    asyncio.run(cancel())
    release.set()
    worker.join(60)
    assert not worker.is_alive()
    final = outcome[0]
    assert getattr(final, "type", None) is StateType.CANCELLED

    async def stored() -> StateType | None:
        async with get_client() as client:
            return (await read_flow_run(client, ids[0])).state_type

    assert asyncio.run(stored()) is StateType.CANCELLED
