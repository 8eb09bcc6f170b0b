"""Tag concurrency (v1 limits) for task runs the engine orchestrates in the flow process.

The engine reports task runs in batches, which no orchestration rule sees; a task with
tags must still get its Running through the server's tag rules, hold the slot while it
runs and give it back when it ends. Real flows, on the embedded store (SQLite and
PostgreSQL).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from prefect import flow, runtime, task
from prefect.client.orchestration import get_client
from prefect.exceptions import Abort
from prefect.schemas.objects import StateType

from tests.integration._engine_helpers import Reader, reader, store  # noqa: F401


def _holders(tag: str) -> list[str]:
    with get_client(sync_client=True) as client:
        return [str(s) for s in client.read_concurrency_limit_by_tag(tag).active_slots]


def test_a_limited_tag_holds_a_slot_while_the_task_runs(reader: Reader) -> None:  # noqa: F811
    reader.client.create_concurrency_limit("db", 1)
    seen: dict[str, Any] = {}

    @task(tags=["db"])
    def query() -> str:
        seen["holders"] = _holders("db")
        return str(runtime.task_run.id)

    @task(tags=["db"], retries=1)
    def flaky() -> None:
        seen.setdefault("attempts", []).append(_holders("db"))
        if len(seen["attempts"]) == 1:
            raise ValueError("once")

    @flow
    def pipeline() -> list[str]:
        seen["flow_run_id"] = runtime.flow_run.id
        flaky()
        return [query(), query()]

    first, second = pipeline()
    # each run held the tag's only slot while it ran, and gave it back afterwards
    assert seen["holders"] == [second]
    assert _holders("db") == []
    runs = reader.task_runs(seen["flow_run_id"])
    assert all(r.state_type is StateType.COMPLETED for r in runs)
    flaky_run = next(r for r in runs if r.name.startswith("flaky"))
    assert seen["attempts"] == [[str(flaky_run.id)], [str(flaky_run.id)]]
    # every state stored once, in order, the Running ones written by the rules
    names = [s.name for s in reader.task_run_states(flaky_run.id)]
    assert names == ["Pending", "Running", "AwaitingRetry", "Retrying", "Completed"]
    assert flaky_run.run_count == 2
    assert [s.name for s in reader.task_run_states(uuid.UUID(first))] == [
        "Pending",
        "Running",
        "Completed",
    ]


def test_a_tag_limited_to_zero_never_runs_the_task(reader: Reader) -> None:  # noqa: F811
    reader.client.create_concurrency_limit("frozen", 0)
    calls: list[int] = []
    seen: dict[str, Any] = {}

    @task(tags=["frozen"], retries=2)
    def blocked() -> None:
        calls.append(1)

    @flow
    def pipeline() -> None:
        seen["flow_run_id"] = runtime.flow_run.id
        state = blocked(return_state=True)
        seen["state"] = state

    pipeline()
    assert calls == []
    state = seen["state"]
    assert state.type is StateType.FAILED and "limit" in (state.message or "")
    with pytest.raises(Abort):
        state.result()
    (stored,) = reader.task_runs(seen["flow_run_id"])
    assert stored.state_type is StateType.FAILED and stored.run_count == 0


def test_async_tasks_and_tags_without_limits(reader: Reader) -> None:  # noqa: F811
    reader.client.create_concurrency_limit("io", 2)
    seen: dict[str, list[str]] = {}

    @task(tags=["io", "unlimited"])
    async def fetch(i: int) -> int:
        seen[str(runtime.task_run.id)] = _holders("io")
        return i

    @flow
    async def pipeline() -> int:
        return sum(await asyncio.gather(fetch(1), fetch(2)))

    assert asyncio.run(pipeline()) == 3
    assert all(run_id in holders for run_id, holders in seen.items()) and len(seen) == 2
    assert _holders("io") == []
