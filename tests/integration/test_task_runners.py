"""`@flow(task_runner=ThreadPoolTaskRunner(max_workers=N))` bounds how many submitted tasks
of a flow run run at once (embedded store, SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from prefect import flow, task
from prefect.context import get_run_context
from prefect.task_runners import DEFAULT_MAX_WORKERS, ThreadPoolTaskRunner

from tests.integration._engine_helpers import store  # noqa: F401


def test_max_workers_bounds_concurrency(store: str) -> None:  # noqa: F811
    lock = threading.Lock()
    active = [0]
    peak = [0]
    threads: set[str] = set()
    # two at a time must meet here: with one worker the barrier breaks (after its timeout),
    # with more than two a third would run alongside and raise the peak
    pair = threading.Barrier(2, timeout=10)

    @task
    def in_pairs(i: int) -> int:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
            threads.add(threading.current_thread().name)
        pair.wait()
        with lock:
            active[0] -= 1
        return i

    @flow(task_runner=ThreadPoolTaskRunner(max_workers=2))
    def bounded() -> tuple[list[int], Any]:
        results = in_pairs.map(range(4)).result()
        pool = get_run_context().task_runner  # type: ignore[union-attr]
        return results, pool

    results, pool = bounded()
    assert results == [0, 1, 2, 3]
    assert peak[0] == 2
    assert len(threads) == 2
    assert pool._max_workers == 2
    assert pool._shutdown  # joined when the run ended


def test_task_runner_as_class_with_options_and_default(store: str) -> None:  # noqa: F811
    @task
    def pool_size() -> None:
        pass

    @flow(task_runner=ThreadPoolTaskRunner)
    def by_class() -> int:
        pool_size.submit().wait()
        return get_run_context().task_runner._max_workers  # type: ignore[union-attr]

    assert by_class.task_runner == ThreadPoolTaskRunner()
    assert by_class() == DEFAULT_MAX_WORKERS
    narrowed = by_class.with_options(task_runner=ThreadPoolTaskRunner(max_workers=3))
    assert narrowed() == 3
    # with_options without task_runner keeps the original's settings
    assert by_class.with_options(name="copy").task_runner == ThreadPoolTaskRunner()
    assert narrowed.with_options(name="copy").task_runner == ThreadPoolTaskRunner(3)


def test_bad_and_unknown_task_runners() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ThreadPoolTaskRunner(max_workers=0)
    # a runner of another kind is kept, and the default thread pool used
    other = object()
    f = flow(task_runner=other)(lambda: None)
    assert f.unsupported_options["task_runner"] is other
    assert f.task_runner == ThreadPoolTaskRunner()
