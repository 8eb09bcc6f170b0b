"""`:dash`: runs by state over the last hours, work-pool health, the latest failures, late
runs (each, and counted per deployment) and the next scheduled ones.

Counts come from the API's count endpoint (one query per state group and hour, so a
store with a million runs answers as quickly as an empty one); the lists are small sorted
pages. Each work pool shows its status, its workers online and the runs waiting in its
queues (`ops.work_pools.summarize_work_pools`). Enter on a listed run opens it; on a pool,
the pool's screen.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Static

from prefect_console.ops import present, present_work
from prefect_console.tui.screens.base import ConsoleScreen, describe_error
from prefect_console.tui.screens.work_pools import waiting_cell, workers_cell
from prefect_console.tui.widgets import ConsoleTable, fill_table, plain, state_text

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.objects import FlowRun
    from textual.app import ComposeResult

    from prefect_console.ops.deployments import UpcomingRun
    from prefect_console.ops.late_runs import LateDeployment
    from prefect_console.ops.work_pools import WorkPoolDetail

HOURS = 12
# enough rows to fill a tall terminal; a short one shows the first few
LIST_LIMIT = 20
POOL_LIMIT = 50
RUN_LISTS: tuple[tuple[str, str], ...] = (("failures", "Recent failures"), ("late", "Late runs"))
# key, label, fixed width (None: sized to content); what matters most comes first
POOL_COLUMNS = (
    ("name", "Work pool", None),
    ("status", "Status", 9),
    ("workers", "Workers", 7),
    ("waiting", "Waiting", 7),
    ("type", "Type", None),
    ("limit", "Limit", 5),
    ("queues", "Queues", None),
)
# the count first: at 80 columns the panel is narrow and cuts from the right
LATE_COLUMNS = (
    ("late", "Late", 4),
    ("deployment", "Deployment", None),
    ("oldest", "Oldest", 9),
)
UPCOMING_COLUMNS = (
    ("when", "Scheduled", 11),
    ("in", "In", 7),
    ("deployment", "Deployment", None),
    ("name", "Flow run", None),
    ("pool", "Work pool/queue", None),
)
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
    pools: list[WorkPoolDetail] = field(default_factory=list)
    upcoming: list[UpcomingRun] = field(default_factory=list)
    late_by_deployment: list[LateDeployment] = field(default_factory=list)


async def read_overview(client: PrefectClient, now: datetime) -> Overview:
    from prefect.schemas.filters import FlowRunFilter, StateFilter, StateTypeFilter, TimeFilter
    from prefect.schemas.objects import StateType
    from prefect.schemas.sorting import FlowRunSort

    from prefect_console.ops.deployments import upcoming_runs
    from prefect_console.ops.late_runs import late_by_deployment
    from prefect_console.ops.work_pools import summarize_work_pools

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
    pools, upcoming, late_groups = await asyncio.gather(
        summarize_work_pools(client, limit=POOL_LIMIT, waiting_at=now),
        upcoming_runs(client, now, limit=LIST_LIMIT),
        late_by_deployment(client, now, limit=LIST_LIMIT),
    )
    return Overview(
        counts=counts,
        failures=failures,
        late=late,
        pools=pools,
        upcoming=upcoming,
        late_by_deployment=late_groups,
    )


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
        with Horizontal(id="dash-top"):
            yield Static(Text("Loading..."), id="dash-counts", markup=False)
            yield _table("dash-pools", "Work pools", POOL_COLUMNS)
        with Horizontal(id="dash-lists"):
            for table_id, title in RUN_LISTS:
                yield _table(
                    table_id,
                    title,
                    (("state", "State", 9), ("name", "Name", None), ("start", "Start", 11)),
                )
            yield _table("dash-late-deployments", "Late by deployment", LATE_COLUMNS)
        yield _table("dash-upcoming", "Upcoming runs", UPCOMING_COLUMNS)
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
        """Open what is under the cursor: a run, or on the pools panel a work pool."""
        from prefect_console.tui.screens.flow_run import FlowRunScreen
        from prefect_console.tui.screens.work_pools import WorkPoolScreen

        focused = self.focused
        if isinstance(focused, DataTable) and focused.row_count:
            key = focused.coordinate_to_cell_key(focused.cursor_coordinate).row_key.value
            if key is None:
                return
            if focused.id == "dash-pools":
                self.app.push_screen(WorkPoolScreen(key))
            elif focused.id == "dash-late-deployments":
                from prefect_console.tui.screens.deployments import DeploymentScreen

                self.app.push_screen(DeploymentScreen(uuid.UUID(key)))
            else:
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
        # narrow, so that the pools panel beside it keeps its columns at 80 wide
        grid.add_column(f"hourly since {start:%H:%M}", no_wrap=True)
        for label, _names, colour in GROUPS:
            values = overview.counts[label]
            grid.add_row(Text(label, style=colour), str(sum(values)), Text(spark(values), colour))
        self.query_one("#dash-counts", Static).update(grid)
        for table_id, runs in (("failures", overview.failures), ("late", overview.late)):
            table: DataTable[Text] = self.query_one(f"#{table_id}", DataTable)
            fill_table(
                table,
                {
                    str(run.id): (
                        state_text(run),
                        plain(run.name),
                        Text(present.short_time(run.start_time or run.expected_start_time, now)),
                    )
                    for run in runs
                },
            )
        pools = self.query_one("#dash-pools", DataTable)
        fill_table(pools, {detail.pool.name: _pool_row(detail) for detail in overview.pools})
        waiting = sum(detail.waiting_total for detail in overview.pools)
        pools.border_title = (
            f"Work pools ({len(overview.pools)}, {waiting} run{'s' if waiting != 1 else ''}"
            " waiting)"
            if overview.pools
            else "Work pools (none)"
        )
        late_table = self.query_one("#dash-late-deployments", DataTable)
        fill_table(
            late_table,
            {str(item.deployment_id): _late_row(item, now) for item in overview.late_by_deployment},
        )
        total = sum(item.late for item in overview.late_by_deployment)
        late_table.border_title = f"Late by deployment ({total})" if total else "Late by deployment"
        fill_table(
            self.query_one("#dash-upcoming", DataTable),
            {str(item.flow_run.id): _upcoming_row(item, now) for item in overview.upcoming},
        )

    def _show_status(self) -> None:
        if self._error is not None:
            stale = " · showing data as of last update" if self._updated else ""
            self.status.show(self._error + stale, stale=True)
        elif self._updated is not None:
            self.status.show(f"updated {self._updated.astimezone():%H:%M:%S}")


def _table(
    table_id: str, title: str, columns: tuple[tuple[str, str, int | None], ...]
) -> DataTable[Text]:
    table: DataTable[Text] = ConsoleTable(id=table_id, cursor_type="row")
    for key, label, width in columns:
        table.add_column(label, key=key, width=width)
    table.border_title = title
    return table


def _pool_row(detail: WorkPoolDetail) -> tuple[Text, ...]:
    status = detail.pool.status
    return (
        plain(detail.pool.name),
        Text(present_work.status_word(status), style=present_work.status_colour(status)),
        workers_cell(detail),
        waiting_cell(detail.waiting_total),
        plain(detail.pool.type),
        Text(present_work.concurrency_text(detail.pool.concurrency_limit), justify="right"),
        plain(", ".join(queue.name for queue in detail.queues)),
    )


def _upcoming_row(item: UpcomingRun, now: datetime) -> tuple[Text, ...]:
    when = item.flow_run.expected_start_time
    until = present_work.format_until(when - now) if when is not None else "-"
    return (
        Text(present.short_time(when, now)),
        Text(until, justify="right"),
        plain(item.deployment_name),
        plain(item.flow_run.name),
        plain(
            "/".join(
                part
                for part in (item.flow_run.work_pool_name, item.flow_run.work_queue_name)
                if part
            )
            or "-"
        ),
    )


def _late_row(item: LateDeployment, now: datetime) -> tuple[Text, ...]:
    return (
        Text(str(item.late), justify="right", style="red"),
        plain(item.name),
        Text(present_work.next_run_text(item.oldest, now).removesuffix(" late"), style="red"),
    )
