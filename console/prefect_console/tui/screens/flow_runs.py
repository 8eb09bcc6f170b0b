"""The live list of flow runs: a window of the most recent runs, refreshed in place.

Only a window (`WINDOW` runs) is fetched from the server, in the order the server sorts
(start time or name, either way); other columns sort that window here. Rows are keyed by
run id, so a refresh that changes states only rewrites the cells that changed, and the
cursor stays on the same run when new runs arrive above it.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType

from prefect_console.ops import present
from prefect_console.tui.screens.base import describe_error
from prefect_console.tui.screens.run_actions import RunActions
from prefect_console.tui.screens.table import Row, TableScreen
from prefect_console.tui.widgets import plain, state_text

if TYPE_CHECKING:
    from datetime import datetime

    from prefect.schemas.objects import FlowRun
    from prefect.schemas.sorting import FlowRunSort
    from textual.app import ComposeResult

WINDOW = 200
# columns the API sorts by (FlowRunSort); the others sort the fetched window
SERVER_SORTS = {
    ("start", False): "EXPECTED_START_TIME_DESC",
    ("start", True): "EXPECTED_START_TIME_ASC",
    ("name", False): "NAME_ASC",
    ("name", True): "NAME_DESC",
}


class FlowRunsScreen(TableScreen, RunActions):
    CSS_PATH = "flow_runs.tcss"
    TABLE_ID = "runs"
    crumb = "runs"
    COLUMNS = (
        ("state", "State", 13),
        ("name", "Name", None),
        ("flow", "Flow", None),
        ("start", "Start", 11),
        ("duration", "Duration", 8),
        ("tags", "Tags", None),
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_run", "Open", id="runs.open"),
        Binding("space", "toggle_mark", "Mark", id="runs.mark"),
        Binding("c", "cancel_runs", "Cancel", id="runs.cancel"),
        Binding("R", "retry_runs", "Retry", id="runs.retry"),
        Binding("d", "delete_runs", "Delete", id="runs.delete"),
        Binding("w", "watch_run", "Watch", show=False, id="runs.watch"),
        Binding("y", "copy_id", "Copy id", show=False, id="runs.copy_id"),
        Binding("Y", "copy_command", "Copy command", show=False, id="runs.copy_command"),
        Binding("r", "refresh", "Refresh", show=False, id="runs.refresh"),
        Binding("p", "toggle_pause", "Pause", show=False, id="runs.pause"),
        # filter, sort, j/k/g/G and Esc come from TableScreen
    ]

    def __init__(self) -> None:
        super().__init__()
        self._runs: dict[str, FlowRun] = {}
        self._loading = False
        self._paused = False
        self._updated: datetime | None = None
        self._error: str | None = None
        self.loaded = False  # set after the first answer (or failure), for tests and scripts

    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        yield from self.compose_table()
        yield from self.compose_status()

    def on_mount(self) -> None:
        self.status.show("Loading flow runs...")
        self.action_refresh()
        self.set_interval(self.console.refresh_seconds, self._tick)

    def _tick(self) -> None:
        if not self._paused and not self._loading:
            self.action_refresh()

    def reload(self) -> None:
        self._runs.clear()
        self.marked.clear()
        self.set_rows({}, {})
        self.action_refresh()

    # -- selection ------------------------------------------------------------------------

    def target_flow_runs(self) -> list[FlowRun]:
        if not self.is_mounted:
            return []
        keys = [k for k in self._shown if k in self.marked]
        if not keys and self.cursor_key is not None:
            keys = [self.cursor_key]
        return [self._runs[k] for k in keys if k in self._runs]

    def runs_changed(self, deleted: set[uuid.UUID]) -> None:
        self.marked -= {str(run_id) for run_id in deleted}
        self.action_refresh()

    # -- actions --------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self._loading = True
        self.load_runs()

    def action_toggle_pause(self) -> None:
        self._paused = not self._paused
        self.show_status()

    def action_toggle_mark(self) -> None:
        key = self.cursor_key
        if key is None:
            return
        self.marked.symmetric_difference_update({key})
        self.render_rows()
        self.action_cursor_down()
        self.show_status()

    def action_open_run(self) -> None:
        key = self.cursor_key
        if key is None:
            self.notify("No flow run selected", severity="warning")
            return
        from prefect_console.tui.screens.flow_run import FlowRunScreen

        self.app.push_screen(FlowRunScreen(uuid.UUID(key)))

    def on_data_table_row_selected(self, event: Any) -> None:
        event.stop()
        self.action_open_run()

    # -- sorting --------------------------------------------------------------------------

    def server_sort(self) -> FlowRunSort:
        from prefect.schemas.sorting import FlowRunSort

        name = SERVER_SORTS.get((self.sort_column or "", self.sort_reverse))
        return FlowRunSort(name or "EXPECTED_START_TIME_DESC")

    def server_sorted(self, column: str) -> bool:
        return (column, self.sort_reverse) in SERVER_SORTS

    def sort_value(self, key: str, column: str) -> Any:
        run = self._runs[key]
        if column == "duration":
            duration = present.run_duration(run, self.console.clock())
            return duration.total_seconds() if duration is not None else -1.0
        return super().sort_value(key, column)

    def sort_changed(self) -> None:
        super().sort_changed()
        if self.sort_column is None or self.server_sorted(self.sort_column):
            self.action_refresh()

    # -- data -----------------------------------------------------------------------------

    @work(exclusive=True, group="flow-runs", exit_on_error=False)
    async def load_runs(self) -> None:
        from prefect_console.ops import flow_names

        try:
            client = await self.console.client()
            # ops.list_flow_runs has no sort choice yet: same read, with the operator's sort
            runs = await client.read_flow_runs(sort=self.server_sort(), limit=WINDOW)
            names = await flow_names(client, runs)
        except Exception as exc:  # any failure keeps the last data, marked stale
            self._error = describe_error(exc)
        else:
            self._error = None
            self._apply(runs, names)
            self._updated = self.console.clock()
        finally:
            self._loading = False
            self.loaded = True
            self.show_status()

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
        now = self.console.clock()
        self._runs = {str(run.id): run for run in runs}
        rows = {str(run.id): self._row(run, names.get(run.flow_id, "?"), now) for run in runs}
        search = {
            key: " ".join(cell.plain for cell in row[:3] + row[5:]).lower()
            for key, row in rows.items()
        }
        self.set_rows(rows, search)

    def show_status(self, error: str | None = None) -> None:
        error = error or self._error
        count = len(self._rows)
        parts = [f"{count} run{'s' if count != 1 else ''}"]
        if marked := [key for key in self._shown if key in self.marked]:
            parts.append(f"{len(marked)} marked (space)")
        if note := self.filter_note():
            parts.append(note)
        if self._updated is not None:
            parts.append(f"updated {self._updated.astimezone():%H:%M:%S}")
        parts.append("paused (p)" if self._paused else f"every {self.console.refresh_seconds:g}s")
        if error is not None:
            stale = " · showing data as of last update" if self._updated else ""
            self.status.show(f"{error}{stale}", stale=True)
        else:
            self.status.show(" · ".join(parts))
