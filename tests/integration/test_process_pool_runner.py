"""`ProcessPoolTaskRunner`: submitted tasks run in worker processes, report to the same
store as the flow, and their futures behave like the thread runner's (SQLite and
PostgreSQL).

The tasks are module-level: they travel to the workers with cloudpickle. Each flow run
starts its own pool (about a second), so each test packs many checks into one run.
"""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from prefect import flow, get_run_logger, task
from prefect.client.orchestration import get_client
from prefect.context import get_run_context
from prefect.schemas.objects import StateType
from prefect.settings import temporary_settings
from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner
from prefect.utilities.annotations import allow_failure

from tests.integration._engine_helpers import Reader, reader, store  # noqa: F401


@task
def square(x: int) -> dict[str, int]:
    get_run_logger().info("squaring %d", x)
    return {"value": x * x, "pid": os.getpid()}


@task
def add(a: dict[str, int], b: dict[str, int]) -> int:
    return a["value"] + b["value"]


@task
async def add_later(a: int, b: int) -> tuple[int, int]:
    await asyncio.sleep(0)
    return a + b, os.getpid()


@task
def explode(x: int) -> int:
    raise ValueError(f"no {x}")


@task(retries=2)
def third_time_lucky() -> tuple[int, int]:
    run_count = get_run_context().task_run.run_count  # type: ignore[union-attr]
    if run_count < 3:
        raise RuntimeError(f"attempt {run_count}")
    return run_count, os.getpid()


@task
def calls_a_task(x: int) -> int:
    # a task run inside a task run that itself runs in a worker
    return square(x)["value"] + 1


@task
def gives_a_lock() -> Any:
    return threading.Lock()


@task
def takes_anything(value: Any) -> str:
    return type(value).__name__


@task
def dies() -> None:
    os._exit(3)


@flow(task_runner=ProcessPoolTaskRunner(max_workers=2))
def in_processes() -> dict[str, Any]:
    seen: dict[str, Any] = {"flow_pid": os.getpid()}
    squares = square.map(range(4))
    seen["squares"] = [s["value"] for s in squares.result()]
    seen["worker_pids"] = {s["pid"] for s in squares.result()}
    # futures passed as arguments, sync and async tasks
    seen["sum"] = add.submit(squares[2], squares[3]).result()
    seen["async"] = add_later.submit(2, 3).result()
    failed = explode.submit(7)
    failed.wait()
    seen["failed_state"] = failed.state.type
    try:
        failed.result()
    except ValueError as exc:
        seen["raised"] = repr(exc)
    # wait_for: a failed upstream keeps the run from starting, unless allowed to fail
    not_ready = square.submit(8, wait_for=[failed])
    not_ready.wait()
    seen["not_ready"] = not_ready.state.name
    allowed = square.submit(9, wait_for=[allow_failure(failed), squares[0]])
    seen["allowed"] = allowed.result()["value"]
    seen["retried"] = third_time_lucky.submit().result()
    seen["nested"] = calls_a_task.submit(5).result()
    unsendable = gives_a_lock.submit()
    unsendable.wait()
    seen["unsendable"] = (unsendable.state.type, unsendable.state.message)
    unpicklable = takes_anything.submit(threading.Lock())
    unpicklable.wait()
    seen["unpicklable"] = (unpicklable.state.type, unpicklable.state.message)
    seen["flow_run_id"] = get_run_context().flow_run.id  # type: ignore[union-attr]
    seen["pool"] = get_run_context().task_runner  # type: ignore[union-attr]
    return seen


