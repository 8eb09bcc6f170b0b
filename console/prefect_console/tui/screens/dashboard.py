"""`:dash`: runs by state over the last hours, the latest failures, and late runs.

Counts come from the API's count endpoint (one query per state group and hour, so a
store with a million runs answers as quickly as an empty one); the two lists are small
sorted pages. Enter on a listed run opens it.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Static

from prefect_console.ops import present
from prefect_console.tui.screens.base import ConsoleScreen, describe_error
from prefect_console.tui.widgets import plain, state_text

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.objects import FlowRun
    from textual.app import ComposeResult

HOURS = 12
LIST_LIMIT = 8
BLOCKS = " ▁▂▃▄▅▆▇█"
GROUPS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("Completed", ("COMPLETED",), "green"),
    ("Failed", ("FAILED", "CRASHED"), "red"),
    ("Running", ("RUNNING", "PENDING", "CANCELLING"), "blue"),
    ("Cancelled", ("CANCELLED",), "bright_black"),
    ("Scheduled", ("SCHEDULED", "PAUSED"), "yellow"),
)


@dataclass(frozen=True)
class Overview:
    counts: dict[str, list[int]]  # group -> runs per hour, oldest hour first
    failures: list[FlowRun]
    late: list[FlowRun]


async def read_overview(client: PrefectClient, now: datetime) -> Overview:
    from prefect.schemas.filters import FlowRunFilter, StateFilter, StateTypeFilter, TimeFilter
    from prefect.schemas.objects import StateType
    from prefect.schemas.sorting import FlowRunSort

    def types(names: tuple[str, ...]) -> StateFilter:
        return StateFilter(type=StateTypeFilter(any_=[StateType(n) for n in names]))

    starts = [now - timedelta(hours=HOURS - i) for i in range(HOURS)]

    async def count(names: tuple[str, ...], start: datetime) -> int:
        window = TimeFilter(after_=start, before_=start + timedelta(hours=1))
        return await client.count_flow_runs(
            flow_run_filter=FlowRunFilter(state=types(names), expected_start_time=window)
        )

    counts = {
        label: list(await asyncio.gather(*(count(names, start) for start in starts)))
        for label, names, _colour in GROUPS
    }
    failures = await client.read_flow_runs(
        flow_run_filter=FlowRunFilter(state=types(("FAILED", "CRASHED"))),
        sort=FlowRunSort.EXPECTED_START_TIME_DESC,
        limit=LIST_LIMIT,
    )
    late = await client.read_flow_runs(
        flow_run_filter=FlowRunFilter(
            state=types(("SCHEDULED",)), expected_start_time=TimeFilter(before_=now)
        ),
        sort=FlowRunSort.EXPECTED_START_TIME_ASC,
        limit=LIST_LIMIT,
    )
    return Overview(counts=counts, failures=failures, late=late)


def spark(values: list[int]) -> str:
    top = max(values) if values else 0
    if top == 0:
        return "·" * len(values)
    return "".join(BLOCKS[0 if v == 0 else max(1, round(v / top * 8))] for v in values)


class DashboardScreen(ConsoleScreen):
    CSS_PATH = "dashboard.tcss"
    crumb = "dash"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_run", "Open", id="dashboard.open"),
        Binding("r", "refresh", "Refresh", id="dashboard.refresh"),
        Binding("escape", "back", "Back", show=False, id="dashboard.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._updated: datetime | None = None
        self._error: str | None = None
        self.overview: Overview | None = None
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        yield Static(Text("Loading..."), id="dash-counts", markup=False)
        with Horizontal(id="dash-lists"):
            for table_id, title in (("failures", "Recent failures"), ("late", "Late runs")):
                table: DataTable[Text] = DataTable(id=table_id, cursor_type="row")
                table.add_column("State", key="state", width=9)
                table.add_column("Name", key="name")
                table.add_column("Start", key="start", width=11)
                table.border_title = title
                yield table
        yield from self.compose_status()

    def on_mount(self) -> None:
        self.query_one("#dash-counts").border_title = f"Flow runs by state, last {HOURS} hours"
        self.action_refresh()
        self.set_interval(self.console.refresh_seconds, self.action_refresh)

    def reload(self) -> None:
        self.action_refresh()

    def action_refresh(self) -> None:
        self.load()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def action_open_run(self) -> None:
        from prefect_console.tui.screens.flow_run import FlowRunScreen

        focused = self.focused
        if isinstance(focused, DataTable) and focused.row_count:
            key = focused.coordinate_to_cell_key(focused.cursor_coordinate).row_key.value
            if key is not None:
                self.app.push_screen(FlowRunScreen(uuid.UUID(key)))

    def on_data_table_row_selected(self, event: Any) -> None:
        event.stop()
        self.action_open_run()

    @work(exclusive=True, group="dashboard", exit_on_error=False)
    async def load(self) -> None:
        try:
            client = await self.console.client()
            overview = await read_overview(client, self.console.clock())
        except Exception as exc:
            self._error = describe_error(exc)
        else:
            self._error = None
            self.overview = overview
            self._updated = self.console.clock()
            self._show(overview)
        finally:
            self.loaded = True
            self._show_status()

    def _show(self, overview: Overview) -> None:
        now = self.console.clock()
        grid = Table(box=None, show_header=True, pad_edge=False, header_style="dim")
        grid.add_column("State", no_wrap=True)
        grid.add_column("Runs", justify="right", no_wrap=True)
        start = (now - timedelta(hours=HOURS)).astimezone()
        grid.add_column(f"per hour since {start:%H:%M}", no_wrap=True)
        for label, _names, colour in GROUPS:
            values = overview.counts[label]
            grid.add_row(Text(label, style=colour), str(sum(values)), Text(spark(values), colour))
        self.query_one("#dash-counts", Static).update(grid)
        for table_id, runs in (("failures", overview.failures), ("late", overview.late)):
            table: DataTable[Text] = self.query_one(f"#{table_id}", DataTable)
            table.clear()
            for run in runs:
                when = run.start_time or run.expected_start_time
                table.add_row(
                    state_text(run),
                    plain(run.name),
                    Text(present.short_time(when, now)),
                    key=str(run.id),
                )

    def _show_status(self) -> None:
        if self._error is not None:
            stale = " · showing data as of last update" if self._updated else ""
            self.status.show(self._error + stale, stale=True)
        elif self._updated is not None:
            self.status.show(f"updated {self._updated.astimezone():%H:%M:%S}")
