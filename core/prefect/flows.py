"""`@flow`: a function whose calls become flow runs, recorded by the orchestrator.

    from prefect import flow

    @flow(retries=1, log_prints=True)
    def etl(day: str = "today") -> int:
        print("loading", day)           # logged, since log_prints=True
        return 42

    etl()                               # -> 42 (or raises what the flow raised)
    etl(return_state=True)              # -> Completed() with .result() == 42

Parameters are validated and coerced against the annotations (``x: int`` given "3" runs
with 3); invalid ones end the run Failed and raise `ParameterTypeError`. A flow called
inside another flow is a subflow: its run is linked to a task run of the parent.

State hooks run in the flow's process once the run has entered the state, each called as
`hook(flow, flow_run, state)`: `on_running` (every attempt), `on_completion`, `on_failure`
(final failure only, not a failure that is retried), `on_crashed`, `on_cancellation`. Pass
lists to the decorator, or add hooks with the methods of the same names:

    @etl.on_failure
    def alert(flow, flow_run, state): ...

`task_runner` takes a `ThreadPoolTaskRunner` (the default), a `ProcessPoolTaskRunner`
(see `prefect.task_runners`) or a `prefect_dask.DaskTaskRunner` (instance or class).
`persist_result=True` persists the flow's result and makes its tasks persist theirs (and
so cache them by the default policy, see `prefect.cache_policies`); `result_storage`,
`result_serializer` and `cache_result_in_memory` act as in Prefect 3 (see
`prefect.results`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, Literal, ParamSpec, TypeVar, overload

from prefect._hook_methods import HookMethods, HookT

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment
    from prefect.utilities.callables import ParameterSchema

P = ParamSpec("P")
R = TypeVar("R")

__all__ = ["Flow", "flow"]

_NOT_SET: Any = object()


class Flow(HookMethods, Generic[P, R]):
    """A function wrapped as a flow; call it like the function."""

    def __init__(
        self,
        fn: Callable[P, R],
        name: str | None = None,
        version: str | None = None,
        flow_run_name: str | Callable[..., str] | None = None,
        retries: int | None = None,
        retry_delay_seconds: float | None = None,
        description: str | None = None,
        timeout_seconds: float | None = None,
        validate_parameters: bool = True,
        log_prints: bool | None = None,
        on_completion: list[Callable[..., Any]] | None = None,
        on_failure: list[Callable[..., Any]] | None = None,
        on_cancellation: list[Callable[..., Any]] | None = None,
        on_crashed: list[Callable[..., Any]] | None = None,
        on_running: list[Callable[..., Any]] | None = None,
        task_runner: Any = None,
        **unsupported: Any,
    ) -> None:
        if not callable(fn):
            raise TypeError("@flow needs a function")
        self.task_runner = _task_runner(task_runner)
        if task_runner is not None and not _is_known_runner(task_runner):
            unsupported["task_runner"] = task_runner
        from prefect.engine.hooks import check_hooks

        self.on_completion_hooks = check_hooks("on_completion", on_completion)
        self.on_failure_hooks = check_hooks("on_failure", on_failure)
        self.on_cancellation_hooks = check_hooks("on_cancellation", on_cancellation)
        self.on_crashed_hooks = check_hooks("on_crashed", on_crashed)
        self.on_running_hooks = check_hooks("on_running", on_running)
        self.fn = fn
        self.name = name or fn.__name__.replace("_", "-").strip("-") or "flow"
        self.version = version
        self.flow_run_name = flow_run_name
        self.retries = int(retries or 0)
        self.retry_delay_seconds = retry_delay_seconds or 0
        self.description = description or inspect.getdoc(fn)
        self.timeout_seconds = timeout_seconds
        self.should_validate_parameters = validate_parameters
        self.log_prints = log_prints
        # options code written for Prefect 3 may pass; see the module docstring
        self.unsupported_options = unsupported
        self.isasync = inspect.iscoroutinefunction(fn)
        self.__doc__ = fn.__doc__
        self.__name__ = getattr(fn, "__name__", self.name)
        self.__qualname__ = getattr(fn, "__qualname__", self.name)
        self.__module__ = getattr(fn, "__module__", __name__)
        self.__wrapped__ = fn

    # -- hooks added with decorators (on_completion, on_failure, on_running: HookMethods) --

    def on_cancellation(self, fn: HookT) -> HookT:
        """Add a hook called when a run of this flow ends Cancelled."""
        self.on_cancellation_hooks.append(fn)
        return fn

    def on_crashed(self, fn: HookT) -> HookT:
        """Add a hook called when a run of this flow crashes."""
        self.on_crashed_hooks.append(fn)
        return fn

    @cached_property
    def parameters(self) -> ParameterSchema:
        """The JSON schema of the flow's parameters, as a deployment of it stores it.

        Built on first use rather than at decoration, which keeps `@flow` cheap.
        """
        from prefect.utilities.callables import parameter_schema

        return parameter_schema(self.fn)

    def resolve_log_prints(self) -> bool:
        if self.log_prints is not None:
            return self.log_prints
        from prefect.settings import get_current_settings

        return bool(get_current_settings().logging_log_prints)

    def flow_run_name_for(self, parameters: dict[str, Any]) -> str:
        from prefect.utilities.templating import format_run_name

        assert self.flow_run_name is not None
        return format_run_name(self.flow_run_name, parameters)

    def validate_parameters(self, parameters: dict[str, Any]) -> dict[str, Any]:
        """`parameters` checked and coerced against the signature (raises ParameterTypeError)."""
        from prefect.utilities.callables import validate_parameters

        return validate_parameters(self.fn, parameters)

    def with_options(
        self,
        *,
        name: str | None = None,
        version: str | None = None,
        flow_run_name: Any = _NOT_SET,
        retries: int | None = None,
        retry_delay_seconds: float | None = None,
        description: str | None = None,
        timeout_seconds: Any = _NOT_SET,
        validate_parameters: bool | None = None,
        log_prints: Any = _NOT_SET,
        on_completion: list[Callable[..., Any]] | None = None,
        on_failure: list[Callable[..., Any]] | None = None,
        on_cancellation: list[Callable[..., Any]] | None = None,
        on_crashed: list[Callable[..., Any]] | None = None,
        on_running: list[Callable[..., Any]] | None = None,
        task_runner: Any = None,
        **unsupported: Any,
    ) -> Flow[P, R]:
        """A copy of this flow with some options changed."""

        def hooks(new: list[Callable[..., Any]] | None, old: list[Callable[..., Any]]) -> Any:
            # a copy of the list: hooks added to the copy later must not reach the original
            return list(old) if new is None else new

        return Flow(
            self.fn,
            name=name or self.name,
            version=version or self.version,
            flow_run_name=self.flow_run_name if flow_run_name is _NOT_SET else flow_run_name,
            retries=self.retries if retries is None else retries,
            retry_delay_seconds=self.retry_delay_seconds
            if retry_delay_seconds is None
            else retry_delay_seconds,
            description=description or self.description,
            timeout_seconds=self.timeout_seconds
            if timeout_seconds is _NOT_SET
            else timeout_seconds,
            validate_parameters=self.should_validate_parameters
            if validate_parameters is None
            else validate_parameters,
            log_prints=self.log_prints if log_prints is _NOT_SET else log_prints,
            on_completion=hooks(on_completion, self.on_completion_hooks),
            on_failure=hooks(on_failure, self.on_failure_hooks),
            on_cancellation=hooks(on_cancellation, self.on_cancellation_hooks),
            on_crashed=hooks(on_crashed, self.on_crashed_hooks),
            on_running=hooks(on_running, self.on_running_hooks),
            task_runner=task_runner or self.task_runner.duplicate(),
            **{**self.unsupported_options, **unsupported},
        )

    # -- deployments: the logic lives in prefect.deployments (runner, serve, source) -------

    def to_deployment(self, name: str, **options: Any) -> RunnerDeployment:
        """A deployment of this flow (schedules, parameters, pool...), not yet registered.

        Options as in Prefect 3: `interval`, `cron`, `rrule`, `schedule(s)`, `parameters`,
        `tags`, `description`, `version`, `work_pool_name`, `work_queue_name`,
        `job_variables`, `concurrency_limit`, `enforce_parameter_schema`, `paused`."""
        from prefect.deployments.runner import RunnerDeployment

        return RunnerDeployment.from_flow(self, name, **options)

    def deploy(
        self,
        name: str,
        work_pool_name: str | None = None,
        image: str | None = None,
        **options: Any,
    ) -> Any:
        """Register a deployment of this flow for the workers of `work_pool_name`; its id
        (a coroutine of it from async code). `image` is stored as a job variable."""
        from prefect.deployments.runner import deploy

        deployment = self.to_deployment(name, work_pool_name=work_pool_name, **options)
        return _first(deploy(deployment, work_pool_name=work_pool_name, image=image))

    def serve(self, name: str | None = None, *, limit: int | None = None, **options: Any) -> None:
        """Register a deployment of this flow and run its runs here until SIGINT/SIGTERM."""
        from prefect.deployments.serve import serve

        pause_on_shutdown = options.pop("pause_on_shutdown", True)
        if options.get("global_limit") is not None:  # Prefect 3's name for it in `serve`
            options["concurrency_limit"] = options.pop("global_limit")
        deployment = self.to_deployment(name or self.name, **options)
        serve(deployment, limit=limit, pause_on_shutdown=pause_on_shutdown)

    @classmethod
    def from_source(cls, source: Any, entrypoint: str) -> Flow[..., Any]:
        """The flow `entrypoint` names in a local folder or a git repository."""
        from prefect.deployments.source import load_flow_from_source

        return load_flow_from_source(source, entrypoint)

    @overload
    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R: ...

    @overload
    def __call__(self, *args: Any, return_state: bool, **kwargs: Any) -> Any: ...

    def __call__(  # type: ignore[misc]
        self, *args: Any, return_state: bool = False, wait_for: Any = None, **kwargs: Any
    ) -> Any:
        if wait_for is not None:
            from prefect.futures import wait_all

            wait_all(wait_for)
        return_type: Literal["result", "state"] = "state" if return_state else "result"
        if self.isasync:
            from prefect.engine.flow_engine import run_flow_async

            return run_flow_async(self, args, kwargs, return_type)
        from prefect.engine.flow_engine import run_flow_sync

        return run_flow_sync(self, args, kwargs, return_type)

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        import functools

        return functools.partial(self.__call__, instance)

    def __repr__(self) -> str:
        return f"Flow(name={self.name!r})"


def _first(ids: Any) -> Any:
    """The one id `deploy` returns a list of (awaited first when it is a coroutine)."""
    if inspect.isawaitable(ids):

        async def first() -> Any:
            return (await ids)[0]

        return first()
    return ids[0]


def _task_runner(value: Any) -> Any:
    """The flow's task runner from what `task_runner=` was given (instance, class, None)."""
    from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

    if value is None:
        return ThreadPoolTaskRunner()
    if isinstance(value, type) and issubclass(value, TaskRunner):
        return value()
    if isinstance(value, TaskRunner):
        return value
    # a runner this SDK does not know (a class from another package): flows written for
    # Prefect 3 still run, their submitted tasks on the default thread pool
    return ThreadPoolTaskRunner()