def test_tasks_run_in_worker_processes_and_are_stored(reader: Reader) -> None:  # noqa: F811
    seen = in_processes()

    # ran elsewhere, results came back
    assert seen["squares"] == [0, 1, 4, 9]
    assert seen["worker_pids"] and seen["flow_pid"] not in seen["worker_pids"]
    assert len(seen["worker_pids"]) <= 2
    assert seen["sum"] == 13
    assert seen["async"][0] == 5 and seen["async"][1] != seen["flow_pid"]
    assert seen["failed_state"] is StateType.FAILED
    assert seen["raised"] == "ValueError('no 7')"
    assert seen["not_ready"] == "NotReady"
    assert seen["allowed"] == 81
    assert seen["retried"][0] == 3 and seen["retried"][1] != seen["flow_pid"]
    assert seen["nested"] == 26
    assert seen["unsendable"][0] is StateType.FAILED
    assert "could not be sent back" in seen["unsendable"][1]
    assert seen["unpicklable"][0] is StateType.FAILED
    assert "lock" in seen["unpicklable"][1]
    assert seen["pool"]._shutdown  # joined when the run ended

    # everything is in the store when the flow call returns
    run_id: uuid.UUID = seen["flow_run_id"]
    assert reader.flow_run(run_id).state_type is StateType.COMPLETED
    runs = {r.name: r for r in reader.task_runs(run_id)}
    names = set(runs)
    assert {f"square-{i}" for i in range(4)} <= names
    assert {"add-0", "add_later-0", "explode-0", "third_time_lucky-0", "calls_a_task-0"} <= names
    nested = [n for n in names if n.startswith("square-") and len(n) > len("square-99")]
    assert len(nested) == 1  # numbered apart from the flow's own square runs
    assert len(runs) == 14

    def history(name: str) -> list[str | None]:
        return [s.name for s in reader.task_run_states(runs[name].id)]

    assert history("square-0") == ["Pending", "Running", "Completed"]
    assert history("add_later-0") == ["Pending", "Running", "Completed"]
    assert history("explode-0") == ["Pending", "Running", "Failed"]
    assert history("third_time_lucky-0") == [
        "Pending",
        "Running",
        "AwaitingRetry",
        "Retrying",
        "AwaitingRetry",
        "Retrying",
        "Completed",
    ]
    assert runs["third_time_lucky-0"].run_count == 3
    assert runs["square-4"].state_name == "NotReady"
    assert runs["square-5"].state_type is StateType.COMPLETED
    assert runs["gives_a_lock-0"].state_type is StateType.FAILED
    assert runs["takes_anything-0"].state_type is StateType.FAILED
    # the input link of a future passed on
    assert [i.id for i in runs["add-0"].task_inputs["a"]] == [runs["square-2"].id]  # type: ignore[union-attr]

    logs = reader.logs(run_id)
    squaring = [log for log in logs if log.message == "squaring 3"]
    assert [log.task_run_id for log in squaring] == [runs["square-3"].id]
    assert any("no 7" in log.message and log.task_run_id == runs["explode-0"].id for log in logs)


@flow(task_runner=ProcessPoolTaskRunner(max_workers=1))
def with_a_dying_worker() -> dict[str, Any]:
    dead = dies.submit()
    dead.wait()
    try:
        dead.result()
    except Exception as exc:
        raised = type(exc).__name__
    return {
        "state": dead.state.type,
        "raised": raised,
        # the pool is replaced for the runs that come after
        "after": square.submit(3).result()["value"],
        "flow_run_id": get_run_context().flow_run.id,  # type: ignore[union-attr]
    }


def test_a_worker_that_dies_crashes_its_task_run(reader: Reader) -> None:  # noqa: F811
    seen = with_a_dying_worker()
    assert seen["state"] is StateType.CRASHED
    assert seen["raised"] == "BrokenProcessPool"
    assert seen["after"] == 9
    runs = {r.name: r for r in reader.task_runs(seen["flow_run_id"])}
    assert runs["dies-0"].state_type is StateType.CRASHED
    assert runs["square-0"].state_type is StateType.COMPLETED
    assert reader.flow_run(seen["flow_run_id"]).state_type is StateType.COMPLETED


def test_runner_settings_and_options() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ProcessPoolTaskRunner(max_workers=0)
    assert ProcessPoolTaskRunner(3) == ProcessPoolTaskRunner(max_workers=3)
    assert ProcessPoolTaskRunner(3) != ThreadPoolTaskRunner(3)
    assert ProcessPoolTaskRunner().process_count() == (os.cpu_count() or 1)
    assert in_processes.task_runner == ProcessPoolTaskRunner(max_workers=2)
    # kept by with_options, and a flow accepts the class itself
    assert in_processes.with_options(name="copy").task_runner == ProcessPoolTaskRunner(2)
    assert flow(task_runner=ProcessPoolTaskRunner)(lambda: None).task_runner == (
        ProcessPoolTaskRunner()
    )
    assert not flow(task_runner=ProcessPoolTaskRunner)(lambda: None).unsupported_options


@flow(task_runner=ProcessPoolTaskRunner(max_workers=1))
def two_squares() -> uuid.UUID:
    square.map([1, 2]).wait()
    return get_run_context().flow_run.id  # type: ignore[union-attr]


def test_settings_in_force_reach_the_workers(tmp_path: Path) -> None:
    # a store named only by temporary_settings (thread-local, not in the environment the
    # workers inherit): the workers must report there too
    from prefect.client._loop import run_sync
    from prefect.engine import api

    url = f"sqlite+aiosqlite:///{tmp_path / 'elsewhere.db'}"
    try:
        with temporary_settings({"PREFECT_SERVER_DATABASE_CONNECTION_URL": url}):
            run_id = two_squares()
    finally:
        run_sync(api._drain_all())
        run_sync(api.close_engine_client())
    with (
        temporary_settings({"PREFECT_SERVER_DATABASE_CONNECTION_URL": url}),
        get_client(sync_client=True) as client,
    ):
        runs = Reader(client).task_runs(run_id)
    assert sorted((r.name, r.state_name) for r in runs) == [
        ("square-0", "Completed"),
        ("square-1", "Completed"),
    ]
