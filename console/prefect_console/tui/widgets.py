"""Small widgets shared by the screens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from prefect_console.ops import present

if TYPE_CHECKING:
    from prefect.schemas.objects import FlowRun, TaskRun


class ContextBar(Static):
    """Where the console is pointed: always on screen, so nobody acts on the wrong API."""

    def __init__(self, label: str, *, id: str | None = None) -> None:
        super().__init__(Text(label, no_wrap=True, overflow="ellipsis"), id=id, markup=False)


class StatusLine(Static):
    """Freshness of the data on screen; turns to a warning when it is stale."""

    def show(self, text: str, *, stale: bool = False) -> None:
        self.set_class(stale, "stale")
        self.update(Text(text, no_wrap=True, overflow="ellipsis"))


def state_text(run: FlowRun | TaskRun) -> Text:
    """The state as a word in its colour (never colour alone)."""
    return Text(present.state_word(run), style=present.state_colour(present.state_type_of(run)))


def plain(text: str) -> Text:
    """Untrusted text for a cell or label: one line, no markup, no control characters."""
    return Text(present.sanitize_cell(text), no_wrap=True, overflow="ellipsis")