def _is_known_runner(value: Any) -> bool:
    from prefect.task_runners import TaskRunner

    return isinstance(value, TaskRunner) or (
        isinstance(value, type) and issubclass(value, TaskRunner)
    )


@overload
def flow(__fn: Callable[P, R]) -> Flow[P, R]: ...


@overload
def flow(
    __fn: None = None,
    *,
    name: str | None = None,
    version: str | None = None,
    flow_run_name: str | Callable[..., str] | None = None,
    retries: int | None = None,
    retry_delay_seconds: float | None = None,
    description: str | None = None,
    timeout_seconds: float | None = None,
    validate_parameters: bool = True,
    log_prints: bool | None = None,
    on_completion: list[Callable[..., Any]] | None = None,
    on_failure: list[Callable[..., Any]] | None = None,
    on_cancellation: list[Callable[..., Any]] | None = None,
    on_crashed: list[Callable[..., Any]] | None = None,
    on_running: list[Callable[..., Any]] | None = None,
    task_runner: Any = None,
    **unsupported: Any,
) -> Callable[[Callable[P, R]], Flow[P, R]]: ...


def flow(__fn: Callable[..., Any] | None = None, **options: Any) -> Any:
    """Make a function a flow: ``@flow`` or ``@flow(name=..., retries=...)``."""
    if __fn is not None:
        return Flow(__fn, **options)

    def decorate(fn: Callable[P, R]) -> Flow[P, R]:
        return Flow(fn, **options)

    return decorate
