"""Flows really run against the embedded store (SQLite and PostgreSQL), then read back."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from prefect import flow, get_run_logger, runtime, tags, task
from prefect.exceptions import ParameterTypeError
from prefect.schemas.objects import StateType

from tests.integration._engine_helpers import Reader, reader, store  # noqa: F401


@task
def add(x: int, y: int) -> int:
    return x + y


@task
def boom(message: str) -> None:
    raise ValueError(message)


def test_flow_with_tasks_is_stored_completed(reader: Reader) -> None:  # noqa: F811
    seen: dict[str, Any] = {}

    @flow
    def pipeline(n: int) -> int:
        seen["flow_run_id"] = runtime.flow_run.id
        total = add(1, 2)
        return add(total, n)

    assert pipeline(4) == 7
    run = reader.flow_run(seen["flow_run_id"])
    assert run.state_type is StateType.COMPLETED
    assert run.parameters == {"n": 4}
    assert [s.type for s in reader.flow_run_states(run.id)] == [
        StateType.PENDING,
        StateType.RUNNING,
        StateType.COMPLETED,
    ]
    task_runs = reader.task_runs(run.id)
    assert [t.name for t in task_runs] == ["add-0", "add-1"]
    assert all(t.state_type is StateType.COMPLETED for t in task_runs)
    first, second = task_runs
    assert first.dynamic_key == "0" and second.dynamic_key == "1"
    assert first.run_count == 1 and first.start_time and first.end_time
    assert first.end_time >= first.start_time
    assert [s.type for s in reader.task_run_states(first.id)] == [
        StateType.PENDING,
        StateType.RUNNING,
        StateType.COMPLETED,
    ]
    # the second call's x came from the first task run's result; y was the flow parameter
    assert [i.id for i in second.task_inputs["x"]] == [first.id]  # type: ignore[union-attr]
    assert second.task_inputs["y"][0].input_type == "parameter"


def test_thousand_tasks_are_all_stored_when_the_call_returns(reader: Reader) -> None:  # noqa: F811
    ids: dict[str, Any] = {}

    @task
    def noop(i: int) -> int:
        return i

    @flow
    def many(count: int) -> int:
        ids["run"] = runtime.flow_run.id
        for i in range(count):
            noop(i)
        return count

    assert many(1000) == 1000
    task_runs = reader.client.count_task_runs(task_run_filter=_by_flow_run(ids["run"]))
    assert task_runs == 1000
    completed = reader.client.count_task_runs(
        task_run_filter=_by_flow_run(ids["run"], state={"type": {"any_": ["COMPLETED"]}})
    )
    assert completed == 1000


def _by_flow_run(flow_run_id: Any, **more: Any) -> Any:
    from prefect.schemas.filters import TaskRunFilter

    return TaskRunFilter.model_validate({"flow_run_id": {"any_": [str(flow_run_id)]}, **more})


def test_exception_fails_the_flow_and_is_raised(reader: Reader) -> None:  # noqa: F811
    ids: dict[str, Any] = {}

    @flow
    def failing() -> None:
        ids["run"] = runtime.flow_run.id
        boom("kaput")

    with pytest.raises(ValueError, match="kaput"):
        failing()
    run = reader.flow_run(ids["run"])
    assert run.state_type is StateType.FAILED
    assert "kaput" in (run.state.message if run.state else "")
    [task_run] = reader.task_runs(run.id)
    assert task_run.state_type is StateType.FAILED


def test_return_state_and_result(reader: Reader) -> None:  # noqa: F811
    @flow
    def ok() -> str:
        return "fine"

    @flow
    def bad() -> None:
        raise RuntimeError("bad")

    state = ok(return_state=True)
    assert state.is_completed() and state.result() == "fine"
    failed = bad(return_state=True)
    assert failed.is_failed()
    with pytest.raises(RuntimeError, match="bad"):
        failed.result()
    assert failed.result(raise_on_failure=False).args == ("bad",)


def test_returning_failed_task_states_fails_the_flow(reader: Reader) -> None:  # noqa: F811
    @flow
    def collects() -> list[Any]:
        return [add(1, 1, return_state=True), boom("x", return_state=True)]

    state = collects(return_state=True)
    assert state.is_failed() and state.message == "1/2 states failed."


def test_handled_task_failure_does_not_fail_the_flow(reader: Reader) -> None:  # noqa: F811
    @flow
    def tolerant() -> str:
        try:
            boom("handled")
        except ValueError:
            return "recovered"
        return "unreachable"

    assert tolerant() == "recovered"


def test_parameters_are_coerced_or_fail_the_run(reader: Reader) -> None:  # noqa: F811
    @flow(flow_run_name="square-{x}")
    def square(x: int) -> int:
        return x * x

    assert square("3") == 9  # type: ignore[arg-type]
    with pytest.raises(ParameterTypeError):
        square("three")  # type: ignore[arg-type]
    runs = {r.name: r for r in reader.flow_runs()}
    assert runs["square-3"].state_type is StateType.COMPLETED
    failed = [r for r in runs.values() if r.state_type is StateType.FAILED]
    assert len(failed) == 1
    assert failed[0].state and "Validation of flow parameters failed" in (
        failed[0].state.message or ""
    )


def test_task_retries(reader: Reader) -> None:  # noqa: F811
    attempts: list[int] = []

    @task(retries=2, retry_delay_seconds=0)
    def flaky() -> str:
        attempts.append(runtime.task_run.run_count)
        if len(attempts) < 3:
            raise ConnectionError("again")
        return "ok"

    @flow
    def runs_flaky() -> str:
        return flaky()

    state = runs_flaky(return_state=True)
    assert state.result() == "ok" and attempts == [1, 2, 3]
    [task_run] = reader.task_runs(state.state_details.flow_run_id)  # type: ignore[arg-type]
    assert task_run.run_count == 3 and task_run.state_type is StateType.COMPLETED
    names = [s.name for s in reader.task_run_states(task_run.id)]
    assert names == [
        "Pending",
        "Running",
        "AwaitingRetry",
        "Retrying",
        "AwaitingRetry",
        "Retrying",
        "Completed",
    ]


def test_flow_retries(reader: Reader) -> None:  # noqa: F811
    calls: list[int] = []

    @flow(retries=1, retry_delay_seconds=0)
    def second_time_lucky() -> int:
        calls.append(runtime.flow_run.run_count)
        if len(calls) == 1:
            raise RuntimeError("first")
        return len(calls)

    state = second_time_lucky(return_state=True)
    assert state.result() == 2
    run = reader.flow_run(state.state_details.flow_run_id)  # type: ignore[arg-type]
    assert run.state_type is StateType.COMPLETED and run.run_count == 2
    names = [s.name for s in reader.flow_run_states(run.id)]
    assert names == ["Pending", "Running", "AwaitingRetry", "Retrying", "Completed"]


def test_subflow_is_linked_through_a_task_run(reader: Reader) -> None:  # noqa: F811
    ids: dict[str, Any] = {}

    @flow
    def child(x: int) -> int:
        ids["child"] = runtime.flow_run.id
        ids["parent_seen"] = runtime.flow_run.parent_flow_run_id
        return add(x, 1)

    @flow
    def parent() -> int:
        ids["parent"] = runtime.flow_run.id
        return child(1)

    assert parent() == 2
    assert ids["parent_seen"] == ids["parent"]
    child_run = reader.flow_run(ids["child"])
    assert child_run.parent_task_run_id is not None
    [stand_in] = reader.task_runs(ids["parent"])
    assert stand_in.id == child_run.parent_task_run_id
    assert stand_in.task_key == "child" and stand_in.state_type is StateType.COMPLETED
    assert stand_in.state and stand_in.state.state_details.child_flow_run_id == child_run.id
    assert child_run.state_type is StateType.COMPLETED
    assert len(reader.task_runs(ids["child"])) == 1


def test_logs_and_prints_are_stored(reader: Reader, capsys: Any) -> None:  # noqa: F811
    ids: dict[str, Any] = {}

    @task
    def speak() -> None:
        print("from the task")

    @flow(log_prints=True)
    def chatty() -> None:
        ids["run"] = runtime.flow_run.id
        get_run_logger().warning("careful")
        print("printed line")
        speak()

    chatty()
    messages = [log.message for log in reader.logs(ids["run"])]
    assert "careful" in messages and "printed line" in messages and "from the task" in messages
    assert any(m.startswith("Beginning flow run") for m in messages)
    assert any(m.startswith("Finished in state Completed") for m in messages)
    err = capsys.readouterr().err
    assert "| WARNING | Flow run '" in err and "- careful" in err


def test_tags_and_names(reader: Reader) -> None:  # noqa: F811
    ids: dict[str, Any] = {}

    @task(tags=["own"], task_run_name="hello-{who}")
    def greet(who: str) -> str:
        ids["task_tags"] = runtime.task_run.tags
        return f"hi {who}"

    @flow
    def tagged() -> str:
        ids["run"] = runtime.flow_run.id
        return greet("bob")

    with tags("outer"):
        assert tagged() == "hi bob"
    run = reader.flow_run(ids["run"])
    assert run.tags == ["outer"]
    assert "-" in run.name  # generated adjective-animal name
    [task_run] = reader.task_runs(run.id)
    assert task_run.name == "hello-bob" and set(task_run.tags) == {"own", "outer"}


def test_async_flow_with_async_and_sync_tasks(reader: Reader) -> None:  # noqa: F811
    ids: dict[str, Any] = {}

    @task
    async def slow_double(x: int) -> int:
        await asyncio.sleep(0)
        return 2 * x

    @flow
    async def async_pipeline(x: int) -> int:
        ids["run"] = runtime.flow_run.id
        doubled = await slow_double(x)
        return add(doubled, 1)

    assert asyncio.run(async_pipeline(3)) == 7
    run = reader.flow_run(ids["run"])
    assert run.state_type is StateType.COMPLETED
    assert sorted(t.name for t in reader.task_runs(run.id)) == ["add-0", "slow_double-0"]


def test_submitted_tasks_finish_before_the_flow(reader: Reader) -> None:  # noqa: F811
    ids: dict[str, Any] = {}

    @flow
    def fan_out() -> list[int]:
        ids["run"] = runtime.flow_run.id
        futures = [add.submit(i, i) for i in range(5)]
        mapped = add.map([1, 2], [10, 20])
        return [f.result() for f in futures] + mapped.result()

    assert fan_out() == [0, 2, 4, 6, 8, 11, 22]
    task_runs = reader.task_runs(ids["run"])
    assert len(task_runs) == 7
    assert {t.state_type for t in task_runs} == {StateType.COMPLETED}


def test_keyboard_interrupt_crashes_the_run(reader: Reader) -> None:  # noqa: F811
    ids: dict[str, Any] = {}

    @flow
    def interrupted() -> None:
        ids["run"] = runtime.flow_run.id
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    assert reader.flow_run(ids["run"]).state_type is StateType.CRASHED
