"""`:pools`: work pools with their status, workers and queues; Enter opens one.

A pool's screen lists its queues (priority, status, runs waiting, last poll) and its
workers (status, last heartbeat); Enter on a queue shows its health
(`prefect work-queue inspect`). Runs "waiting" are Scheduled runs whose time has come
(`ops.work_pools.waiting_runs`). Both screens act on what is under the cursor (create,
pause/resume, limits, delete, preview): `work_pool_actions`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.table import Table
from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from prefect_console.ops import present, present_work
from prefect_console.tui.screens.base import describe_action_or_refresh
from prefect_console.tui.screens.deployments import status_cell
from prefect_console.tui.screens.resource_table import Fetched
from prefect_console.tui.screens.table import Row
from prefect_console.tui.screens.work_pool_actions import PoolListActions, QueueActions
from prefect_console.tui.widgets import ConsoleTable, fill_table, plain

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.work_pools import Worker, WorkQueue
    from textual.app import ComposeResult

    from prefect_console.ops.work_pools import WorkPoolDetail, WorkQueueDetail
    from prefect_console.tui.app import ConsoleApp

WINDOW = 200
QUEUE_COLUMNS = (
    ("name", "Queue", None),
    ("priority", "Priority", 8),
    ("status", "Status", 9),
    ("paused", "Paused", 6),
    ("limit", "Limit", 5),
    ("waiting", "Waiting", 7),
    ("polled", "Last polled", 11),
)
WORKER_COLUMNS = (
    ("name", "Worker", None),
    ("status", "Status", 7),
    ("heartbeat", "Last heartbeat", 14),
)


def yes_no(value: bool) -> Text:
    return Text("yes", style="yellow") if value else Text("no")


def workers_cell(detail: WorkPoolDetail) -> Text:
    """Workers online of all known: green with one online, yellow with none."""
    online, total = detail.workers_online, len(detail.workers)
    style = "green" if online else "yellow" if total else "bright_black"
    return Text(f"{online}/{total}", style=style, justify="right")


def waiting_cell(count: int) -> Text:
    return Text(str(count), style="yellow" if count else "", justify="right")


class WorkPoolsScreen(PoolListActions):
    CSS_PATH = "work_pools.tcss"
    TABLE_ID = "work-pools"
    crumb = "pools"
    noun = ("work pool", "work pools")
    COLUMNS = (
        ("name", "Work pool", None),
        ("type", "Type", None),
        ("status", "Status", 9),
        ("paused", "Paused", 6),
        ("limit", "Limit", 5),
        ("workers", "Workers", 7),
        ("waiting", "Waiting", 7),
        ("queues", "Queues", None),
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_pool", "Open", id="pools.open"),
        Binding("n", "create_pool", "New", id="pools.create"),
        Binding("p", "toggle_pause", "Pause/resume", id="pools.pause"),
        Binding("d", "delete_pool", "Delete", id="pools.delete"),
        Binding("v", "preview_pool", "Preview runs", show=False, id="pools.preview"),
        Binding("e", "edit_pool", "Edit description", show=False, id="pools.edit"),
        Binding("l", "set_limit", "Set limit", show=False, id="pools.set_limit"),
        Binding("L", "clear_limit", "Clear limit", show=False, id="pools.clear_limit"),
        Binding("r", "refresh", "Refresh", show=False, id="pools.refresh"),
        Binding("y", "copy_name", "Copy name", show=False, id="pools.copy_name"),
        # filter, sort, j/k/g/G and Esc come from TableScreen
    ]

    def __init__(self) -> None:
        super().__init__()
        self.pools: dict[str, WorkPoolDetail] = {}

    def action_open_pool(self) -> None:
        key = self.cursor_key
        if key is None or key not in self.pools:
            self.notify("No work pool selected", severity="warning")
            return
        name = self.pools[key].pool.name
        self.console.last_command = f"prefect work-pool inspect {name!r}"
        self.app.push_screen(WorkPoolScreen(name))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_pool()

    def action_copy_name(self) -> None:
        key = self.cursor_key
        if key is not None and key in self.pools:
            name = self.pools[key].pool.name
            self.app.copy_to_clipboard(name)
            self.notify(f"Copied {present.sanitize_cell(name)}")

    def sort_value(self, key: str, column: str) -> Any:
        detail = self.pools[key]
        if column == "workers":
            return (detail.workers_online, len(detail.workers))
        if column == "waiting":
            return detail.waiting_total
        if column == "limit":
            limit = detail.pool.concurrency_limit
            return -1 if limit is None else limit
        return super().sort_value(key, column)

    def describe_failure(self, exc: BaseException) -> str:
        return describe_action_or_refresh(exc)

    async def fetch(self, client: PrefectClient) -> Fetched:
        from prefect_console.ops.work_pools import queue_names, summarize_work_pools

        details = await summarize_work_pools(client, limit=WINDOW, waiting_at=self.console.clock())
        self.pools = {str(d.pool.id): d for d in details}
        rows: dict[str, Row] = {}
        for key, detail in self.pools.items():
            pool = detail.pool
            rows[key] = (
                plain(pool.name),
                plain(pool.type),
                status_cell(pool.status),
                yes_no(pool.is_paused),
                Text(present_work.concurrency_text(pool.concurrency_limit), justify="right"),
                workers_cell(detail),
                waiting_cell(detail.waiting_total),
                plain(queue_names(detail.queues)),
            )
        search = {key: " ".join(cell.plain for cell in row).lower() for key, row in rows.items()}
        return rows, search


class WorkPoolScreen(QueueActions):
    """One work pool: its settings, its queues (by priority) and its workers."""

    CSS_PATH = "work_pools.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="pool.back"),
        Binding("enter", "inspect_queue", "Queue health", id="pool.inspect_queue"),
        Binding("n", "create_queue", "New queue", id="pool.create_queue"),
        Binding("p", "toggle_queue_pause", "Pause/resume", id="pool.pause_queue"),
        Binding("d", "delete_queue", "Delete", id="pool.delete_queue"),
        Binding("l", "set_queue_limit", "Set limit", show=False, id="pool.set_queue_limit"),
        Binding("L", "clear_queue_limit", "Clear limit", show=False, id="pool.clear_queue_limit"),
        Binding("r", "refresh", "Refresh", show=False, id="pool.refresh"),
        Binding("y", "copy_name", "Copy name", show=False, id="pool.copy_name"),
    ]

    def __init__(self, name: str) -> None:
        super().__init__()
        self.pool_name = name
        self.detail: WorkPoolDetail | None = None
        self._updated: datetime | None = None
        self._error: str | None = None
        self.loaded = False

    @property
    def crumb_label(self) -> str:
        return present.sanitize_cell(self.pool_name)

    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        yield Static(Text("Loading..."), id="pool-info", markup=False)
        for table_id, columns in (("pool-queues", QUEUE_COLUMNS), ("pool-workers", WORKER_COLUMNS)):
            table: DataTable[Text] = ConsoleTable(id=table_id, cursor_type="row")
            for key, label, width in columns:
                table.add_column(label, key=key, width=width)
            yield table
        yield from self.compose_status()

    def on_mount(self) -> None:
        self.query_one("#pool-info").border_title = "Work pool"
        self.query_one("#pool-queues").border_title = "Queues"
        self.query_one("#pool-workers").border_title = "Workers"
        self.query_one("#pool-queues", DataTable).focus()
        self.status.show("Loading work pool...")
        self.action_refresh()
        self.set_interval(self.console.refresh_seconds, self.action_refresh)

    def reload(self) -> None:
        self.action_refresh()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_refresh(self) -> None:
        self.load()

    def action_copy_name(self) -> None:
        self.app.copy_to_clipboard(self.pool_name)
        self.notify(f"Copied {present.sanitize_cell(self.pool_name)}")

    def selected_queue(self) -> WorkQueue | None:
        table = self.query_one("#pool-queues", DataTable)
        if self.detail is None or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((q for q in self.detail.queues if str(q.id) == key), None)

    def action_inspect_queue(self) -> None:
        queue = self.selected_queue()
        if queue is None:
            self.notify("No work queue selected", severity="warning")
            return
        self.console.last_command = (
            f"prefect work-queue inspect {queue.name!r} --pool {self.pool_name!r}"
        )
        self.app.push_screen(WorkQueueScreen(queue.id, queue.name))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.data_table.id == "pool-queues":
            self.action_inspect_queue()

    @work(exclusive=True, group="work-pool", exit_on_error=False)
    async def load(self) -> None:
        from prefect_console.ops.work_pools import inspect_work_pool

        try:
            client = await self.console.client()
            detail = await inspect_work_pool(
                client, self.pool_name, waiting_at=self.console.clock()
            )
        except Exception as exc:
            self._error = describe_action_or_refresh(exc)
        else:
            self._error = None
            self.detail = detail
            self._show(detail)
            self._updated = self.console.clock()
        finally:
            self.loaded = True
            self.show_freshness([], updated=self._updated, error=self._error)

    def _show(self, detail: WorkPoolDetail) -> None:
        now = self.console.clock()
        self.query_one("#pool-info", Static).update(pool_fields(detail))
        queues = {str(q.id): _queue_row(q, detail, now) for q in detail.queues}
        workers = {str(w.id): _worker_row(w, now) for w in detail.workers}
        fill_table(self.query_one("#pool-queues", DataTable), queues)
        fill_table(self.query_one("#pool-workers", DataTable), workers)
        self.query_one("#pool-queues").border_title = f"Queues ({len(queues)})"
        self.query_one(
            "#pool-workers"
        ).border_title = f"Workers ({detail.workers_online} online of {len(workers)})"


def _queue_row(queue: WorkQueue, detail: WorkPoolDetail, now: datetime) -> tuple[Text, ...]:
    return (
        plain(queue.name),
        Text(str(queue.priority), justify="right"),
        status_cell(queue.status),
        yes_no(queue.is_paused),
        Text(present_work.concurrency_text(queue.concurrency_limit), justify="right"),
        waiting_cell(detail.waiting.get(queue.id, 0)),
        Text(present.short_time(queue.last_polled, now)),
    )


def _worker_row(worker: Worker, now: datetime) -> tuple[Text, ...]:
    return (
        plain(worker.name),
        status_cell(worker.status),
        Text(present.format_time(worker.last_heartbeat_time, now)),
    )


def pool_fields(detail: WorkPoolDetail) -> Table:
    """The pool's settings, two to a line so that they fit 80 columns."""
    pool = detail.pool
    grid = Table.grid(padding=(0, 2))
    for style in ("bold", "", "bold", ""):
        grid.add_column(style=style, no_wrap=True)
    waiting = detail.waiting_total
    grid.add_row("Type", plain(pool.type), "Status", status_cell(pool.status))
    grid.add_row(
        "Paused",
        yes_no(pool.is_paused),
        "Concurrency",
        Text(present_work.concurrency_text(pool.concurrency_limit)),
    )
    grid.add_row(
        "Workers",
        Text(f"{detail.workers_online} online of {len(detail.workers)}"),
        "Waiting",
        Text(f"{waiting} run{'s' if waiting != 1 else ''}"),
    )
    if pool.description:
        grid.add_row("About", plain(pool.description), "", "")
    return grid


