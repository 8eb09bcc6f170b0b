"""State-change hooks (`on_completion`, `on_failure`, `on_running`, ...) of flows and tasks.

A hook is called as `hook(flow, flow_run, state)` or `hook(task, task_run, state)` once its
run has entered the state, in the run's process and context (so `get_run_logger()` works).
An async hook is awaited. A hook that raises is logged and does not change the run's
state, as in Prefect 3: hooks react to an outcome, they cannot alter it.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import logging

    from prefect.schemas.objects import State

__all__ = ["acall_hooks", "call_hooks", "check_hooks", "final_hook_kind"]

Hook = Callable[..., Any]


def check_hooks(option: str, hooks: Iterable[Hook] | None) -> list[Hook]:
    """`hooks` as a list, or TypeError naming the option when it is not a list of callables."""
    if hooks is None:
        return []
    if callable(hooks) or not isinstance(hooks, Iterable):
        raise TypeError(
            f"Expected a list of hooks for {option!r}; got {type(hooks).__name__} instead. "
            f"Pass a list, e.g. {option}=[my_hook]."
        )
    listed = list(hooks)
    for hook in listed:
        if not callable(hook):
            raise TypeError(f"Every hook in {option!r} must be callable; got {hook!r}")
    return listed


def final_hook_kind(state: State) -> str | None:
    """Which hook list answers a final `state` (`"on_completion"`, ...), if any."""
    if state.is_completed():
        return "on_completion"
    if state.is_failed():
        return "on_failure"
    if state.is_crashed():
        return "on_crashed"
    if state.is_cancelled():
        return "on_cancellation"
    return None


def _name(hook: Hook) -> str:
    return getattr(hook, "__name__", None) or repr(hook)


def _run_coroutine(awaitable: Any) -> None:
    async def wait() -> None:
        await awaitable

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(wait())
        return
    # a sync run on a thread that already runs a loop (a sync task in an async flow):
    # the hook gets a loop of its own on a helper thread
    failure: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(wait())
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=target, name="prefect-hook")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def call_hooks(
    hooks: Sequence[Hook],
    args: tuple[Any, Any, State],
    logger: logging.LoggerAdapter[logging.Logger],
) -> None:
    """Call `hooks` one after the other from synchronous code."""
    for hook in hooks:
        with _reported(hook, args[2], logger):
            result = hook(*args)
            if inspect.isawaitable(result):
                _run_coroutine(result)


async def acall_hooks(
    hooks: Sequence[Hook],
    args: tuple[Any, Any, State],
    logger: logging.LoggerAdapter[logging.Logger],
) -> None:
    """Call `hooks` one after the other from a coroutine, awaiting the async ones."""
    for hook in hooks:
        with _reported(hook, args[2], logger):
            result = hook(*args)
            if inspect.isawaitable(result):
                await result


@contextlib.contextmanager
def _reported(
    hook: Hook, state: State, logger: logging.LoggerAdapter[logging.Logger]
) -> Iterator[None]:
    """Log a hook's start and end; a hook's failure is logged, never raised."""
    name = _name(hook)
    logger.info("Running hook %r in response to entering state %r", name, state.name)
    try:
        yield
    except Exception as exc:
        logger.error("An error was encountered while running hook %r", name, exc_info=exc)
    else:
        logger.info("Hook %r finished running successfully", name)
