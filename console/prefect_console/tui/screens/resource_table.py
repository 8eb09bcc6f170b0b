"""A resource list (deployments, pools, variables, artifacts, limits): fetch, show, act.

A subclass says how to fetch its rows (`fetch`, returning rows keyed by id plus the text
the `/` filter searches) and what it calls them (`noun`); this class loads them in a
worker on mount, every refresh period and after each action, and keeps the status line
(count, filter, age, or the last error with the data kept on screen marked stale).
Actions run through `act`: one worker per action, a notice for the outcome or the
failure, never a crash, then a fresh load.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual import work

from prefect_console.tui.screens.base import ConsoleScreen, describe_error
from prefect_console.tui.screens.table import Row, TableScreen

if TYPE_CHECKING:
    from datetime import datetime

    from prefect.client.orchestration import PrefectClient
    from textual.app import ComposeResult

Fetched = tuple[dict[str, Row], dict[str, str]]


class ResourceTableScreen(TableScreen):
    CSS_PATH = "flow_runs.tcss"
    noun: ClassVar[tuple[str, str]] = ("item", "items")
    # shown in the status line after the count (the keys that matter here)
    hint: ClassVar[str] = ""

    def __init__(self) -> None:
        super().__init__()
        self._updated: datetime | None = None
        self._error: str | None = None
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        yield from self.compose_table()
        yield from self.compose_status()

    def on_mount(self) -> None:
        self.status.show(f"Loading {self.noun[1]}...")
        self.action_refresh()
        self.set_interval(self.console.refresh_seconds, self.action_refresh)

    def reload(self) -> None:
        self.set_rows({}, {})
        self.action_refresh()

    async def fetch(self, client: PrefectClient) -> Fetched:
        raise NotImplementedError

    def action_refresh(self) -> None:
        self.load()

    def describe_failure(self, exc: BaseException) -> str:
        """The status line's words for a failed refresh."""
        return describe_error(exc)

    @work(exclusive=True, group="resource-load", exit_on_error=False)
    async def load(self) -> None:
        try:
            client = await self.console.client()
            rows, search = await self.fetch(client)
        except Exception as exc:
            self._error = self.describe_failure(exc)
        else:
            self._error = None
            self.set_rows(rows, search)
            self._updated = self.console.clock()
        finally:
            self.loaded = True
            self.show_status()

    def show_status(self, error: str | None = None) -> None:
        count = len(self._rows)
        parts = [f"{count} {self.noun[0] if count == 1 else self.noun[1]}"]
        parts.extend(self.status_notes())
        if note := self.filter_note():
            parts.append(note)
        hint = [self.hint] if self.hint else []
        self.show_freshness(parts, updated=self._updated, error=error or self._error, trailing=hint)

    def status_notes(self) -> list[str]:
        """Extra parts of the status line (a mode, a total)."""
        return []

    # -- acting ---------------------------------------------------------------------------

    def confirm(
        self,
        title: str,
        names: list[str],
        *,
        verb: str,
        then: Callable[[], None],
        danger: bool = True,
    ) -> None:
        """Ask first; `then` runs after a yes (it acts on what was captured when asked)."""
        from prefect_console.tui.screens.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                then()

        self.app.push_screen(ConfirmScreen(title, names, verb=verb, danger=danger), answered)

    def prompt(
        self,
        label: str,
        then: Callable[[str], None],
        *,
        value: str = "",
        placeholder: str = "",
    ) -> None:
        """A one-line prompt; `then` gets the text (not called on Esc or empty text)."""
        from prefect_console.tui.screens.prompt import PromptScreen

        def answered(text: str | None) -> None:
            if text is not None and text.strip():
                then(text)

        self.app.push_screen(PromptScreen(label, value=value, placeholder=placeholder), answered)

    # an action: `ConsoleScreen.perform` (a worker, a notice, then a fresh load)
    act = ConsoleScreen.perform