class WorkQueueScreen(ModalScreen[None]):
    """A queue's settings and health (`prefect work-queue inspect`)."""

    CSS_PATH = "work_pools.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="queue.close"),
    ]

    def __init__(self, queue_id: uuid.UUID, name: str) -> None:
        super().__init__()
        self.queue_id = queue_id
        self.queue_name = name
        self.detail: WorkQueueDetail | None = None
        self.loaded = False

    @property
    def console(self) -> ConsoleApp:
        return cast("ConsoleApp", self.app)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="queue-box"):
            yield Static(plain(f"Work queue {self.queue_name}"), classes="title")
            yield Static(Text("Loading..."), id="queue-fields", markup=False)

    def on_mount(self) -> None:
        self.load()

    @work(exclusive=True, group="work-queue", exit_on_error=False)
    async def load(self) -> None:
        from prefect_console.ops.work_pools import inspect_work_queue

        fields = self.query_one("#queue-fields", Static)
        try:
            client = await self.console.client()
            detail = await inspect_work_queue(client, self.queue_id)
        except Exception as exc:
            fields.update(Text(describe_action_or_refresh(exc), style="red"))
        else:
            self.detail = detail
            fields.update(queue_fields(detail, self.console.clock()))
        finally:
            self.loaded = True

    def action_close(self) -> None:
        self.app.pop_screen()


def queue_fields(detail: WorkQueueDetail, now: datetime) -> Table:
    queue, status = detail.queue, detail.status
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    rows: list[tuple[str, Text]] = [
        ("Work pool", plain(queue.work_pool_name or "-")),
        ("Status", status_cell(queue.status)),
        ("Paused", yes_no(queue.is_paused)),
        ("Priority", Text(str(queue.priority))),
        ("Concurrency", Text(present_work.concurrency_text(queue.concurrency_limit))),
        ("Last polled", Text(present.format_time(queue.last_polled, now))),
        ("Description", plain(queue.description or "-")),
    ]
    if status is not None:
        rows += [
            (
                "Healthy",
                Text("yes", style="green") if status.healthy else Text("no", style="red"),
            ),
            ("Late runs", Text(str(status.late_runs_count))),
            ("Health policy", Text(present_work.health_policy_text(status.health_check_policy))),
        ]
    for label, value in rows:
        grid.add_row(label, value)
    return grid
