"""Futures for tasks submitted to run in the background (`task.submit`, `task.map`).

Submitted tasks run in a thread pool owned by the flow run (Prefect 3's default
ThreadPoolTaskRunner behaves the same way); the flow run waits for them before it ends.

    future = add.submit(1, 2)
    future.result()          # 3, or raises what the task raised
    future.state             # the task run's current State
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from prefect.exceptions import MissingContextError

if TYPE_CHECKING:
    from prefect.engine.task_engine import TaskRunEngine
    from prefect.schemas.objects import State
    from prefect.tasks import Task

__all__ = ["PrefectFuture", "PrefectFutureList", "wait", "wait_all"]

_MAX_WORKERS = 32


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
        self._engine = engine

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
        if self._engine is not None:
            return self._engine.state
        from prefect.states import Pending

        return Pending()

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


def wait(futures: Iterable[PrefectFuture], timeout: float | None = None) -> None:
    concurrent.futures.wait([f._future for f in futures], timeout=timeout)


def wait_all(items: Any) -> None:
    """Wait for every future in `items` (one future or an iterable of them)."""
    if isinstance(items, PrefectFuture):
        items.wait()
        return
    if isinstance(items, Iterable) and not isinstance(items, str | bytes):
        for item in items:
            if isinstance(item, PrefectFuture):
                item.wait()


def submit_task(
    task: Task[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], wait_for: Any = None
) -> PrefectFuture:
    from prefect.context import get_flow_run_context
    from prefect.engine.task_engine import _prepare, run_task_async, run_task_sync

    flow_ctx = get_flow_run_context()
    if flow_ctx is None:
        raise MissingContextError(
            f"Task {task.name!r} was submitted outside of a flow run; call it directly or "
            "submit it from inside a flow."
        )
    if wait_for is not None:
        wait_all(wait_for)
    engine = _prepare(task, args, kwargs, flow_ctx)
    if flow_ctx.task_runner is None:
        flow_ctx.task_runner = concurrent.futures.ThreadPoolExecutor(
            max_workers=_MAX_WORKERS, thread_name_prefix=f"{flow_ctx.flow_run.name}-task"
        )
    context = contextvars.copy_context()

    def _run() -> State:
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

    future = flow_ctx.task_runner.submit(context.run, _run)
    return PrefectFuture(engine.task_run.id, future, engine)


def map_task(
    task: Task[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], wait_for: Any = None
) -> PrefectFutureList:
    from prefect.utilities.annotations import unmapped
    from prefect.utilities.callables import bind_parameters

    parameters = bind_parameters(task.fn, args, kwargs)
    lengths = {
        len(v)  # type: ignore[arg-type]
        for v in parameters.values()
        if isinstance(v, Iterable)
        and not isinstance(v, str | bytes | dict | unmapped)
        and hasattr(v, "__len__")
    }
    if len(lengths) > 1:
        raise ValueError(f"Mapped arguments have different lengths: {sorted(lengths)}")
    count = lengths.pop() if lengths else 0
    futures = PrefectFutureList()
    for i in range(count):
        call = {}
        for name, value in parameters.items():
            if isinstance(value, unmapped):
                call[name] = value.value
            elif isinstance(value, Iterable) and not isinstance(value, str | bytes | dict):
                call[name] = list(value)[i] if not hasattr(value, "__getitem__") else value[i]
            else:
                call[name] = value
        futures.append(submit_task(task, (), call, wait_for=wait_for))
    return futures
