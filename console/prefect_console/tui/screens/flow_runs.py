"""The live list of flow runs: a window of the most recent runs, refreshed in place.

Only a window (`WINDOW` runs, newest first) is fetched from the server; rows are keyed by
run id, so a refresh that changes states only rewrites the cells that changed, and the
cursor stays on the same run when new runs arrive above it.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from prefect_console.ops import present
from prefect_console.tui.screens.base import ConsoleScreen, describe_error
from prefect_console.tui.widgets import plain, state_text

if TYPE_CHECKING:
    from datetime import datetime

    from prefect.schemas.objects import FlowRun
    from textual.app import ComposeResult
    from textual.timer import Timer

WINDOW = 200
COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    # key, label, fixed width (None: sized to the content when rows are added)
    ("state", "State", 13),
    ("name", "Name", None),
    ("flow", "Flow", None),
    ("start", "Start", 11),
    ("duration", "Duration", 8),
    ("tags", "Tags", None),
)
Row = tuple[Text, ...]


class FlowRunsScreen(ConsoleScreen):
    CSS_PATH = "flow_runs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_run", "Open"),
        Binding("r", "refresh", "Refresh"),
        Binding("p", "toggle_pause", "Pause"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._rows: dict[str, Row] = {}
        self._loading = False
        self._paused = False
        self._updated: datetime | None = None
        self._timer: Timer | None = None
        self.loaded = False  # set after the first answer (or failure), for tests and scripts

    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        table: DataTable[Text] = DataTable(id="runs", cursor_type="row", zebra_stripes=False)
        for key, label, width in COLUMNS:
            table.add_column(label, key=key, width=width)
        yield table
        yield from self.compose_status()

    def on_mount(self) -> None:
        self.status.show("Loading flow runs...")
        self.action_refresh()
        self._timer = self.set_interval(self.console.refresh_seconds, self._tick)

    def _tick(self) -> None:
        if not self._paused and not self._loading:
            self.action_refresh()

    # -- actions --------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self._loading = True
        self.load_runs()

    def action_toggle_pause(self) -> None:
        self._paused = not self._paused
        self._show_status()

    def action_open_run(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            self.notify("No flow run selected", severity="warning")
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if key is None:
            return
        from prefect_console.tui.screens.flow_run import FlowRunScreen

        self.app.push_screen(FlowRunScreen(uuid.UUID(key)))

    def action_cursor_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_run()

    # -- data -----------------------------------------------------------------------------

    @work(exclusive=True, group="flow-runs", exit_on_error=False)
    async def load_runs(self) -> None:
        from prefect_console.ops import flow_names, list_flow_runs

        try:
            client = await self.console.client()
            runs = await list_flow_runs(client, limit=WINDOW)
            names = await flow_names(client, runs)
        except Exception as exc:  # any failure keeps the last data, marked stale
            self._show_status(error=describe_error(exc))
        else:
            self._apply(runs, names)
            self._updated = self.console.clock()
            self._show_status()
        finally:
            self._loading = False
            self.loaded = True

    def _row(self, run: FlowRun, flow_name: str, now: datetime) -> Row:
        return (
            state_text(run),
            plain(run.name),
            plain(flow_name),
            Text(present.short_time(run.start_time or run.expected_start_time, now)),
            Text(present.format_duration(present.run_duration(run, now)), justify="right"),
            plain(present.format_tags(run.tags)),
        )

    def _apply(self, runs: list[FlowRun], names: dict[uuid.UUID, str]) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        now = self.console.clock()
        rows = {str(run.id): self._row(run, names.get(run.flow_id, "?"), now) for run in runs}
        if list(rows) == [key.value for key in table.rows]:
            # same runs in the same order: rewrite only the cells that changed
            for key, cells in rows.items():
                old = self._rows.get(key, ())
                for (column, _label, _width), cell, before in zip(
                    COLUMNS, cells, old, strict=False
                ):
                    if cell != before:
                        table.update_cell(key, column, cell, update_width=False)
        else:
            self._rebuild(table, rows)
        self._rows = rows

    def _rebuild(self, table: DataTable[Text], rows: dict[str, Row]) -> None:
        """New or vanished runs: lay the rows out again, keeping the cursor on its run."""
        selected: str | None = None
        if table.row_count:
            selected = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        table.clear()
        for key, cells in rows.items():
            table.add_row(*cells, key=key)
        if selected in rows:
            table.move_cursor(row=table.get_row_index(selected), animate=False)

    def _show_status(self, error: str | None = None) -> None:
        count = len(self._rows)
        parts = [f"{count} run{'s' if count != 1 else ''}"]
        if self._updated is not None:
            parts.append(f"updated {self._updated.astimezone():%H:%M:%S}")
        parts.append("paused (p)" if self._paused else f"every {self.console.refresh_seconds:g}s")
        if error is not None:
            stale = " · showing data as of last update" if self._updated else ""
            self.status.show(f"{error}{stale}", stale=True)
        else:
            self.status.show(" · ".join(parts))
