"""What is running now, kept in context variables so threads and tasks each see their own.

    from prefect.context import get_run_context, tags

    @flow
    def f():
        ctx = get_run_context()          # a FlowRunContext here
        with tags("nightly"):
            some_task()                  # its task run is tagged "nightly"

`FlowRunContext` and `TaskRunContext` are plain classes (not pydantic models): they are
created per run and read on every task call, so they must be cheap.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from prefect.exceptions import MissingContextError

if TYPE_CHECKING:
    import logging
    from concurrent.futures import ThreadPoolExecutor

    from prefect.flows import Flow
    from prefect.schemas.objects import FlowRun, TaskRun
    from prefect.tasks import Task

__all__ = [
    "FlowRunContext",
    "TaskRunContext",
    "get_run_context",
    "tags",
]


class FlowRunContext:
    """The flow run in progress in this context: its flow, run, parameters and bookkeeping."""

    __slots__ = (
        "_dynamic_keys",
        "_lock",
        "flow",
        "flow_run",
        "log_prints",
        "logger",
        "parameters",
        "parent_flow_run_id",
        "result_links",
        "result_settings",
        "root_flow_run_id",
        "task_runner",
    )

    def __init__(
        self,
        flow: Flow[..., Any],
        flow_run: FlowRun,
        parameters: dict[str, Any],
        log_prints: bool,
    ) -> None:
        self.flow = flow
        self.flow_run = flow_run
        self.parameters = parameters
        self.log_prints = log_prints
        self.parent_flow_run_id: Any = None
        # the top-level run of a tree of subflows; None for a top-level run itself
        self.root_flow_run_id: Any = None
        # persistence settings read once for the run (prefect.engine.caching.ResultSettings)
        self.result_settings: Any = None
        self.logger: logging.LoggerAdapter[logging.Logger] | None = None
        # task_key -> number of calls so far in this run (the next dynamic_key)
        self._dynamic_keys: dict[str, int] = {}
        # id(result object) -> (object, task run id): links an argument to the task run
        # that produced it; the object is kept so its id cannot be reused meanwhile
        self.result_links: dict[int, tuple[Any, Any]] = {}
        # thread pool for `task.submit()`, created on first use, joined when the run ends
        self.task_runner: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def next_dynamic_key(self, task_key: str) -> str:
        # tasks submitted to threads call this concurrently
        with self._lock:
            n = self._dynamic_keys.get(task_key, 0)
            self._dynamic_keys[task_key] = n + 1
        return str(n)

    @classmethod
    def get(cls) -> FlowRunContext | None:
        """The flow run context of this thread or task, if any (as Prefect's classmethod)."""
        return _flow_run_ctx.get()

    def __repr__(self) -> str:
        return f"FlowRunContext(flow_run={self.flow_run.name!r}, flow={self.flow.name!r})"


class TaskRunContext:
    """The task run in progress in this context."""

    __slots__ = ("log_prints", "logger", "parameters", "task", "task_run")

    def __init__(
        self, task: Task[..., Any], task_run: TaskRun, parameters: dict[str, Any], log_prints: bool
    ) -> None:
        self.task = task
        self.task_run = task_run
        self.parameters = parameters
        self.log_prints = log_prints
        self.logger: logging.LoggerAdapter[logging.Logger] | None = None

    @classmethod
    def get(cls) -> TaskRunContext | None:
        return _task_run_ctx.get()

    def __repr__(self) -> str:
        return f"TaskRunContext(task_run={self.task_run.name!r})"


_flow_run_ctx: ContextVar[FlowRunContext | None] = ContextVar("prefect_flow_run", default=None)
_task_run_ctx: ContextVar[TaskRunContext | None] = ContextVar("prefect_task_run", default=None)
_tags_ctx: ContextVar[frozenset[str]] = ContextVar("prefect_tags", default=frozenset())


def get_flow_run_context() -> FlowRunContext | None:
    return _flow_run_ctx.get()


def get_task_run_context() -> TaskRunContext | None:
    return _task_run_ctx.get()


def get_run_context() -> FlowRunContext | TaskRunContext:
    """The innermost run in progress: the task run if one is running, else the flow run.

    Raises `MissingContextError` outside of any run.
    """
    task_ctx = _task_run_ctx.get()
    if task_ctx is not None:
        return task_ctx
    flow_ctx = _flow_run_ctx.get()
    if flow_ctx is not None:
        return flow_ctx
    raise MissingContextError("No run context available. You are not in a flow or task run.")


def current_tags() -> frozenset[str]:
    return _tags_ctx.get()


@contextlib.contextmanager
def tags(*new_tags: str) -> Iterator[set[str]]:
    """Add `new_tags` to every flow and task run created inside the block.

    with tags("a", "b"):
        my_flow()           # the flow run (and its task runs) carry "a" and "b"
    """
    merged = _tags_ctx.get() | frozenset(new_tags)
    token = _tags_ctx.set(merged)
    try:
        yield set(merged)
    finally:
        _tags_ctx.reset(token)
