"""Errors an operation raises for a person to read: one line, no traceback."""

from __future__ import annotations


class ConsoleError(Exception):
    """A user-facing failure (bad input, unknown object, unreachable API).

    `usage` marks errors in what was typed (exit code 2 in the CLI) as opposed to
    failures of the operation itself (exit code 1).
    """

    def __init__(self, message: str, *, usage: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.usage = usage


class NotFound(ConsoleError):
    pass
