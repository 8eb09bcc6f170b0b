"""The shapes of the verb table (`registry.VERBS`): a verb and its place in the TUI."""

from __future__ import annotations

from dataclasses import dataclass

APP = "prefect_console.tui.app:ConsoleApp"


@dataclass(frozen=True)
class TuiAction:
    """An action (`action_<name>` on `target`, a "module:Class") bound to `key`."""

    target: str
    action: str
    key: str


@dataclass(frozen=True)
class Verb:
    command: str
    summary: str
    operation: str | None = None
    tui: TuiAction | None = None
    cli_only: str | None = None
    # changes something on the server: dimmed in read-only mode
    mutates: bool = False
