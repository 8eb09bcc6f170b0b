"""The @task decorator, options, and calls outside a flow run."""

from __future__ import annotations

import asyncio

import pytest
from prefect import Task, task


def test_decorator_forms() -> None:
    @task
    def plain(x: int) -> int:
        return x + 1

    @task(
        name="named",
        tags=["a", "b"],
        retries=2,
        retry_delay_seconds=[1, 5],
        task_run_name="run-{x}",
        version="v1",
    )
    def opts(x: int) -> int:
        return x

    assert isinstance(plain, Task) and plain.name == "plain"
    assert plain.task_key.startswith("test_decorator_forms.<locals>.plain-")
    assert opts.tags == frozenset({"a", "b"})
    assert opts.retry_delay_for(0) == 1 and opts.retry_delay_for(1) == 5
    assert opts.retry_delay_for(7) == 5
    assert opts.task_run_name_for({"x": 4}) == "run-4"
    assert opts.policy.max_retries == 2


def test_call_outside_a_flow_runs_the_function() -> None:
    @task
    def add(x: int, y: int) -> int:
        return x + y

    assert add(1, 2) == 3
    state = add(1, 2, return_state=True)
    assert state.is_completed() and state.result() == 3


def test_failed_call_outside_a_flow_with_return_state() -> None:
    @task
    def boom() -> None:
        raise ValueError("no")

    state = boom(return_state=True)
    assert state.is_failed()
    with pytest.raises(ValueError, match="no"):
        state.result()


def test_async_task_outside_a_flow() -> None:
    @task
    async def double(x: int) -> int:
        return 2 * x

    assert asyncio.run(double(4)) == 8


def test_with_options() -> None:
    @task(retries=1, tags=["x"])
    def t() -> None:
        pass

    u = t.with_options(name="u", retries=3, timeout_seconds=5)
    assert (u.name, u.retries, u.timeout_seconds, u.tags) == ("u", 3, 5, frozenset({"x"}))
    assert t.retries == 1 and t.timeout_seconds is None


def test_retry_delay_callable() -> None:
    @task(retries=3, retry_delay_seconds=lambda n: [2**i for i in range(n)])
    def t() -> None:
        pass

    assert [t.retry_delay_for(i) for i in range(3)] == [1, 2, 4]


def test_submit_outside_a_flow_is_an_error() -> None:
    from prefect.exceptions import MissingContextError

    @task
    def t() -> None:
        pass

    with pytest.raises(MissingContextError):
        t.submit()
