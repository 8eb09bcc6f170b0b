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

Accepted but not yet acting: `persist_result`, `result_storage`, `result_serializer`,
`cache_result_in_memory`, `task_runner` (submitted tasks always use a thread pool),
`on_completion`, `on_failure`, `on_cancellation`, `on_crashed`, `on_running`: they are
stored so that code written for Prefect 3 runs, without effect for now.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, Generic, Literal, ParamSpec, TypeVar, overload

P = ParamSpec("P")
R = TypeVar("R")

__all__ = ["Flow", "flow"]

_NOT_SET: Any = object()


class Flow(Generic[P, R]):
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
        **unsupported: Any,
    ) -> None:
        if not callable(fn):
            raise TypeError("@flow needs a function")
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
        **unsupported: Any,
    ) -> Flow[P, R]:
        """A copy of this flow with some options changed."""
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
            **{**self.unsupported_options, **unsupported},
        )

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
    **unsupported: Any,
) -> Callable[[Callable[P, R]], Flow[P, R]]: ...


def flow(__fn: Callable[..., Any] | None = None, **options: Any) -> Any:
    """Make a function a flow: ``@flow`` or ``@flow(name=..., retries=...)``."""
    if __fn is not None:
        return Flow(__fn, **options)

    def decorate(fn: Callable[P, R]) -> Flow[P, R]:
        return Flow(fn, **options)

    return decorate
