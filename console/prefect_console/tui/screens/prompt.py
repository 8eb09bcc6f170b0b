"""A one-line prompt at the bottom of the screen: `:` jumps, `/` filters.

Enter answers with the text, Esc with None; `on_change` sees every keystroke (a filter
narrows the table while it is typed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widgets import Input, Label

if TYPE_CHECKING:
    from textual.app import ComposeResult


class PromptScreen(ModalScreen[str | None]):
    CSS_PATH = "prompt.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="prompt.cancel"),
    ]

    def __init__(
        self,
        prompt: str,
        *,
        value: str = "",
        placeholder: str = "",
        on_change: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__()
        self._prompt = prompt
        self._value = value
        self._placeholder = placeholder
        self._on_change = on_change

    def compose(self) -> ComposeResult:
        with Horizontal(id="prompt-bar"):
            yield Label(self._prompt, id="prompt-label", markup=False)
            yield Input(self._value, placeholder=self._placeholder, id="prompt-input")

    def on_input_changed(self, event: Input.Changed) -> None:
        if self._on_change is not None:
            self._on_change(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
