"""Small widgets shared by the screens."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable, Log, Static

from prefect_console.ops import present

if TYPE_CHECKING:
    from prefect.schemas.objects import FlowRun, TaskRun


class ContextBar(Static):
    """Where the console is pointed: always on screen, so nobody acts on the wrong API."""

    def __init__(self, label: str, *, id: str | None = None) -> None:
        super().__init__(Text(label, no_wrap=True, overflow="ellipsis"), id=id, markup=False)
        self.label = label

    def show(self, label: str) -> None:
        if label != self.label:
            self.label = label
            self.update(Text(label, no_wrap=True, overflow="ellipsis"))


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


class ConsoleTable(DataTable[Any]):
    """A DataTable whose lines are drawn again when its columns change width.

    Textual 8.2 measures new rows on the next idle and widens the columns then, but keeps
    the lines it drew before (the header, rows drawn in between) in caches keyed without
    the widths: under load the header stayed at its label widths above wider rows until
    the cursor moved. Every table of the console is one of these.
    """

    def _update_dimensions(self, new_rows: Iterable[Any]) -> None:
        before = [column.content_width for column in self.columns.values()]
        super()._update_dimensions(new_rows)
        if [column.content_width for column in self.columns.values()] != before:
            self._clear_caches()
            self.refresh()


def fill_table(table: DataTable[Text], rows: dict[str, tuple[Text, ...]]) -> None:
    """Rewrite a small table, keeping the cursor on the same row."""
    selected = (
        table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if table.row_count
        else None
    )
    table.clear()
    for key, cells in rows.items():
        table.add_row(*cells, key=key)
    if selected in rows:
        table.move_cursor(row=list(rows).index(selected), animate=False)


class LogView(Log):
    """A plain `Log` that says when it is scrolled back to its top (to fetch older lines)."""

    class ReachedTop(Message):
        pass

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value <= 0 < old_value:
            self.post_message(self.ReachedTop())
