"""`F` / `:flows`: the flows the API knows, newest first."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from prefect_console.ops import present
from prefect_console.tui.screens.base import describe_error
from prefect_console.tui.screens.table import Row, TableScreen
from prefect_console.tui.widgets import plain

if TYPE_CHECKING:
    from datetime import datetime

    from textual.app import ComposeResult

FLOW_LIMIT = 200


class FlowsScreen(TableScreen):
    CSS_PATH = "flow_runs.tcss"
    TABLE_ID = "flows"
    crumb = "flows"
    COLUMNS = (
        ("name", "Flow", None),
        ("created", "Created", 19),
        ("tags", "Tags", None),
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        *TableScreen.BINDINGS,
        Binding("enter", "show_runs", "Runs", id="flows.runs"),
        ("r", "refresh", "Refresh"),
        ("y", "copy_id", "Copy id"),
    ]

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
        self.status.show("Loading flows...")
        self.action_refresh()
        self.set_interval(self.console.refresh_seconds, self.action_refresh)

    def reload(self) -> None:
        self.set_rows({}, {})
        self.action_refresh()

    def action_refresh(self) -> None:
        self.load_flows()

    def action_show_runs(self) -> None:
        """The runs list, filtered to the flow under the cursor."""
        from prefect_console.tui.screens.flow_runs import FlowRunsScreen

        key = self.cursor_key
        if key is None:
            return
        name = self._rows[key][0].plain
        self.console.action_show_runs()
        runs = self.app.screen
        if isinstance(runs, FlowRunsScreen):
            runs.filter_text = name.lower()
            runs.render_rows()
            runs.show_status()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_show_runs()

    def action_copy_id(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.app.copy_to_clipboard(key)
            self.notify(f"Copied {key}")

    @work(exclusive=True, group="flows", exit_on_error=False)
    async def load_flows(self) -> None:
        from prefect_console.ops.flows import list_flows

        try:
            client = await self.console.client()
            flows = await list_flows(client, limit=FLOW_LIMIT)
        except Exception as exc:
            self._error = describe_error(exc)
        else:
            self._error = None
            now = self.console.clock()
            rows: dict[str, Row] = {
                str(flow.id): (
                    plain(flow.name),
                    Text(present.format_time(flow.created, now) if flow.created else "-"),
                    plain(present.format_tags(flow.tags)),
                )
                for flow in flows
            }
            search = {key: f"{row[0].plain} {row[2].plain}".lower() for key, row in rows.items()}
            self.set_rows(rows, search)
            self._updated = now
        finally:
            self.loaded = True
            self.show_status()

    def show_status(self, error: str | None = None) -> None:
        count = len(self._rows)
        parts = [f"{count} flow{'s' if count != 1 else ''}"]
        if note := self.filter_note():
            parts.append(note)
        self.show_freshness(parts, updated=self._updated, error=error or self._error)
