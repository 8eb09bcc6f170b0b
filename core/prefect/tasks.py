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

State hooks are called as `hook(task, task_run, state)` in the task run's context:
`on_running` (every attempt), `on_completion`, `on_failure` (final failure only, not one
that is retried). Pass lists to the decorator or add hooks with the methods of the same
names (`@my_task.on_failure`).

Caching and persistence (`cache_policy`, `cache_key_fn`, `cache_expiration`,
`refresh_cache`, `persist_result`, `result_storage` (a path, a storage block or its
"slug/name"), `result_serializer` "pickle" or "json", `result_storage_key`,
`cache_result_in_memory`): see `prefect.cache_policies` and `prefect.results`. A cache hit
ends the run Completed with the name Cached, without calling the function.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable, Iterable
from typing import Any, Generic, Literal, ParamSpec, TypeVar, overload

from prefect._hook_methods import HookMethods
from prefect.context import get_flow_run_context
from prefect.schemas.objects import TaskRunPolicy

P = ParamSpec("P")
R = TypeVar("R")

__all__ = ["Task", "exponential_backoff", "task", "task_input_hash"]

_NOT_SET: Any = object()


def exponential_backoff(backoff_factor: float) -> Callable[[int], list[float]]:
    """Retry delays that double each time, for `retry_delay_seconds`.

    @task(retries=3, retry_delay_seconds=exponential_backoff(backoff_factor=10))
    def flaky(): ...                    # waits 10 s, 20 s, then 40 s between attempts
    """

    def delays(retries: int) -> list[float]:
        # 2**50 seconds is already past any useful delay; keep the list bounded
        return [backoff_factor * 2**n for n in range(min(retries, 50))]

    return delays


def task_input_hash(context: Any, arguments: dict[str, Any]) -> str | None:
    """A `cache_key_fn` from the task's identity, code and arguments (Prefect 2's helper,
    kept in Prefect 3): `@task(cache_key_fn=task_input_hash)`. None when the arguments
    cannot be hashed, which leaves the run uncached."""
    from prefect.cache_policies import hash_objects

    task = context.task
    code = getattr(task.fn, "__code__", None)
    return hash_objects(task.task_key, code.co_code.hex() if code else None, arguments)


def _jitter_factor(value: Any) -> float | None:
    """`retry_jitter_factor` checked: None, or a number of at least 0."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"retry_jitter_factor must be a number >= 0, not {value!r}")
    return float(value)


def _task_key(fn: Callable[..., Any]) -> str:
    """Stable per function across processes: its qualified name and a hash of its code."""
    code = getattr(fn, "__code__", None)
    material = f"{fn.__module__}.{fn.__qualname__}".encode()
    if code is not None:
        material += code.co_code
    digest = hashlib.sha256(material).hexdigest()[:8]
    return f"{fn.__qualname__}-{digest}"


class Task(HookMethods, Generic[P, R]):
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
        on_completion: list[Callable[..., Any]] | None = None,
        on_failure: list[Callable[..., Any]] | None = None,
        on_running: list[Callable[..., Any]] | None = None,
        **unsupported: Any,
    ) -> None:
        if not callable(fn):
            raise TypeError("@task needs a function")
        from prefect.engine.hooks import check_hooks

        self.on_completion_hooks = check_hooks("on_completion", on_completion)
        self.on_failure_hooks = check_hooks("on_failure", on_failure)
        self.on_running_hooks = check_hooks("on_running", on_running)
        self.fn = fn
        self.name = name or fn.__name__
        self.description = description or inspect.getdoc(fn)
        self.tags: frozenset[str] = frozenset(tags or ())
        self.version = version
        self.retries = int(retries or 0)
        self.retry_delay_seconds = retry_delay_seconds if retry_delay_seconds is not None else 0
        self.retry_condition_fn = retry_condition_fn
        # read, not taken, from the other options: `with_options` passes those on whole
        self.retry_jitter_factor = _jitter_factor(unsupported.get("retry_jitter_factor"))
        self.timeout_seconds = timeout_seconds
        self.log_prints = log_prints
        self.task_run_name = task_run_name
        # options code written for Prefect 3 may pass; see the module docstring
        self.unsupported_options = unsupported
        from prefect.engine.caching import TaskCacheOptions

        # caching and result options live among them (with_options passes them on)
        self.cache_options = TaskCacheOptions(unsupported)
        self.isasync = inspect.iscoroutinefunction(fn)
        # how calls bind to the function's parameters (prefect.engine.task_inputs.CallShape),
        # worked out by the engine on the first call; False until then
        self._call_shape: Any = False
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
        delay = delays[min(retries_done, len(delays) - 1)]
        factor = self.retry_jitter_factor
        if factor and delay > 0:
            # anywhere within delay x (1 +- factor), so that tasks failing together do
            # not all come back at the same moment (never below zero)
            import random

            return random.uniform(max(delay * (1 - factor), 0.0), delay * (1 + factor))
        return delay

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
        on_completion: list[Callable[..., Any]] | None = None,
        on_failure: list[Callable[..., Any]] | None = None,
        on_running: list[Callable[..., Any]] | None = None,
        **unsupported: Any,
    ) -> Task[P, R]:
        """A copy of this task with some options changed."""

        def pick(new: Any, old: Any) -> Any:
            return old if new is _NOT_SET else new

        def hooks(new: list[Callable[..., Any]] | None, old: list[Callable[..., Any]]) -> Any:
            # a copy of the list: hooks added to the copy later must not reach the original
            return list(old) if new is None else new

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
            on_completion=hooks(on_completion, self.on_completion_hooks),
            on_failure=hooks(on_failure, self.on_failure_hooks),
            on_running=hooks(on_running, self.on_running_hooks),
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
        engine = _engine or _load_engine()
        if self.isasync:
            return engine.run_task_async(self, args, kwargs, return_type, flow_ctx)
        return engine.run_task_sync(self, args, kwargs, return_type, flow_ctx)

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


# the task engine, imported on the first task call (not by `import prefect`)
_engine: Any = None


def _load_engine() -> Any:
    global _engine
    from prefect.engine import task_engine

    _engine = task_engine
    return task_engine


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
    on_completion: list[Callable[..., Any]] | None = None,
    on_failure: list[Callable[..., Any]] | None = None,
    on_running: list[Callable[..., Any]] | None = None,
    **unsupported: Any,
) -> Callable[[Callable[P, R]], Task[P, R]]: ...


def task(__fn: Callable[..., Any] | None = None, **options: Any) -> Any:
    """Make a function a task: ``@task`` or ``@task(name=..., retries=...)``."""
    if __fn is not None:
        return Task(__fn, **options)

    def decorate(fn: Callable[P, R]) -> Task[P, R]:
        return Task(fn, **options)

    return decorate
