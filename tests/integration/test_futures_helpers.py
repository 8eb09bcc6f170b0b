"""`prefect.futures.wait` and `as_completed`, and `task.map` over any iterable, as in
Prefect 3 (flows on the embedded store, SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from prefect import allow_failure, flow, task, unmapped
from prefect.exceptions import MappingLengthMismatch, MappingMissingIterable
from prefect.futures import DoneAndNotDoneFutures, PrefectFuture, as_completed, wait
from prefect.schemas.objects import StateType

from tests.integration._engine_helpers import Reader, reader, store  # noqa: F401


@task
def add(x: int, y: int = 0) -> int:
    return x + y


def test_wait_says_which_futures_are_done(store: str) -> None:  # noqa: F811
    release = threading.Event()

    @task
    def blocked() -> str:
        release.wait(30)
        return "late"

    @flow
    def pipeline() -> tuple[DoneAndNotDoneFutures, DoneAndNotDoneFutures, list[Any]]:
        quick = add.submit(1, 2)
        slow = blocked.submit()
        quick.wait()
        partial = wait([quick, slow], timeout=0.05)
        release.set()
        complete = wait([quick, slow])
        return partial, complete, [quick, slow]

    partial, complete, (quick, slow) = pipeline()
    assert partial.done == {quick} and partial.not_done == {slow}
    assert complete.done == {quick, slow} and complete.not_done == set()


def test_as_completed_yields_first_finished_first(store: str) -> None:  # noqa: F811
    gates = [threading.Event() for _ in range(3)]

    @task
    def gated(i: int) -> int:
        gates[i].wait(30)
        return i

    @flow
    def pipeline() -> list[int]:
        futures = [gated.submit(i) for i in range(3)]
        order: list[int] = []
        # release them in the order 2, 0, 1, each only after the previous one came out
        gates[2].set()
        for future in as_completed(futures):
            order.append(future.result())
            if len(order) == 1:
                gates[0].set()
            elif len(order) == 2:
                gates[1].set()
        return order

    assert pipeline() == [2, 0, 1]


def test_as_completed_times_out(store: str) -> None:  # noqa: F811
    release = threading.Event()

    @task
    def blocked() -> None:
        release.wait(30)

    @flow
    def pipeline() -> str:
        future = blocked.submit()
        try:
            with pytest.raises(TimeoutError):
                list(as_completed([future], timeout=0.05))
        finally:
            release.set()
        return "ok"

    assert pipeline() == "ok"


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: (i for i in range(3)), [10, 11, 12]),
        (lambda: iter([1, 2]), [11, 12]),
        (lambda: range(3), [10, 11, 12]),
        (lambda: (5,), [15]),
        (lambda: [], []),
    ],
    ids=["generator", "iterator", "range", "tuple", "empty"],
)
def test_map_reads_any_iterable(
    store: str,  # noqa: F811
    make: Any,
    expected: list[int],
) -> None:
    @flow
    def pipeline() -> list[int]:
        return add.map(make(), unmapped(10)).result()  # type: ignore[no-any-return]

    assert pipeline() == expected


def test_map_pairs_iterables_of_different_kinds(reader: Reader) -> None:  # noqa: F811
    @flow
    def pipeline() -> list[int]:
        return add.map(range(3), y=iter([100, 200, 300])).result()  # type: ignore[no-any-return]

    assert pipeline() == [100, 201, 302]
    [run] = reader.flow_runs()
    assert len(reader.task_runs(run.id)) == 3


def test_map_refuses_mismatched_or_missing_iterables(store: str) -> None:  # noqa: F811
    @flow
    def mismatched() -> Any:
        return add.map([1, 2], [3])

    @flow
    def nothing_to_map() -> Any:
        return add.map(1, 2)

    with pytest.raises(MappingLengthMismatch, match="x=2, y=1"):
        mismatched()
    with pytest.raises(MappingMissingIterable):
        nothing_to_map()


def test_futures_are_hashable_for_wait_sets(store: str) -> None:  # noqa: F811
    @flow
    def pipeline() -> set[PrefectFuture]:
        futures = add.map([1, 2, 3])
        return wait(futures).done

    assert len(pipeline()) == 3


def test_wait_for_a_failed_upstream_leaves_the_task_not_ready(reader: Reader) -> None:  # noqa: F811
    from prefect.exceptions import UnfinishedRun

    calls: list[str] = []

    @task
    def boom() -> None:
        raise ValueError("upstream broke")

    @task
    def after(label: str) -> str:
        calls.append(label)
        return label

    @flow
    def pipeline() -> list[Any]:
        failed = boom.submit()
        blocked = after.submit("blocked", wait_for=[failed])
        allowed = after.submit("allowed", wait_for=[allow_failure(failed)])
        with pytest.raises(UnfinishedRun):
            blocked.result()
        return [blocked.state.name, blocked.state.message, allowed.result()]

    name, message, allowed = pipeline()
    assert calls == ["allowed"]
    assert name == "NotReady" and "did not reach a 'COMPLETED' state" in message
    assert allowed == "allowed"
    [run] = reader.flow_runs()
    stored = {t.name: t for t in reader.task_runs(run.id)}
    assert stored["after-0"].state_name == "NotReady"
    assert stored["after-0"].state_type is StateType.PENDING


def test_submitting_with_wait_for_does_not_block_the_flow(store: str) -> None:  # noqa: F811
    release = threading.Event()
    order: list[str] = []

    @task
    def gate() -> None:
        # without `release` (set by the flow after both submissions) this waits 5 s
        release.wait(5)
        order.append("gate")

    @task
    def after() -> None:
        order.append("after")

    @flow
    def pipeline() -> None:
        upstream = gate.submit()
        downstream = after.submit(wait_for=[upstream])
        order.append("submitted")
        release.set()
        downstream.wait()

    pipeline()
    assert order == ["submitted", "gate", "after"]
