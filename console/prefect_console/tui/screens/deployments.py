"""`:deployments`: every deployment with its schedules, status and next run; Enter opens one.

The list is a window of `WINDOW` deployments (by flow and name), each with its next
Scheduled run found in one request (`ops.deployments.next_runs`). The detail screen shows a
deployment's schedules, parameters and job variables, and its latest runs; Enter on a run
opens the run screen. The actions (run with a parameter form, pause/resume, schedules,
backfill, delete, cancel a run) are in `deployment_actions`.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from prefect_console.ops import present, present_work
from prefect_console.ops.deployments import RECENT_RUNS
from prefect_console.ops.text import one_line
from prefect_console.tui.screens.base import (
    READ_ONLY_REASON,
    describe_action_or_refresh,
)
from prefect_console.tui.screens.deployment_actions import (
    DeploymentListActions,
    SchedulesScreen,
    open_run_form,
    toggle_pause,
)
from prefect_console.tui.screens.resource_table import Fetched
from prefect_console.tui.screens.run_actions import RunActions
from prefect_console.tui.screens.table import Row
from prefect_console.tui.widgets import ConsoleTable, fill_table, plain, state_text

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.deployments import Deployment
    from prefect.schemas.objects import FlowRun
    from textual.app import ComposeResult

    from prefect_console.ops.deployments import DeploymentDetail, DeploymentList

WINDOW = 200
RUN_COLUMNS = (
    ("state", "State", 13),
    ("name", "Flow run", None),
    ("start", "Start", 11),
    ("duration", "Duration", 8),
)


def status_cell(status: object) -> Text:
    return Text(present_work.status_word(status), style=present_work.status_colour(status))


def active_cell(paused: bool) -> Text:
    return Text(present_work.paused_word(paused), style=present_work.paused_colour(paused))


class DeploymentsScreen(DeploymentListActions):
    CSS_PATH = "deployments.tcss"
    TABLE_ID = "deployments"
    crumb = "deployments"
    noun = ("deployment", "deployments")
    COLUMNS = (
        ("name", "Deployment", None),
        ("flow", "Flow", None),
        ("status", "Status", 9),
        ("active", "Active", 6),
        ("next", "Next run", 11),
        ("schedule", "Schedule", 16),
        ("pool", "Work pool/queue", None),
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_deployment", "Open", id="deployments.open"),
        Binding("x", "run_deployment", "Run", id="deployments.run"),
        Binding("p", "toggle_pause", "Pause/resume", id="deployments.pause"),
        Binding("b", "backfill", "Backfill", id="deployments.backfill"),
        Binding("d", "delete_deployment", "Delete", id="deployments.delete"),
        Binding("r", "refresh", "Refresh", show=False, id="deployments.refresh"),
        Binding("y", "copy_id", "Copy id", show=False, id="deployments.copy_id"),
        # filter, sort, j/k/g/G and Esc come from TableScreen
    ]

    def __init__(self) -> None:
        super().__init__()
        self.deployments: dict[str, Deployment] = {}
        self._next: dict[str, datetime] = {}
        self._names: dict[str, str] = {}

    def compose_table(self) -> ComposeResult:
        # schedules can be long (rrules): wider where the terminal has the room
        wide = self.app.size.width >= 120
        table: DataTable[Text] = ConsoleTable(id=self.TABLE_ID, cursor_type="row")
        for key, label, width in self.COLUMNS:
            table.add_column(label, key=key, width=32 if key == "schedule" and wide else width)
        yield table

    def action_open_deployment(self) -> None:
        key = self.cursor_key
        if key is None or key not in self.deployments:
            self.notify("No deployment selected", severity="warning")
            return
        self.console.last_command = f"prefect deployment inspect {self._names[key]!r}"
        self.app.push_screen(DeploymentScreen(uuid.UUID(key), self._names[key]))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_deployment()

    def action_copy_id(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.app.copy_to_clipboard(key)
            self.notify(f"Copied {key}")

    def sort_value(self, key: str, column: str) -> Any:
        if column == "next":
            # no next run sorts last
            return self._next.get(key, datetime.max.replace(tzinfo=self.console.clock().tzinfo))
        return super().sort_value(key, column)

    async def fetch(self, client: PrefectClient) -> Fetched:
        from prefect_console.ops.deployments import list_deployments, next_runs

        listing = await list_deployments(client, limit=WINDOW)
        upcoming = await next_runs(client, listing.deployments)
        return self._rows_of(listing, upcoming)

    def _rows_of(self, listing: DeploymentList, upcoming: dict[uuid.UUID, FlowRun]) -> Fetched:
        now = self.console.clock()
        rows: dict[str, Row] = {}
        search: dict[str, str] = {}
        self.deployments, self._next, self._names = {}, {}, {}
        for deployment in listing.deployments:
            key = str(deployment.id)
            run = upcoming.get(deployment.id)
            when = run.expected_start_time if run is not None else None
            if when is not None:
                self._next[key] = when
            self.deployments[key] = deployment
            self._names[key] = listing.full_name(deployment)
            rows[key] = (
                plain(deployment.name),
                plain(listing.flow_name(deployment)),
                status_cell(deployment.status),
                active_cell(deployment.paused),
                Text(present_work.next_run_text(when, now)),
                plain(present_work.schedules_summary(deployment)),
                plain(present_work.pool_and_queue(deployment)),
            )
            search[key] = " ".join([*(cell.plain for cell in rows[key]), *deployment.tags]).lower()
        return rows, search


# actions of a deployment's screen that change the server (dimmed in read-only mode)
DETAIL_MUTATING = {"run_deployment", "toggle_pause", "cancel_runs"}


class DeploymentScreen(RunActions):
    """One deployment: its schedules, parameters, job variables and latest runs."""

    CSS_PATH = "deployments.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="deployment.back"),
        Binding("enter", "open_run", "Open run", id="deployment.open_run"),
        Binding("x", "run_deployment", "Run", id="deployment.run"),
        Binding("p", "toggle_pause", "Pause/resume", id="deployment.pause"),
        Binding("S", "show_schedules", "Schedules", id="deployment.schedules"),
        Binding("c", "cancel_runs", "Cancel run", id="deployment.cancel_run"),
        Binding("r", "refresh", "Refresh", show=False, id="deployment.refresh"),
        Binding("y", "copy_id", "Copy id", show=False, id="deployment.copy_id"),
    ]

    def __init__(self, deployment_id: uuid.UUID, name: str = "") -> None:
        super().__init__()
        self.deployment_id = deployment_id
        self.name_label = name
        self.detail: DeploymentDetail | None = None
        self._updated: datetime | None = None
        self._error: str | None = None
        self.loaded = False

    @property
    def crumb_label(self) -> str:
        return present.sanitize_cell(self.name_label) if self.name_label else "deployment"

    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        with VerticalScroll(id="deployment-info"):
            yield Static(Text("Loading..."), id="deployment-fields", markup=False)
        runs: DataTable[Text] = ConsoleTable(id="deployment-runs", cursor_type="row")
        for key, label, width in RUN_COLUMNS:
            runs.add_column(label, key=key, width=width)
        yield runs
        yield from self.compose_status()

    def on_mount(self) -> None:
        self.query_one("#deployment-info").border_title = "Deployment"
        self.query_one("#deployment-runs").border_title = "Latest runs"
        self.query_one("#deployment-runs", DataTable).focus()
        self.status.show("Loading deployment...")
        self.action_refresh()
        self.set_interval(self.console.refresh_seconds, self.action_refresh)

    def reload(self) -> None:
        self.action_refresh()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_refresh(self) -> None:
        self.load()

    def action_copy_id(self) -> None:
        self.app.copy_to_clipboard(str(self.deployment_id))
        self.notify(f"Copied {self.deployment_id}")

    # -- actions --------------------------------------------------------------------------

    def target_flow_runs(self) -> list[FlowRun]:
        table = self.query_one("#deployment-runs", DataTable)
        if self.detail is None or table.row_count == 0:
            return []
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return [run for run in self.detail.recent_runs if str(run.id) == key]

    def runs_changed(self, deleted: set[uuid.UUID]) -> None:
        self.action_refresh()

    def disabled_reason(self, action: str) -> str | None:
        if self.console.read_only and action in DETAIL_MUTATING:
            return READ_ONLY_REASON
        if action in {"run_deployment", "toggle_pause"} and self.detail is None:
            return "the deployment is still loading"
        return super().disabled_reason(action)

    def action_run_deployment(self) -> None:
        if self.detail is not None:
            deployment = self.detail.deployment
            open_run_form(self, deployment, self.detail.full_name, self.perform)

    def action_toggle_pause(self) -> None:
        if self.detail is not None:
            toggle_pause(self.detail.deployment, self.detail.full_name, self.perform)

    def action_show_schedules(self) -> None:
        name = self.detail.full_name if self.detail is not None else self.name_label
        self.console.last_command = f"prefect deployment schedule ls {name!r}"
        self.app.push_screen(SchedulesScreen(self.deployment_id, name), lambda _: self.reload())

    def action_open_run(self) -> None:
        from prefect_console.tui.screens.flow_run import FlowRunScreen

        table = self.query_one("#deployment-runs", DataTable)
        if table.row_count == 0:
            self.notify("No flow run selected", severity="warning")
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if key is not None:
            self.app.push_screen(FlowRunScreen(uuid.UUID(key)))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_run()

    @work(exclusive=True, group="deployment", exit_on_error=False)
    async def load(self) -> None:
        from prefect_console.ops.deployments import inspect_deployment

        try:
            client = await self.console.client()
            detail = await inspect_deployment(
                client, self.deployment_id, runs=RECENT_RUNS, now=self.console.clock()
            )
        except Exception as exc:
            self._error = describe_action_or_refresh(exc)
        else:
            self._error = None
            self.detail = detail
            if detail.full_name != self.name_label:
                self.name_label = detail.full_name
                self.update_context()
            self._show(detail)
            self._updated = self.console.clock()
        finally:
            self.loaded = True
            self._show_status()

    def _show(self, detail: DeploymentDetail) -> None:
        now = self.console.clock()
        self.query_one("#deployment-fields", Static).update(deployment_fields(detail, now))
        table: DataTable[Text] = self.query_one("#deployment-runs", DataTable)
        fill_table(table, {str(run.id): _run_row(run, now) for run in detail.recent_runs})
        table.border_title = f"Latest runs ({len(detail.recent_runs)})"

    def _show_status(self) -> None:
        self.show_freshness([], updated=self._updated, error=self._error)


def _run_row(run: FlowRun, now: datetime) -> tuple[Text, ...]:
    return (
        state_text(run),
        plain(run.name),
        Text(present.short_time(run.start_time or run.expected_start_time, now)),
        Text(present.format_duration(present.run_duration(run, now)), justify="right"),
    )


def _json_text(data: object) -> Text:
    # untrusted values: one line, control characters removed, wrapped by the panel
    return Text(one_line(json.dumps(data, default=str, sort_keys=True)) if data else "{}")


def deployment_fields(detail: DeploymentDetail, now: datetime) -> Table:
    """The deployment's settings as label/value rows (every value shown literally)."""
    deployment = detail.deployment
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    state = status_cell(deployment.status) + Text(" · ") + active_cell(deployment.paused)
    schedules = Text(
        "\n".join(
            one_line(present_work.deployment_schedule_text(s, always_zone=True))
            for s in deployment.schedules
        )
        or "-"
    )
    next_runs = ", ".join(present.short_time(r.expected_start_time, now) for r in detail.next_runs)
    rows: list[tuple[str, Text]] = [
        ("Deployment", plain(detail.full_name)),
        ("Status", state),
        ("Schedules", schedules),
        ("Next runs", Text(next_runs or "-")),
        ("Work pool", plain(present_work.pool_and_queue(deployment))),
        ("Concurrency", Text(present_work.concurrency_text(deployment.concurrency_limit))),
        ("Tags", plain(present.format_tags(deployment.tags) or "-")),
        ("Entrypoint", plain(deployment.entrypoint or "-")),
        ("Description", plain(deployment.description or "-")),
        ("Parameters", _json_text(deployment.parameters)),
        ("Job variables", _json_text(deployment.job_variables)),
    ]
    for label, value in rows:
        grid.add_row(label, value)
    return grid
