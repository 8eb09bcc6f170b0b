"""Futures for tasks submitted to run in the background (`task.submit`, `task.map`).

Submitted tasks run in a thread pool owned by the flow run (Prefect 3's default
ThreadPoolTaskRunner behaves the same way), or in other processes with the
ProcessPoolTaskRunner or DaskTaskRunner (`prefect.engine.remote_tasks`); either way the
flow run waits for them before it ends.

    future = add.submit(1, 2)
    future.result()          # 3, or raises what the task raised
    future.state             # the task run's current State
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import uuid
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from prefect.exceptions import MissingContextError

if TYPE_CHECKING:
    from prefect.engine.task_engine import TaskRunEngine
    from prefect.schemas.objects import State
    from prefect.tasks import Task

__all__ = [
    "DoneAndNotDoneFutures",
    "PrefectFuture",
    "PrefectFutureList",
    "as_completed",
    "wait",
    "wait_all",
]


class PrefectFuture:
    """The eventual outcome of a submitted task run."""

    def __init__(
        self,
        task_run_id: uuid.UUID,
        future: concurrent.futures.Future[Any],
        engine: TaskRunEngine | None = None,
    ) -> None:
        self.task_run_id = task_run_id
        self._future = future
        # the live run while it runs (for `state`); let go once it has ended, so that a
        # list of 10,000 futures keeps their final states and not every run's bookkeeping
        self._engine = engine
        self._final: State | None = None

    def wait(self, timeout: float | None = None) -> None:
        """Block until the task run is final (or `timeout` seconds pass)."""
        concurrent.futures.wait([self._future], timeout=timeout)

    def wait_for_state(self, timeout: float | None = None) -> State:
        state: State = self._future.result(timeout)
        return state

    @property
    def state(self) -> State:
        if self._future.done():
            return self.wait_for_state()
        final, engine = self._final, self._engine
        if final is not None:
            return final
        if engine is not None:
            return engine.state
        from prefect.states import Pending

        return Pending()

    def _ended(self, state: State) -> None:
        """The run has ended in `state` (called by the worker that ran it)."""
        self._final = state
        self._engine = None

    def result(self, timeout: float | None = None, raise_on_failure: bool = True) -> Any:
        """The task's return value; raises the task's exception if it failed."""
        from prefect.states import get_state_result

        return get_state_result(self.wait_for_state(timeout), raise_on_failure=raise_on_failure)

    def add_done_callback(self, fn: Any) -> None:
        self._future.add_done_callback(lambda _: fn(self))

    def __repr__(self) -> str:
        return f"PrefectFuture(task_run_id={self.task_run_id})"


class PrefectFutureList(list[PrefectFuture]):
    """A list of futures with `wait()` and `result()` over all of them."""

    def wait(self, timeout: float | None = None) -> None:
        concurrent.futures.wait([f._future for f in self], timeout=timeout)

    def result(self, timeout: float | None = None, raise_on_failure: bool = True) -> list[Any]:
        return [f.result(timeout, raise_on_failure) for f in self]


class DoneAndNotDoneFutures(NamedTuple):
    """What `wait` returns: the futures that finished, and those still running."""

    done: set[PrefectFuture]
    not_done: set[PrefectFuture]


def wait(futures: Iterable[PrefectFuture], timeout: float | None = None) -> DoneAndNotDoneFutures:
    """Wait until every future is final or `timeout` seconds pass; returns which are done.

    done, not_done = wait(futures, timeout=5)
    """
    by_inner = {f._future: f for f in futures}
    done, not_done = concurrent.futures.wait(by_inner, timeout=timeout)
    return DoneAndNotDoneFutures({by_inner[f] for f in done}, {by_inner[f] for f in not_done})


def as_completed(
    futures: Iterable[PrefectFuture], timeout: float | None = None
) -> Iterator[PrefectFuture]:
    """Yield each future as its task run becomes final, first finished first.

    Raises `TimeoutError` when `timeout` seconds pass before all are final.
    """
    by_inner = {f._future: f for f in futures}
    for inner in concurrent.futures.as_completed(by_inner, timeout=timeout):
        yield by_inner[inner]


def wait_all(items: Any) -> None:
    """Wait for every future in `items` (one future, an `allow_failure(...)` of one, or an
    iterable of them)."""
    first_upstream_not_completed(items)


def first_upstream_not_completed(items: Any) -> PrefectFuture | None:
    """Wait for every future in `wait_for` items; the first that did not complete, unless
    it is wrapped in `allow_failure(...)` (those are waited for, their outcome ignored)."""
    from prefect.utilities.annotations import allow_failure

    if isinstance(items, PrefectFuture | allow_failure):
        items = [items]
    if not isinstance(items, Iterable) or isinstance(items, str | bytes):
        return None
    failed: PrefectFuture | None = None
    for item in items:
        allowed = isinstance(item, allow_failure)
        future = item.unwrap() if allowed else item
        if not isinstance(future, PrefectFuture):
            continue
        future.wait()
        if failed is None and not allowed and not future.state.is_completed():
            failed = future
    return failed


def submit_task(
    task: Task[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], wait_for: Any = None
) -> PrefectFuture:
    from prefect.context import get_flow_run_context
    from prefect.engine.task_engine import _prepare

    flow_ctx = get_flow_run_context()
    if flow_ctx is None:
        raise MissingContextError(
            f"Task {task.name!r} was submitted outside of a flow run; call it directly or "
            "submit it from inside a flow."
        )
    engine = _prepare(task, args, kwargs, flow_ctx)
    if flow_ctx.task_runner is None:
        flow_ctx.task_runner = flow_ctx.flow.task_runner.open_pool(flow_ctx)
    context = contextvars.copy_context()
    elsewhere = getattr(flow_ctx.task_runner, "submit_task_run", None)
    if elsewhere is not None:
        # a process pool or a Dask cluster (prefect.engine.remote_tasks)
        return PrefectFuture(engine.task_run.id, elsewhere(engine, wait_for, context), engine)

    ours: list[PrefectFuture] = []

    def _run() -> State:
        state = _run_submitted(task, args, kwargs, flow_ctx, engine, wait_for)
        if ours:
            ours[0]._ended(state)
        return state

    future = flow_ctx.task_runner.submit(context.run, _run)
    prefect_future = PrefectFuture(engine.task_run.id, future, engine)
    ours.append(prefect_future)
    return prefect_future


def _run_submitted(
    task: Task[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    flow_ctx: Any,
    engine: TaskRunEngine,
    wait_for: Any,
) -> State:
    from prefect.engine.task_engine import run_task_async, run_task_sync

    # upstreams are waited for here, in the worker, so submitting never blocks the flow
    if wait_for is not None:
        upstream = first_upstream_not_completed(wait_for)
        if upstream is not None:
            return engine.not_ready(upstream.task_run_id)
    try:
        if task.isasync:
            state: State = asyncio.run(
                run_task_async(task, args, kwargs, "state", flow_ctx, engine)
            )
        else:
            state = run_task_sync(task, args, kwargs, "state", flow_ctx, engine)
    except BaseException:
        state = engine.state  # crashed: the engine has recorded it
    return state


def map_task(
    task: Task[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], wait_for: Any = None
) -> PrefectFutureList:
    """One submitted run per position of the iterable arguments (lists, tuples, ranges,
    sets, generators, ...); `unmapped(...)` values, strings, bytes, dicts and other
    non-iterables go whole to every run."""
    from prefect.exceptions import MappingLengthMismatch, MappingMissingIterable
    from prefect.utilities.annotations import unmapped
    from prefect.utilities.callables import bind_parameters

    parameters = bind_parameters(task.fn, args, kwargs)
    static: dict[str, Any] = {}
    mapped: dict[str, list[Any]] = {}
    for name, value in parameters.items():
        if isinstance(value, unmapped):
            static[name] = value.value
        elif isinstance(value, Iterable) and not isinstance(value, str | bytes | dict):
            # read once: a generator or iterator could not be indexed or read again
            mapped[name] = list(value)
        else:
            static[name] = value
    if not mapped:
        raise MappingMissingIterable(
            f"Task {task.name!r}: map() received no iterable parameters; "
            "pass at least one iterable."
        )
    lengths = {name: len(values) for name, values in mapped.items()}
    if len(set(lengths.values())) > 1:
        raise MappingLengthMismatch(
            f"Task {task.name!r}: map() received iterables of different lengths: "
            + ", ".join(f"{name}={n}" for name, n in lengths.items())
        )
    count = next(iter(lengths.values()))
    futures = PrefectFutureList()
    for i in range(count):
        call = {**static, **{name: values[i] for name, values in mapped.items()}}
        futures.append(submit_task(task, (), call, wait_for=wait_for))
    return futures
