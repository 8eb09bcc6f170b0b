"""`@task`: a function whose calls inside a flow run become task runs.

    from prefect import flow, task

    @task(retries=2, retry_delay_seconds=1)
    def fetch(url: str) -> str: ...

    @flow
    def pipeline():
        page = fetch("https://example.com")           # runs now, returns the result
        state = fetch("https://x", return_state=True)  # the final State instead
        future = fetch.submit("https://y")             # runs in a worker thread

Inside a flow run a call is orchestrated in the flow's process (Pending -> Running ->
Completed/Failed, retries) and reported to the API in batches. Outside a flow run the
function is simply called (Prefect 3 would record a standalone task run; not yet here).

Accepted but not yet acting: `persist_result`, `result_storage`, `result_serializer`,
`cache_policy`, `cache_key_fn`, `cache_expiration`, `refresh_cache`, `retry_jitter_factor`,
`on_completion`, `on_failure`: they are stored on the task so that code written for
Prefect 3 runs, but results are not persisted or cached yet and hooks are not called.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable, Iterable
from typing import Any, Generic, Literal, ParamSpec, TypeVar, overload

from prefect.context import get_flow_run_context
from prefect.schemas.objects import TaskRunPolicy

P = ParamSpec("P")
R = TypeVar("R")

__all__ = ["Task", "task"]

_NOT_SET: Any = object()


def _task_key(fn: Callable[..., Any]) -> str:
    """Stable per function across processes: its qualified name and a hash of its code."""
    code = getattr(fn, "__code__", None)
    material = f"{fn.__module__}.{fn.__qualname__}".encode()
    if code is not None:
        material += code.co_code
    digest = hashlib.sha256(material).hexdigest()[:8]
    return f"{fn.__qualname__}-{digest}"


class Task(Generic[P, R]):
    """A function wrapped as a task; call it like the function."""

    def __init__(
        self,
        fn: Callable[P, R],
        name: str | None = None,
        description: str | None = None,
        tags: Iterable[str] | None = None,
        version: str | None = None,
        retries: int | None = None,
        retry_delay_seconds: float | list[float] | Callable[[int], list[float]] | None = None,
        retry_condition_fn: Callable[..., bool] | None = None,
        timeout_seconds: float | None = None,
        log_prints: bool | None = None,
        task_run_name: str | Callable[..., str] | None = None,
        **unsupported: Any,
    ) -> None:
        if not callable(fn):
            raise TypeError("@task needs a function")
        self.fn = fn
        self.name = name or fn.__name__
        self.description = description or inspect.getdoc(fn)
        self.tags: frozenset[str] = frozenset(tags or ())
        self.version = version
        self.retries = int(retries or 0)
        self.retry_delay_seconds = retry_delay_seconds if retry_delay_seconds is not None else 0
        self.retry_condition_fn = retry_condition_fn
        self.timeout_seconds = timeout_seconds
        self.log_prints = log_prints
        self.task_run_name = task_run_name
        # options code written for Prefect 3 may pass; see the module docstring
        self.unsupported_options = unsupported
        self.isasync = inspect.iscoroutinefunction(fn)
        self.task_key = _task_key(fn)
        delays = self._delays(0)
        self.policy = TaskRunPolicy(
            max_retries=self.retries,
            retry_delay_seconds=float(delays[0]) if delays else 0.0,
            retries=self.retries,
            retry_delay=retry_delay_seconds
            if isinstance(retry_delay_seconds, int | float | list)
            else None,
        )
        self.__doc__ = fn.__doc__
        self.__name__ = getattr(fn, "__name__", self.name)
        self.__qualname__ = getattr(fn, "__qualname__", self.name)
        self.__module__ = getattr(fn, "__module__", __name__)
        self.__wrapped__ = fn

    # -- options -----------------------------------------------------------------------------

    def _delays(self, attempt: int) -> list[float]:
        value = self.retry_delay_seconds
        if callable(value):
            value = value(self.retries)
        if isinstance(value, int | float):
            return [float(value)]
        return [float(v) for v in value]

    def retry_delay_for(self, retries_done: int) -> float:
        """Delay before retry number `retries_done + 1` (a list gives one per retry)."""
        delays = self._delays(retries_done)
        if not delays:
            return 0.0
        return delays[min(retries_done, len(delays) - 1)]

    def retry_condition(self, exc: BaseException) -> bool:
        if self.retry_condition_fn is None:
            return True
        from prefect.states import Failed, with_result

        state = with_result(Failed(message=str(exc)), exc)
        return bool(self.retry_condition_fn(self, None, state))

    def resolve_log_prints(self, flow_default: bool) -> bool:
        return flow_default if self.log_prints is None else self.log_prints

    def task_run_name_for(self, parameters: dict[str, Any]) -> str:
        from prefect.utilities.templating import format_run_name

        assert self.task_run_name is not None
        return format_run_name(self.task_run_name, parameters)

    def with_options(
        self,
        *,
        name: str | None = None,
        description: str | None = None,
        tags: Iterable[str] | None = None,
        version: str | None = None,
        retries: int | None = None,
        retry_delay_seconds: Any = _NOT_SET,
        retry_condition_fn: Any = _NOT_SET,
        timeout_seconds: Any = _NOT_SET,
        log_prints: Any = _NOT_SET,
        task_run_name: Any = _NOT_SET,
        **unsupported: Any,
    ) -> Task[P, R]:
        """A copy of this task with some options changed."""

        def pick(new: Any, old: Any) -> Any:
            return old if new is _NOT_SET else new

        return Task(
            self.fn,
            name=name or self.name,
            description=description or self.description,
            tags=self.tags if tags is None else tags,
            version=version or self.version,
            retries=self.retries if retries is None else retries,
            retry_delay_seconds=pick(retry_delay_seconds, self.retry_delay_seconds),
            retry_condition_fn=pick(retry_condition_fn, self.retry_condition_fn),
            timeout_seconds=pick(timeout_seconds, self.timeout_seconds),
            log_prints=pick(log_prints, self.log_prints),
            task_run_name=pick(task_run_name, self.task_run_name),
            **{**self.unsupported_options, **unsupported},
        )

    # -- calling -------------------------------------------------------------------------------

    @overload
    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R: ...

    @overload
    def __call__(self, *args: Any, return_state: bool, **kwargs: Any) -> Any: ...

    def __call__(  # type: ignore[misc]
        self, *args: Any, return_state: bool = False, wait_for: Any = None, **kwargs: Any
    ) -> Any:
        flow_ctx = get_flow_run_context()
        if wait_for is not None:
            from prefect.futures import wait_all

            wait_all(wait_for)
        return_type: Literal["result", "state"] = "state" if return_state else "result"
        if flow_ctx is None:
            return self._call_outside_flow(args, kwargs, return_state)
        if self.isasync:
            from prefect.engine.task_engine import run_task_async

            return run_task_async(self, args, kwargs, return_type, flow_ctx)
        from prefect.engine.task_engine import run_task_sync

        return run_task_sync(self, args, kwargs, return_type, flow_ctx)

    def _call_outside_flow(
        self, args: tuple[Any, ...], kwargs: dict[str, Any], return_state: bool
    ) -> Any:
        if not return_state:
            return self.fn(*args, **kwargs)  # type: ignore[arg-type]
        from prefect.states import Completed, Failed, with_result

        if self.isasync:

            async def _run() -> Any:
                try:
                    value = await self.fn(*args, **kwargs)  # type: ignore[arg-type, misc]
                except Exception as exc:
                    return with_result(Failed(message=f"{type(exc).__name__}: {exc}"), exc)
                return with_result(Completed(), value)

            return _run()
        try:
            value = self.fn(*args, **kwargs)  # type: ignore[arg-type]
        except Exception as exc:
            return with_result(Failed(message=f"{type(exc).__name__}: {exc}"), exc)
        return with_result(Completed(), value)

    def submit(
        self, *args: Any, return_state: bool = False, wait_for: Any = None, **kwargs: Any
    ) -> Any:
        """Run the task in the flow run's worker threads; returns a `PrefectFuture`."""
        from prefect.futures import submit_task

        return submit_task(self, args, kwargs, wait_for=wait_for)

    def map(self, *args: Any, wait_for: Any = None, **kwargs: Any) -> Any:
        """Submit one run per element of the iterable arguments; returns a list of futures.

        Wrap an iterable in `unmapped(...)` to pass it whole to every run.
        """
        from prefect.futures import map_task

        return map_task(self, args, kwargs, wait_for=wait_for)

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        # a task defined in a class body binds like a method
        if instance is None:
            return self
        import functools

        return functools.partial(self.__call__, instance)

    def __repr__(self) -> str:
        return f"Task(name={self.name!r})"


@overload
def task(__fn: Callable[P, R]) -> Task[P, R]: ...


@overload
def task(
    __fn: None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    tags: Iterable[str] | None = None,
    version: str | None = None,
    retries: int | None = None,
    retry_delay_seconds: Any = None,
    retry_condition_fn: Callable[..., bool] | None = None,
    timeout_seconds: float | None = None,
    log_prints: bool | None = None,
    task_run_name: str | Callable[..., str] | None = None,
    **unsupported: Any,
) -> Callable[[Callable[P, R]], Task[P, R]]: ...


def task(__fn: Callable[..., Any] | None = None, **options: Any) -> Any:
    """Make a function a task: ``@task`` or ``@task(name=..., retries=...)``."""
    if __fn is not None:
        return Task(__fn, **options)

    def decorate(fn: Callable[P, R]) -> Task[P, R]:
        return Task(fn, **options)

    return decorate
