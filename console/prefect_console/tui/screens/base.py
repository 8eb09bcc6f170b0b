"""What every console screen shares: the context bar, the status line, the footer.

A screen names itself in the breadcrumb (`crumb`), says why an action does not apply
(`disabled_reason`, shown dimmed in the footer and as a notice when its key is pressed),
and reloads its data when the app reconnects to another API (`reload`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import work
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer

from prefect_console.ops.registry import mutating_actions
from prefect_console.tui.widgets import ContextBar, StatusLine

if TYPE_CHECKING:
    from datetime import datetime

    from prefect.client.orchestration import PrefectClient
    from textual import events
    from textual.app import ComposeResult

    from prefect_console.tui.app import ConsoleApp

READ_ONLY_REASON = "read-only mode: `prefect ui --read-only` changes nothing"


class ConsoleScreen(Screen[None]):
    crumb: ClassVar[str] = ""

    def perform(
        self,
        command: str,
        operation: Callable[[PrefectClient], Awaitable[Any]],
        done: str | Callable[[Any], str],
    ) -> None:
        """Run `operation` (of the operations layer) in a worker: a notice says how it went,
        never a crash, then the screen reloads (`action_refresh`).

        `command` is the CLI command doing the same (`Y` on the runs screens copies the
        last one).
        """
        self.console.last_command = command
        self._perform(operation, done)

    @work(group="operations", exit_on_error=False)
    async def _perform(
        self,
        operation: Callable[[PrefectClient], Awaitable[Any]],
        done: str | Callable[[Any], str],
    ) -> None:
        try:
            client = await self.console.client()
            result = await operation(client)
        except Exception as exc:
            self.notify(describe_action_error(exc), severity="error", timeout=8, markup=False)
        else:
            self.notify(done if isinstance(done, str) else done(result), markup=False)
        self.action_refresh()

    def action_refresh(self) -> None:
        """Reload what the screen shows (screens with data to reload say how)."""

    @property
    def console(self) -> ConsoleApp:
        return cast("ConsoleApp", self.app)

    @property
    def crumb_label(self) -> str:
        """This screen's part of the breadcrumb (a run screen names its run)."""
        return self.crumb

    def compose_frame(self) -> ComposeResult:
        """The docked bars: context on top, keys at the bottom."""
        yield ContextBar(self.console.context_label, id="context")
        # the palette's own key sits in the help and the palette; the footer keeps 80 columns
        yield Footer(show_command_palette=False, compact=True)

    def compose_status(self) -> ComposeResult:
        """The status line, yielded after the content: it sits just above the footer."""
        yield StatusLine(id="status")

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    def show_freshness(
        self,
        parts: Sequence[str],
        *,
        updated: datetime | None,
        error: str | None,
        trailing: Sequence[str] = (),
    ) -> None:
        """The status line of a screen that refreshes: its parts (counts, filter) and the
        time of the last update; or, after a failed refresh, the error, with the data
        kept on screen marked stale."""
        if error is not None:
            stale = " · showing data as of last update" if updated else ""
            self.status.show(f"{error}{stale}", stale=True)
            return
        shown = list(parts)
        if updated is not None:
            shown.append(f"updated {updated.astimezone():%H:%M:%S}")
        self.status.show(" · ".join([*shown, *trailing]))

    def update_context(self) -> None:
        """Profile, API and the breadcrumb of the screens stacked up to this one."""
        crumbs = [
            s.crumb_label
            for s in self.app.screen_stack
            if isinstance(s, ConsoleScreen) and s.crumb_label
        ]
        if self in self.app.screen_stack:
            crumbs = crumbs[: self.app.screen_stack.index(self) + 1]
        label = self.console.context_label
        if crumbs:
            label = f"{label}  │  {' > '.join(crumbs)}"
        for bar in self.query(ContextBar):
            bar.show(label)

    def on_screen_resume(self) -> None:
        self.update_context()

    def reload(self) -> None:
        """Fetch again (after a profile switch); screens with data override it."""

    def disabled_reason(self, action: str) -> str | None:
        """Why `action` does not apply now, or None when it does."""
        target = f"{type(self).__module__}:{type(self).__name__}"
        if self.console.read_only and (target, action) in mutating_actions():
            return READ_ONLY_REASON
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # None shows the key dimmed in the footer: it exists, but not now
        return None if self.disabled_reason(action) else True

    def on_key(self, event: events.Key) -> None:
        """A dimmed key says why it did nothing, instead of nothing at all."""
        from prefect_console.tui.keymap import effective_bindings

        for binding in effective_bindings(self).key_to_bindings.get(event.key, ()):
            reason = self.disabled_reason(binding.action)
            if reason and isinstance(binding, Binding):
                self.notify(
                    f"{binding.description or binding.action}: {reason}", severity="warning"
                )
                event.stop()
                return


def describe_error(exc: BaseException) -> str:
    """A failed refresh in one line, for the status line."""
    from prefect.exceptions import ServerUnreachable

    from prefect_console.ops.text import one_line

    if isinstance(exc, ServerUnreachable | OSError):
        return f"API unreachable: {one_line(str(exc))}"
    return f"Refresh failed: {type(exc).__name__}: {one_line(str(exc))}"


def describe_action_or_refresh(exc: BaseException) -> str:
    """A refresh of one object: "not found" in the operation's words (it was deleted),
    anything else as a failed refresh."""
    from prefect_console.ops.errors import NotFound

    if isinstance(exc, NotFound):
        return exc.message
    return describe_error(exc)


def describe_action_error(exc: BaseException) -> str:
    """A failed action in one line, for a notice: the operation's own words when it has them."""
    from prefect_console.ops.errors import ConsoleError

    if isinstance(exc, ConsoleError):
        return exc.message
    return describe_error(exc).replace("Refresh failed", "Failed", 1)
