"""Reading persisted results back (the writing side lives with the engine)."""

from __future__ import annotations

from typing import Any

from prefect.exceptions import MissingResult


def read_result_record(data: Any) -> Any:
    """The value a state's `data` stands for, or `MissingResult` (the class) when none."""
    return MissingResult
