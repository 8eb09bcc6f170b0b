"""`?`: the keys of the screen underneath, and the app-wide ones."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

if TYPE_CHECKING:
    from textual.app import ComposeResult


def _key_rows(bindings: list[BindingType]) -> list[tuple[str, str]]:
    rows = []
    for binding in bindings:
        if isinstance(binding, Binding) and binding.description:
            rows.append((binding.key_display or binding.key, binding.description))
    return rows


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "help.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close"),
    ]

    def __init__(self, under: Screen[object]) -> None:
        super().__init__()
        self._under = under

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, pad_edge=False)
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for key, description in _key_rows(list(self._under.BINDINGS)):
            table.add_row(key, description)
        for key, description in _key_rows(list(self.app.BINDINGS)):
            table.add_row(key, description)
        table.add_row("esc", "Back / close")
        with VerticalScroll(id="help-box"):
            yield Static("Keys", classes="title")
            yield Static(table)

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.app.pop_screen()
