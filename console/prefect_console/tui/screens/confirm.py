"""A yes/no question before anything hard to undo, naming exactly what it will act on.

The caller captures the objects when it opens the dialog and acts on those after a yes,
whatever the cursor does meanwhile (a refresh may move rows under it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

if TYPE_CHECKING:
    from textual.app import ComposeResult

MAX_LISTED = 8


class ConfirmScreen(ModalScreen[bool]):
    CSS_PATH = "confirm.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, title: str, names: list[str], *, verb: str, danger: bool = False) -> None:
        super().__init__()
        self._title = title
        self._names = names
        self._verb = verb
        self._danger = danger

    def compose(self) -> ComposeResult:
        listed = Text()
        for name in self._names[:MAX_LISTED]:
            listed.append(f"  {name}\n")
        if len(self._names) > MAX_LISTED:
            listed.append(f"  ... and {len(self._names) - MAX_LISTED} more\n", style="italic")
        with Vertical(id="confirm-box", classes="danger" if self._danger else ""):
            yield Static(Text(self._title, style="bold"), id="confirm-title", markup=False)
            yield Static(listed, id="confirm-names", markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button(
                    f"{self._verb} (y)",
                    id="yes",
                    variant="error" if self._danger else "warning",
                    compact=True,
                )
                yield Button("Keep (n)", id="no", variant="default", compact=True)

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
