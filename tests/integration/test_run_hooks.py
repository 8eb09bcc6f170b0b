"""State hooks of flows and tasks (`on_running`, `on_completion`, `on_failure`,
`on_crashed`, `on_cancellation`) are called as Prefect 3 calls them, and a flow run's name
may come from a callable reading `prefect.runtime` (embedded store, SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from prefect import flow, get_run_logger, runtime, task
from prefect.flows import Flow
from prefect.schemas.objects import FlowRun, State, StateType, TaskRun
from prefect.states import Cancelled
from prefect.tasks import Task

from tests.integration._engine_helpers import Reader, reader, store  # noqa: F401

Calls = list[tuple[str, str]]


def _recorder(calls: Calls, label: str) -> Any:
    def hook(owner: Any, run: Any, state: State) -> None:
        calls.append((label, state.name or ""))

    hook.__name__ = f"record_{label}"
    return hook


def test_flow_hooks_see_the_flow_the_run_and_the_state(reader: Reader) -> None:  # noqa: F811
    seen: dict[str, Any] = {}

    def on_completion(flow_: Flow[..., Any], flow_run: FlowRun, state: State) -> None:
        seen.update(flow=flow_, flow_run_id=flow_run.id, state=state)
        # hooks run in the run's context: the run logger works and reaches the store
        get_run_logger().info("completion hook ran for %s", runtime.flow_run.name)

    calls: Calls = []

    @flow(on_running=[_recorder(calls, "running")], on_completion=[on_completion])
    def pipeline() -> int:
        calls.append(("body", ""))
        return 1

    assert pipeline() == 1
    assert calls == [("running", "Running"), ("body", "")]
    [run] = reader.flow_runs()
    assert seen["flow"] is pipeline and seen["flow_run_id"] == run.id
    assert seen["state"].type is StateType.COMPLETED
    messages = [log.message for log in reader.logs(run.id)]
    assert f"completion hook ran for {run.name}" in messages
    assert "Running hook 'on_completion' in response to entering state 'Completed'" in messages


def test_on_failure_runs_once_after_the_retries(store: str) -> None:  # noqa: F811
    calls: Calls = []

    @flow(
        retries=1,
        on_running=[_recorder(calls, "running")],
        on_failure=[_recorder(calls, "failure")],
        on_completion=[_recorder(calls, "completion")],
    )
    def always_fails() -> None:
        raise ValueError("no")

    state = always_fails(return_state=True)
    assert state.is_failed()
    assert calls == [("running", "Running"), ("running", "Retrying"), ("failure", "Failed")]


def test_parameter_validation_failure_calls_on_failure(store: str) -> None:  # noqa: F811
    calls: Calls = []

    @flow(on_failure=[_recorder(calls, "failure")], on_running=[_recorder(calls, "running")])
    def typed(x: int) -> int:
        return x

    assert typed("not a number", return_state=True).is_failed()  # type: ignore[arg-type]
    assert calls == [("failure", "Failed")]


def test_on_crashed_and_on_cancellation(store: str) -> None:  # noqa: F811
    calls: Calls = []

    @flow(on_crashed=[_recorder(calls, "crashed")], on_failure=[_recorder(calls, "failure")])
    def interrupted() -> None:
        raise KeyboardInterrupt

    @flow(on_cancellation=[_recorder(calls, "cancelled")])
    def gives_up() -> State:
        return Cancelled(message="not today")

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    assert calls == [("crashed", "Crashed")]
    calls.clear()
    assert gives_up(return_state=True).is_cancelled()
    assert calls == [("cancelled", "Cancelled")]


def test_decorator_methods_and_with_options(store: str) -> None:  # noqa: F811
    calls: Calls = []

    @flow
    def job() -> str:
        return "done"

    @job.on_completion
    def first(flow_: Any, flow_run: Any, state: State) -> None:
        calls.append(("first", state.name or ""))

    assert first.__name__ == "first"  # the decorator hands the function back
    copy = job.with_options(name="copy")
    copy.on_completion(_recorder(calls, "copy-only"))
    replaced = job.with_options(on_completion=[_recorder(calls, "replaced")])

    job()
    assert calls == [("first", "Completed")]
    calls.clear()
    copy()
    assert calls == [("first", "Completed"), ("copy-only", "Completed")]
    calls.clear()
    replaced()
    assert calls == [("replaced", "Completed")]


def test_a_failing_hook_is_logged_and_changes_nothing(reader: Reader) -> None:  # noqa: F811
    calls: Calls = []

    def broken(flow_: Any, flow_run: Any, state: State) -> None:
        raise RuntimeError("hook bug")

    @flow(on_completion=[broken, _recorder(calls, "after")])
    def fine() -> int:
        return 7

    assert fine() == 7
    assert calls == [("after", "Completed")]
    [run] = reader.flow_runs()
    assert run.state_type is StateType.COMPLETED
    messages = [log.message for log in reader.logs(run.id)]
    assert any(
        m.startswith("An error was encountered while running hook 'broken'") and "hook bug" in m
        for m in messages
    )


def test_async_hooks_are_awaited(store: str) -> None:  # noqa: F811
    calls: Calls = []

    async def async_hook(owner: Any, run: Any, state: State) -> None:
        await asyncio.sleep(0)
        calls.append((type(owner).__name__, state.name or ""))

    @task(on_completion=[async_hook])
    def sync_task() -> int:
        return 1

    @flow(on_completion=[async_hook])
    async def async_flow() -> int:
        return sync_task()  # type: ignore[return-value]

    @flow(on_completion=[async_hook])
    def sync_flow() -> int:
        return sync_task()

    assert asyncio.run(async_flow()) == 1
    assert sync_flow() == 1
    assert calls == [("Task", "Completed"), ("Flow", "Completed")] * 2


def test_task_hooks(reader: Reader) -> None:  # noqa: F811
    calls: Calls = []
    seen: dict[str, Any] = {}

    def completion(task_: Task[..., Any], task_run: TaskRun, state: State) -> None:
        seen.update(task=task_, task_run_id=task_run.id, name=runtime.task_run.name)
        calls.append(("completion", state.name or ""))

    attempts: list[int] = []

    @task(
        retries=2,
        on_running=[_recorder(calls, "running")],
        on_completion=[completion],
        on_failure=[_recorder(calls, "failure")],
    )
    def flaky() -> int:
        attempts.append(1)
        if len(attempts) < 2:
            raise ValueError("first try")
        return len(attempts)

    @task(retries=1)
    def doomed() -> None:
        raise ValueError("never")

    doomed.on_failure(_recorder(calls, "doomed-failure"))

    @flow
    def pipeline() -> int:
        value = flaky()
        doomed(return_state=True)
        return value

    assert pipeline() == 2
    assert calls == [
        ("running", "Running"),
        ("running", "Retrying"),
        ("completion", "Completed"),
        ("doomed-failure", "Failed"),
    ]
    [run] = reader.flow_runs()
    flaky_run = next(t for t in reader.task_runs(run.id) if t.name.startswith("flaky"))
    assert seen == {"task": flaky, "task_run_id": flaky_run.id, "name": flaky_run.name}


def test_hooks_must_be_lists_of_callables() -> None:
    def hook(*args: Any) -> None: ...

    with pytest.raises(TypeError, match="list of hooks for 'on_completion'"):
        flow(on_completion=hook)(lambda: None)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="must be callable"):
        task(on_failure=["not callable"])(lambda: None)  # type: ignore[list-item]


def test_flow_run_name_callable_reads_runtime(reader: Reader) -> None:  # noqa: F811
    def name_it() -> str:
        params = runtime.flow_run.parameters
        return f"{runtime.flow_run.flow_name}-{params['region']}-{len(runtime.flow_run.id)}"

    @flow(flow_run_name=name_it)
    def regional(region: str) -> str:
        return runtime.flow_run.name  # type: ignore[no-any-return]

    assert regional("eu") == "regional-eu-36"
    [run] = reader.flow_runs()
    assert run.name == "regional-eu-36"
