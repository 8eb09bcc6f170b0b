"""The hook decorator methods that flows and tasks share (`@my_flow.on_failure`, ...).

Each adds its function to the list the engine calls (`prefect.engine.hooks`) and returns
it unchanged, so that it stays callable and can be stacked under another decorator.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

HookT = TypeVar("HookT", bound=Callable[..., Any])


class HookMethods:
    """`on_completion`, `on_failure` and `on_running`, as methods of a flow or a task."""

    on_completion_hooks: list[Callable[..., Any]]
    on_failure_hooks: list[Callable[..., Any]]
    on_running_hooks: list[Callable[..., Any]]

    def on_completion(self, fn: HookT) -> HookT:
        """Add a hook called when a run completes (usable as a decorator)."""
        self.on_completion_hooks.append(fn)
        return fn

    def on_failure(self, fn: HookT) -> HookT:
        """Add a hook called when a run ends Failed (a task's: after its last retry)."""
        self.on_failure_hooks.append(fn)
        return fn

    def on_running(self, fn: HookT) -> HookT:
        """Add a hook called each time a run enters Running."""
        self.on_running_hooks.append(fn)
        return fn
