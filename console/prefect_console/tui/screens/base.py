"""What every console screen shares: the context bar, the status line, the footer."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.screen import Screen
from textual.widgets import Footer

from prefect_console.ops.registry import mutating_actions
from prefect_console.tui.widgets import ContextBar, StatusLine

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from prefect_console.tui.app import ConsoleApp


class ConsoleScreen(Screen[None]):
    @property
    def console(self) -> ConsoleApp:
        return cast("ConsoleApp", self.app)

    def compose_frame(self) -> ComposeResult:
        """The docked bars: context on top, keys at the bottom."""
        yield ContextBar(self.console.context_label, id="context")
        yield Footer()

    def compose_status(self) -> ComposeResult:
        """The status line, yielded after the content: it sits just above the footer."""
        yield StatusLine(id="status")

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        target = f"{type(self).__module__}:{type(self).__name__}"
        if self.console.read_only and (target, action) in mutating_actions():
            return None  # shown dimmed in the footer: it exists, but not in this mode
        return True


def describe_error(exc: BaseException) -> str:
    """A failed refresh in one line, for the status line."""
    from prefect.exceptions import ServerUnreachable

    from prefect_console.ops.text import one_line

    if isinstance(exc, ServerUnreachable | OSError):
        return f"API unreachable: {one_line(str(exc))}"
    return f"Refresh failed: {type(exc).__name__}: {one_line(str(exc))}"
