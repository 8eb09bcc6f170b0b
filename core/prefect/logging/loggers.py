"""Loggers for runs, the one-time logging setup, and `log_prints`.

Run loggers are `LoggerAdapter`s over ``prefect.flow_runs`` / ``prefect.task_runs`` that
stamp every record with the run's ids and names, so the console shows which run spoke and
the API handler knows where the record belongs.
"""

from __future__ import annotations

import builtins
import logging
import sys
import threading
from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any

from prefect.exceptions import MissingContextError

if TYPE_CHECKING:
    from prefect.context import FlowRunContext, TaskRunContext

__all__ = [
    "PrefectLogAdapter",
    "flow_run_logger",
    "get_logger",
    "get_run_logger",
    "log_for_run",
    "print_as_log",
    "setup_logging",
    "task_run_logger",
]


class PrefectLogAdapter(logging.LoggerAdapter):  # type: ignore[type-arg]
    """Adds the run's fields to each record, keeping any `extra` the caller passes."""

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, Any]:
        kwargs["extra"] = {**(self.extra or {}), **(kwargs.get("extra") or {})}
        return msg, kwargs


def get_logger(name: str | None = None) -> logging.Logger:
    """A logger under ``prefect`` (``get_logger("engine")`` -> ``prefect.engine``)."""
    setup_logging()
    if not name:
        return logging.getLogger("prefect")
    return logging.getLogger(name if name.startswith("prefect") else f"prefect.{name}")


def flow_run_logger(ctx: FlowRunContext) -> PrefectLogAdapter:
    if ctx.logger is None:
        ctx.logger = PrefectLogAdapter(
            logging.getLogger("prefect.flow_runs"),
            {
                "flow_run_id": ctx.flow_run.id,
                "flow_run_name": ctx.flow_run.name,
                "flow_name": ctx.flow.name,
            },
        )
    return ctx.logger  # type: ignore[return-value]


def task_run_logger(ctx: TaskRunContext, flow_ctx: FlowRunContext | None) -> PrefectLogAdapter:
    if ctx.logger is None:
        extra: dict[str, Any] = {
            "task_run_id": ctx.task_run.id,
            "task_run_name": ctx.task_run.name,
            "task_name": ctx.task.name,
            "flow_run_id": ctx.task_run.flow_run_id,
        }
        if flow_ctx is not None:
            extra["flow_run_name"] = flow_ctx.flow_run.name
            extra["flow_name"] = flow_ctx.flow.name
        ctx.logger = PrefectLogAdapter(_task_runs_logger, extra)
    return ctx.logger  # type: ignore[return-value]


# one adapter per task run: the logger under it is looked up once (getLogger takes a lock)
_task_runs_logger = logging.getLogger("prefect.task_runs")


def log_for_run(
    adapter: logging.LoggerAdapter[logging.Logger], level: int, msg: str, *args: Any
) -> None:
    """`adapter.log(level, msg, *args)` for the engine's own messages about a run.

    The record is made without looking up the caller's frame (its `pathname`, `lineno`
    and `funcName` would only ever name the engine); it goes through the logger's level,
    filters and handlers as any other record. One such message per task run ("Finished
    in state ...") was a tenth of a small task's cost through the adapter.
    """
    logger = adapter.logger
    if not logger.isEnabledFor(level):
        return
    record = logger.makeRecord(
        logger.name, level, _ENGINE_FILE, 0, msg, args, None, None, adapter.extra
    )
    logger.handle(record)


_ENGINE_FILE = "prefect/engine"


def get_run_logger(**extra: Any) -> logging.LoggerAdapter[logging.Logger]:
    """The logger of the current task run, else of the current flow run.

    Its records go to the console and to the API, attached to the run. Raises
    `MissingContextError` outside of a run.
    """
    from prefect.context import get_flow_run_context, get_task_run_context

    setup_logging()
    task_ctx = get_task_run_context()
    flow_ctx = get_flow_run_context()
    if task_ctx is not None:
        logger: logging.LoggerAdapter[logging.Logger] = task_run_logger(task_ctx, flow_ctx)
    elif flow_ctx is not None:
        logger = flow_run_logger(flow_ctx)
    else:
        raise MissingContextError("There is no active flow or task run context.")
    if extra:
        return PrefectLogAdapter(logger.logger, {**(logger.extra or {}), **extra})
    return logger


# -- setup --------------------------------------------------------------------------------

_setup_lock = threading.Lock()
_configured_level: str | None = None
_console: logging.Handler | None = None
_api: logging.Handler | None = None


def setup_logging() -> None:
    """Attach our handlers to the ``prefect`` logger once; re-read the level each time.

    The root logger is left alone (an application's own logging setup stays as it was);
    ``prefect`` does not propagate, so records are not printed twice.
    """
    global _configured_level, _console, _api
    from prefect.settings import get_current_settings

    settings = get_current_settings()
    level = settings.logging_level
    if _console is not None and level == _configured_level:
        return
    with _setup_lock:
        from prefect.logging.handlers import APILogHandler, ConsoleHandler

        root = logging.getLogger("prefect")
        root.setLevel(level)
        if _console is None:
            _console = ConsoleHandler()
            root.addHandler(_console)
            root.propagate = False
            _api = APILogHandler()
            for name in ("prefect.flow_runs", "prefect.task_runs"):
                logging.getLogger(name).addHandler(_api)
            extra = (n.strip() for n in settings.logging_extra_loggers.split(","))
            for name in filter(None, extra):
                logging.getLogger(name).addHandler(_api)
        _configured_level = level


def api_logging_enabled() -> bool:
    from prefect.settings import get_current_settings

    return bool(get_current_settings().logging_to_api_enabled)


# -- log_prints ---------------------------------------------------------------------------

_original_print = builtins.print
_print_patched = False


def print_as_log(*args: Any, **kwargs: Any) -> None:
    """`print` that, inside a run with log_prints on, logs the text at INFO instead."""
    from prefect.context import get_flow_run_context, get_task_run_context

    file = kwargs.get("file")
    if file is None or file is sys.stdout:
        task_ctx = get_task_run_context()
        flow_ctx = get_flow_run_context()
        ctx = task_ctx or flow_ctx
        if ctx is not None and ctx.log_prints:
            sep = kwargs.get("sep")
            text = (" " if sep is None else sep).join(str(a) for a in args)
            if task_ctx is not None:
                task_run_logger(task_ctx, flow_ctx).info(text)
            elif flow_ctx is not None:
                flow_run_logger(flow_ctx).info(text)
            return
    _original_print(*args, **kwargs)


def enable_print_logging() -> None:
    """Route print() through `print_as_log` from now on (it prints normally outside runs)."""
    global _print_patched
    if not _print_patched:
        builtins.print = print_as_log
        _print_patched = True
