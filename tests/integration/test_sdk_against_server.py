"""SDK behaviour that touches storage, run four ways: on the embedded store and against a
real `prefect server start` process over HTTP, each on SQLite and PostgreSQL (the
`sdk_backend` fixture in tests/integration/conftest.py).

The server is shared by the whole session, so each test reads back only what its own runs
stored (by run id) and names its variables, limits and artifact keys uniquely. Every
assertion reads through a client of its own, so a behaviour that only held in memory, or
only on the embedded store, fails here.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
from prefect import runtime
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import INPUTS
from prefect.concurrency.sync import AcquireConcurrencySlotTimeoutError, concurrency
from prefect.flow_runs import pause_flow_run, resume_flow_run
from prefect.flows import flow
from prefect.logging import get_run_logger
from prefect.schemas.artifacts import ArtifactFilter
from prefect.schemas.concurrency import GlobalConcurrencyLimitCreate
from prefect.schemas.filters import FlowRunFilter, LogFilter, TaskRunFilter
from prefect.schemas.objects import StateType
from prefect.tasks import task
from prefect.variables import Variable

from tests.integration._engine_helpers import Reader
from tests.integration._server_process import SdkBackend


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _count_task_runs(reader: Reader, flow_run_id: Any, **more: Any) -> int:
    flt = TaskRunFilter.model_validate({"flow_run_id": {"any_": [str(flow_run_id)]}, **more})
    return int(reader.client.count_task_runs(task_run_filter=flt))


def _all_logs(reader: Reader, flow_run_id: Any) -> list[str]:
    """Every stored log message of a flow run, page by page."""
    flt = LogFilter.model_validate({"flow_run_id": {"any_": [str(flow_run_id)]}})
    messages: list[str] = []
    while True:
        page = reader.client.read_logs(log_filter=flt, limit=200, offset=len(messages))
        messages.extend(log.message for log in page)
        if len(page) < 200:
            return messages


def test_the_backend_is_the_one_named(
    sdk_backend: SdkBackend, sdk_reader: Reader, prefect_home: Path
) -> None:
    """Server mode really goes over HTTP: the run is on the server, no store in this process."""

    @flow
    def hello() -> str:
        return "hi"

    state = hello(return_state=True)
    run_id = state.state_details.flow_run_id
    assert sdk_reader.flow_run(run_id).state_type is StateType.COMPLETED  # type: ignore[arg-type]
    if sdk_backend.is_server:
        with urllib.request.urlopen(f"{sdk_backend.api_url}/flow_runs/{run_id}", timeout=5) as r:
            assert json.loads(r.read())["state_type"] == "COMPLETED"
        assert not (prefect_home / "prefect.db").exists()
    elif sdk_backend.database == "sqlite":
        assert (prefect_home / "prefect.db").exists()


def test_states_and_a_failed_task(sdk_reader: Reader) -> None:
    @task
    def boom() -> None:
        raise ValueError("kaput")

    @task
    def fine(x: int) -> int:
        return x + 1

    @flow
    def mixed() -> int:
        fine(1)
        boom()
        return 0

    state = mixed(return_state=True)
    assert state.is_failed()
    run = sdk_reader.flow_run(state.state_details.flow_run_id)  # type: ignore[arg-type]
    assert run.state_type is StateType.FAILED and "kaput" in (run.state.message or "")  # type: ignore[union-attr]
    assert [s.name for s in sdk_reader.flow_run_states(run.id)] == [
        "Pending",
        "Running",
        "Failed",
    ]
    by_name = {t.name: t for t in sdk_reader.task_runs(run.id)}
    assert by_name["fine-0"].state_type is StateType.COMPLETED
    assert by_name["boom-0"].state_type is StateType.FAILED


def test_task_and_flow_retries(sdk_reader: Reader) -> None:
    task_calls: list[int] = []
    flow_calls: list[int] = []

    @task(retries=2, retry_delay_seconds=0)
    def flaky() -> str:
        task_calls.append(1)
        if len(task_calls) < 3:
            raise ConnectionError("again")
        return "ok"

    @flow(retries=1, retry_delay_seconds=0)
    def second_time_lucky() -> str:
        flow_calls.append(runtime.flow_run.run_count)
        if len(flow_calls) == 1:
            raise RuntimeError("first")
        return str(flaky())

    state = second_time_lucky(return_state=True)
    assert state.result() == "ok" and flow_calls == [1, 2] and len(task_calls) == 3
    run = sdk_reader.flow_run(state.state_details.flow_run_id)  # type: ignore[arg-type]
    assert run.state_type is StateType.COMPLETED and run.run_count == 2
    # the server turned the first failure into AwaitingRetry
    assert [s.name for s in sdk_reader.flow_run_states(run.id)] == [
        "Pending",
        "Running",
        "AwaitingRetry",
        "Retrying",
        "Completed",
    ]
    [task_run] = sdk_reader.task_runs(run.id)
    assert task_run.run_count == 3 and task_run.state_type is StateType.COMPLETED
    assert [s.name for s in sdk_reader.task_run_states(task_run.id)] == [
        "Pending",
        "Running",
        "AwaitingRetry",
        "Retrying",
        "AwaitingRetry",
        "Retrying",
        "Completed",
    ]


def test_caching_across_flow_runs(sdk_reader: Reader) -> None:
    calls: list[int] = []

    @task(cache_policy=INPUTS)
    def expensive(x: int) -> int:
        calls.append(x)
        return x * 10

    @flow
    def pipeline(x: int) -> int:
        return int(expensive(x))

    first = pipeline(3, return_state=True)
    second = pipeline(3, return_state=True)
    assert first.result() == second.result() == 30 and calls == [3]
    [cached] = sdk_reader.task_runs(second.state_details.flow_run_id)  # type: ignore[arg-type]
    assert cached.state_type is StateType.COMPLETED and cached.state_name == "Cached"


def test_persisted_results_read_back_through_the_api(sdk_reader: Reader) -> None:
    @task
    def square(x: int) -> int:
        return x * x

    @flow(persist_result=True)
    def squares(n: int) -> dict[str, list[int]]:
        return {"squares": [square(i) for i in range(n)]}

    state = squares(3, return_state=True)
    run = sdk_reader.flow_run(state.state_details.flow_run_id)  # type: ignore[arg-type]
    assert run.state is not None and "storage_key" in run.state.data
    # a state read back from the store, whose value exists only in the result record
    assert run.state.result() == {"squares": [0, 1, 4]}
    task_values = sorted(t.state.result() for t in sdk_reader.task_runs(run.id) if t.state)  # type: ignore[misc]
    assert task_values == [0, 1, 4]


def test_every_task_run_and_log_line_is_stored_when_the_flow_returns(sdk_reader: Reader) -> None:
    count = 300

    @task
    def tick(i: int) -> int:
        get_run_logger().info("tick %d", i)
        return i

    @flow
    def many(n: int) -> int:
        for i in range(n):
            tick(i)
        return sum(tick.map(range(n)).result())

    state = many(count, return_state=True)
    run_id = state.state_details.flow_run_id
    # read at once: nothing may still be on its way
    assert _count_task_runs(sdk_reader, run_id) == 2 * count
    done = {"state": {"type": {"any_": ["COMPLETED"]}}}
    assert _count_task_runs(sdk_reader, run_id, **done) == 2 * count
    messages = _all_logs(sdk_reader, run_id)
    ticks = [m for m in messages if m.startswith("tick ")]
    assert len(ticks) == 2 * count and len(set(ticks)) == count
    assert any(m.startswith("Finished in state Completed") for m in messages)


def test_subflows_are_stored_and_linked(sdk_reader: Reader) -> None:
    @task
    def inc(x: int) -> int:
        return x + 1

    @flow
    def child(x: int) -> int:
        get_run_logger().info("child %d", x)
        return int(inc(x))

    @flow
    def parent() -> list[int]:
        return [child(i) for i in range(3)]

    state = parent(return_state=True)
    assert state.result() == [1, 2, 3]
    parent_id = state.state_details.flow_run_id
    stand_ins = sdk_reader.task_runs(parent_id)  # type: ignore[arg-type]
    assert len(stand_ins) == 3 and all(t.state_type is StateType.COMPLETED for t in stand_ins)
    children = sdk_reader.client.read_flow_runs(
        flow_run_filter=FlowRunFilter.model_validate(
            {"parent_task_run_id": {"any_": [str(t.id) for t in stand_ins]}}
        )
    )
    assert len(children) == 3
    assert {c.parent_task_run_id for c in children} == {t.id for t in stand_ins}
    for run in children:
        assert run.state_type is StateType.COMPLETED
        assert len(sdk_reader.task_runs(run.id)) == 1
        assert any(m.startswith("child ") for m in _all_logs(sdk_reader, run.id))


def test_pause_then_resume(sdk_reader: Reader) -> None:
    seen: dict[str, Any] = {}
    ready = threading.Event()

    @flow
    def waits() -> str:
        seen["run"] = runtime.flow_run.id
        ready.set()
        pause_flow_run(timeout=60, poll_interval=0.05)
        return "resumed"

    def body() -> None:
        try:
            seen["outcome"] = waits()
        except BaseException as exc:  # the assertion below shows it
            seen["outcome"] = exc

    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    assert ready.wait(30)
    deadline = time.monotonic() + 30
    while sdk_reader.flow_run(seen["run"]).state_type is not StateType.PAUSED:
        assert time.monotonic() < deadline, "the flow run never paused"
        time.sleep(0.05)
    assert thread.is_alive()

    resume_flow_run(seen["run"])
    thread.join(30)
    assert seen["outcome"] == "resumed"
    names = [s.name for s in sdk_reader.flow_run_states(seen["run"])]
    assert names[-4:] == ["Running", "Paused", "Running", "Completed"]


def test_variables(sdk_reader: Reader) -> None:
    name = _unique("threshold").replace("-", "_")

    @task
    def read_it() -> Any:
        return Variable.get(name)

    @flow
    def uses_variables() -> Any:
        Variable.set(name, {"min": 1}, tags=["etl"])
        return read_it()

    assert uses_variables() == {"min": 1}
    stored = sdk_reader.client.read_variable_by_name(name)
    assert stored is not None and stored.value == {"min": 1} and stored.tags == ["etl"]
    assert Variable.unset(name) is True
    assert sdk_reader.client.read_variable_by_name(name) is None


def test_artifacts_are_tied_to_their_runs(sdk_reader: Reader) -> None:
    key = _unique("report")

    @task
    def publish() -> Any:
        return create_markdown_artifact("# Done", key=key, description="from a task")

    @flow
    def reports() -> Any:
        return publish()

    state = reports(return_state=True)
    artifact_id = state.result()
    [artifact] = sdk_reader.client.read_artifacts(
        artifact_filter=ArtifactFilter.model_validate({"key": {"any_": [key]}})
    )
    [task_run] = sdk_reader.task_runs(state.state_details.flow_run_id)  # type: ignore[arg-type]
    assert artifact.id == artifact_id and artifact.data == "# Done"
    assert artifact.flow_run_id == state.state_details.flow_run_id
    assert artifact.task_run_id == task_run.id


def test_concurrency_slots_are_held_on_the_store(sdk_reader: Reader) -> None:
    name = _unique("db")
    sdk_reader.client.create_global_concurrency_limit(
        GlobalConcurrencyLimitCreate(name=name, limit=2)
    )

    def active() -> int:
        return int(sdk_reader.client.read_global_concurrency_limit_by_name(name).active_slots)

    @task
    def guarded() -> list[int]:
        seen = []
        with concurrency(name, occupy=2):
            seen.append(active())
            with (
                pytest.raises(AcquireConcurrencySlotTimeoutError),
                concurrency(name, timeout_seconds=0.2),
            ):
                pass
        seen.append(active())
        return seen

    @flow
    def limited() -> list[int]:
        return list(guarded())

    assert limited() == [2, 0]
