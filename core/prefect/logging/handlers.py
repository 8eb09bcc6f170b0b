"""Where run logs go: the console (stderr) and the API (batched by the engine's log sender).

`APILogHandler` turns records that belong to a run (they carry `flow_run_id` and maybe
`task_run_id`, set by the run loggers) into `LogCreate` rows and queues them; the queue is
sent from the API loop in batches, and flushed when a flow run ends and at exit.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from prefect.logging.formatting import PrefectFormatter

__all__ = ["APILogHandler", "ConsoleHandler"]


class ConsoleHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is at the time of the record (pytest swaps it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)
        self.setFormatter(PrefectFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


class APILogHandler(logging.Handler):
    """Queues run records for the API; records outside any run are ignored."""

    def emit(self, record: logging.LogRecord) -> None:
        d = record.__dict__
        flow_run_id = d.get("flow_run_id")
        task_run_id = d.get("task_run_id")
        if flow_run_id is None and task_run_id is None:
            return
        if d.get("send_to_api", True) is False:
            return
        try:
            put, make = _api_parts or _load_api_parts()
            message = record.getMessage()
            if record.exc_info:
                message += "\n" + "".join(traceback.format_exception(*record.exc_info))
            put(
                make(
                    name=record.name,
                    level=record.levelno,
                    message=message,
                    timestamp=datetime.fromtimestamp(record.created, UTC),
                    flow_run_id=flow_run_id,
                    task_run_id=task_run_id,
                )
            )
        except Exception:
            self.handleError(record)


# (the log sender's `put`, a LogCreate constructor), imported on the first record: the
# engine and the schemas are not loaded by `import prefect`
_api_parts: tuple[Callable[[Any], None], Callable[..., Any]] | None = None


def _load_api_parts() -> tuple[Callable[[Any], None], Callable[..., Any]]:
    global _api_parts
    from functools import partial

    from prefect.engine._models import construct
    from prefect.engine.api import log_sender
    from prefect.schemas.actions import LogCreate

    def put(log: Any) -> None:
        log_sender().put(log)

    _api_parts = (put, partial(construct, LogCreate))
    return _api_parts
