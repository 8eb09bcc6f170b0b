"""The short console format: ``09:41:02.123 | INFO    | Flow run 'crafty-fox' - message``.

Records from run loggers name their run ("Flow run 'x'", "Task run 'y'"); any other
record shows its logger name ("prefect.engine").
"""

from __future__ import annotations

import logging
import time

__all__ = ["PrefectFormatter", "record_prefix"]


def record_prefix(record: logging.LogRecord) -> str:
    task_run_name = getattr(record, "task_run_name", None)
    if task_run_name:
        return f"Task run {task_run_name!r}"
    flow_run_name = getattr(record, "flow_run_name", None)
    if flow_run_name:
        return f"Flow run {flow_run_name!r}"
    return record.name


class PrefectFormatter(logging.Formatter):
    """Time with milliseconds, padded level, the run (or logger) and the message."""

    _second: int = -1
    _clock: str = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        second = int(record.created)
        if second != self._second:
            # records come in bursts within one second: the clock is formatted once
            self._clock = time.strftime("%H:%M:%S", time.localtime(second))
            self._second = second
        return f"{self._clock}.{int(record.msecs):03d}"

    def format(self, record: logging.LogRecord) -> str:
        text = f"{self.formatTime(record)} | {record.levelname:<7} | {record_prefix(record)} - "
        text += record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            text += "\n" + record.exc_text
        if record.stack_info:
            text += "\n" + self.formatStack(record.stack_info)
        return text
