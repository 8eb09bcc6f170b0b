"""A modal with one object's fields (a variable, a concurrency limit): Esc closes it.

Values are untrusted text: shown without markup, control characters stripped (line
breaks kept in multi-line values such as a variable's JSON).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from prefect_console.ops.text import strip_controls

if TYPE_CHECKING:
    from textual.app import ComposeResult


class ObjectScreen(ModalScreen[None]):
    CSS_PATH = "object_view.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,enter", "close", "Close", id="object.close"),
        Binding("y", "copy", "Copy value", id="object.copy"),
    ]

    def __init__(self, title: str, fields: list[tuple[str, str]], *, copy: str = "") -> None:
        super().__init__()
        self._title = title
        self._fields = fields
        self._copy = copy

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, pad_edge=False)
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        for label, value in self._fields:
            table.add_row(label, Text(strip_controls(value)))
        with VerticalScroll(id="object-box"):
            yield Static(Text(strip_controls(self._title, keep_newlines=False)), classes="title")
            yield Static(table, id="object-fields")

    @property
    def fields(self) -> list[tuple[str, str]]:
        return list(self._fields)

    def action_close(self) -> None:
        self.app.pop_screen()

    def action_copy(self) -> None:
        if self._copy:
            self.app.copy_to_clipboard(self._copy)
            self.notify("Copied", markup=False)
