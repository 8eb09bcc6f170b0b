"""The operations layer against a real embedded store, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from prefect.client.orchestration import get_client
from prefect_console import ops
from prefect_console.ops.states import parse_states

from tests.console.seed import INJECTION, Seeded


async def test_list_flow_runs_newest_first(seeded: Seeded) -> None:
    async with get_client() as client:
        runs = await ops.list_flow_runs(client)
        names = await ops.flow_names(client, runs)
    assert [r.name for r in runs] == ["later-report", "weekly-report", "broken-etl", "nightly-etl"]
    assert {names[r.flow_id] for r in runs} == {"etl", "report"}


async def test_list_flow_runs_limit_and_filters(seeded: Seeded) -> None:
    async with get_client() as client:
        assert len(await ops.list_flow_runs(client, limit=2)) == 2
        failed = await ops.list_flow_runs(client, state=["FAILED"])
        by_name = await ops.list_flow_runs(client, state=["completed", "Running"])
        late_or_failed = await ops.list_flow_runs(
            client, state=["Scheduled"], state_type=["FAILED"]
        )
        etl = await ops.list_flow_runs(client, flow_name=["etl"])
    assert [r.id for r in failed] == [seeded.broken]
    assert {r.id for r in by_name} == {seeded.nightly, seeded.weekly}
    assert {r.id for r in late_or_failed} == {seeded.later, seeded.broken}
    assert {r.id for r in etl} == {seeded.nightly, seeded.broken}


async def test_inspect_flow_run_has_state_flow_and_task_runs(seeded: Seeded) -> None:
    async with get_client() as client:
        detail = await ops.inspect_flow_run(client, seeded.broken)
    assert detail.flow_name == "etl"
    assert detail.flow_run.state is not None and detail.flow_run.state.type.value == "FAILED"
    assert [(t.name, t.state_name) for t in detail.task_runs] == [
        ("extract-0", "Completed"),
        ("transform-0", "Failed"),
    ]


async def test_unknown_flow_run_is_not_found(seeded: Seeded) -> None:
    async with get_client() as client:
        with pytest.raises(ops.NotFound, match="not found"):
            await ops.inspect_flow_run(client, uuid.uuid4())
        with pytest.raises(ops.NotFound):
            [log async for log in ops.flow_run_logs(client, uuid.uuid4())]


async def test_logs_are_paged_in_order_with_head_and_tail(seeded: Seeded) -> None:
    async with get_client() as client:
        every = [
            log.message async for log in ops.flow_run_logs(client, seeded.nightly, page_size=2)
        ]
        head = [
            log.message
            async for log in ops.flow_run_logs(client, seeded.nightly, head=3, page_size=2)
        ]
        tail = [
            log.message
            async for log in ops.flow_run_logs(client, seeded.nightly, tail=3, page_size=2)
        ]
    assert every == [
        "[INFO] starting extract",
        INJECTION,
        "slow load\n  retrying in 1s",
        "Finished in state Completed()",
    ]
    assert head == every[:3]
    assert tail == every[1:]


async def test_server_status_of_the_embedded_store(store: str) -> None:
    from prefect.settings import get_current_settings

    async with get_client() as client:
        status = await ops.server_status(client, get_current_settings())
    assert status.healthy and status.api_url == "embedded"


def test_parse_states_tells_names_from_types() -> None:
    assert parse_states(["COMPLETED", "late", "Completed"]) == (
        ["COMPLETED"],
        ["Completed", "Late"],
    )
    with pytest.raises(ops.ConsoleError) as info:
        parse_states(["nope"])
    assert info.value.usage


def test_parse_flow_run_id() -> None:
    value = uuid.uuid4()
    assert ops.parse_flow_run_id(str(value)) == value
    with pytest.raises(ops.ConsoleError, match="not a valid flow run id"):
        ops.parse_flow_run_id("abc")
