"""The console format, run loggers and print capture."""

from __future__ import annotations

import logging
import uuid

import pytest
from prefect.exceptions import MissingContextError
from prefect.logging import get_run_logger
from prefect.logging.formatting import PrefectFormatter


def _record(**extra: object) -> logging.LogRecord:
    record = logging.LogRecord(
        "prefect.flow_runs", logging.INFO, __file__, 1, "hello %s", ("there",), None
    )
    record.__dict__.update(extra)
    return record


def test_flow_run_format() -> None:
    text = PrefectFormatter().format(_record(flow_run_name="crafty-fox", flow_run_id=uuid.uuid4()))
    time_part, level, rest = text.split(" | ")
    assert len(time_part) == 12 and time_part[2] == ":" and time_part[8] == "."
    assert level == "INFO   "
    assert rest == "Flow run 'crafty-fox' - hello there"


def test_task_run_format_wins_over_flow_run() -> None:
    text = PrefectFormatter().format(_record(flow_run_name="f", task_run_name="add-0"))
    assert text.endswith("| Task run 'add-0' - hello there")


def test_other_loggers_show_their_name() -> None:
    assert PrefectFormatter().format(_record()).endswith("| prefect.flow_runs - hello there")


def test_exception_text_is_appended() -> None:
    try:
        raise ValueError("bad")
    except ValueError:
        import sys

        record = _record()
        record.exc_info = sys.exc_info()
    text = PrefectFormatter().format(record)
    assert "Traceback" in text and "ValueError: bad" in text


def test_run_logger_outside_a_run() -> None:
    with pytest.raises(MissingContextError):
        get_run_logger()
