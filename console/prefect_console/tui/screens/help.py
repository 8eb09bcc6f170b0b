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
    from textual.dom import DOMNode


def _key_rows(node: DOMNode) -> list[tuple[str, str]]:
    """Every key bound on `node` (its own and its base classes'), dimmed ones marked."""
    rows = []
    from prefect_console.tui.keymap import effective_bindings

    for key, bindings in effective_bindings(node).key_to_bindings.items():
        for binding in bindings:
            # Textual's own (focus, copy) and the palette's key are listed apart
            if binding.description and not binding.action.startswith(
                ("app.", "screen.", "command_")
            ):
                note = "" if node.check_action(binding.action, ()) else "  (not now)"
                rows.append((binding.key_display or key, binding.description + note))
    return rows


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "help.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, under: Screen[object]) -> None:
        super().__init__()
        self._under = under

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, pad_edge=False)
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        self.rows = [
            *_key_rows(self._under),
            *_key_rows(self.app),
            ("ctrl+p", "Command palette: every action"),
        ]
        for key, description in self.rows:
            table.add_row(key, description)
        table.add_row("esc", "Back / close")
        with VerticalScroll(id="help-box"):
            yield Static("Keys", classes="title")
            yield Static(table)

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.app.pop_screen()
