"""One flow run: its state and timings, its task runs, and its logs as they arrive.

Logs are read incrementally (by offset, oldest first) into a plain `Log` widget with a
bounded buffer: no markup (a literal `[INFO]` stays), and every line stripped of escape
sequences first, since a flow's output must never drive the operator's terminal.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Log, Static

from prefect_console.ops import present
from prefect_console.ops.text import strip_controls
from prefect_console.tui.screens.base import ConsoleScreen, describe_error
from prefect_console.tui.widgets import plain, state_text

if TYPE_CHECKING:
    from datetime import datetime

    from prefect.schemas.objects import FlowRun, TaskRun
    from prefect.schemas.objects import Log as LogRecord
    from textual.app import ComposeResult

MAX_LOG_LINES = 20_000
LOG_PAGES_PER_REFRESH = 10
TASK_COLUMNS = (
    ("state", "State", 13),
    ("name", "Task run", None),
    ("start", "Start", 8),
    ("duration", "Duration", 8),
)


def log_lines(record: LogRecord, task_names: dict[uuid.UUID, str] | None = None) -> list[str]:
    """A log record as display lines: time, level, task, message (continuations indented)."""
    stamp = record.timestamp.astimezone().strftime("%H:%M:%S")
    level = present.level_name(record.level)
    lines = strip_controls(record.message).splitlines() or [""]
    task = (task_names or {}).get(record.task_run_id) if record.task_run_id else None
    source = f"{present.sanitize_cell(task)}: " if task else ""
    head = f"{stamp} {level:<7} {source}{lines[0]}"
    return [head, *(f"{'':17}{line}" for line in lines[1:])]


class FlowRunScreen(ConsoleScreen):
    CSS_PATH = "flow_run.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("l", "focus_logs", "Logs"),
        Binding("t", "focus_tasks", "Tasks"),
        Binding("r", "refresh", "Refresh"),
        Binding("f", "toggle_follow", "Follow"),
    ]

    def __init__(self, flow_run_id: uuid.UUID) -> None:
        super().__init__()
        self.flow_run_id = flow_run_id
        self.flow_run: FlowRun | None = None
        self._flow_name: str | None = None
        self._task_names: dict[uuid.UUID, str] = {}
        self._log_offset = 0
        self._loading = False
        self._updated: datetime | None = None
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        yield Static(Text("Loading..."), id="header", markup=False)
        tasks: DataTable[Text] = DataTable(id="tasks", cursor_type="row")
        for key, label, width in TASK_COLUMNS:
            tasks.add_column(label, key=key, width=width)
        yield tasks
        yield Log(id="logs", max_lines=MAX_LOG_LINES, highlight=False, auto_scroll=True)
        yield from self.compose_status()

    def on_mount(self) -> None:
        self.query_one("#tasks").border_title = "Task runs"
        self.query_one("#logs").border_title = "Logs"
        self.status.show("Loading flow run...")
        self.action_refresh()
        self.set_interval(self.console.refresh_seconds, self._tick)

    def _tick(self) -> None:
        if not self._loading:
            self.action_refresh()

    # -- actions --------------------------------------------------------------------------

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_focus_logs(self) -> None:
        self.query_one(Log).focus()

    def action_focus_tasks(self) -> None:
        self.query_one(DataTable).focus()

    def action_refresh(self) -> None:
        self._loading = True
        self.load()

    def action_toggle_follow(self) -> None:
        log = self.query_one(Log)
        log.auto_scroll = not log.auto_scroll
        if log.auto_scroll:
            log.scroll_end(animate=False)
        self.notify("Following new log lines" if log.auto_scroll else "Not following")

    # -- data -----------------------------------------------------------------------------

    @work(exclusive=True, group="flow-run", exit_on_error=False)
    async def load(self) -> None:
        from prefect_console.ops import NotFound, list_task_runs_of, read_flow_run, read_logs_page

        try:
            client = await self.console.client()
            flow_run = await read_flow_run(client, self.flow_run_id)
            if self._flow_name is None:
                self._flow_name = (await client.read_flow(flow_run.flow_id)).name
            task_runs = await list_task_runs_of(client, self.flow_run_id)
            records: list[LogRecord] = []
            for _ in range(LOG_PAGES_PER_REFRESH):
                page = await read_logs_page(
                    client, self.flow_run_id, offset=self._log_offset + len(records)
                )
                records.extend(page)
                if len(page) < 200:
                    break
        except NotFound as exc:
            self.status.show(exc.message, stale=True)
        except Exception as exc:  # keep what is shown, mark it stale, try again next tick
            stale = " · showing data as of last update" if self._updated else ""
            self.status.show(describe_error(exc) + stale, stale=True)
        else:
            self.flow_run = flow_run
            self._show_header(flow_run)
            self._task_names = {t.id: t.name for t in task_runs}
            self._show_tasks(task_runs)
            self._append_logs(records)
            self._updated = self.console.clock()
            self.status.show(
                f"{len(task_runs)} task runs · {self._log_offset} log lines · "
                f"updated {self._updated.astimezone():%H:%M:%S}"
            )
        finally:
            self._loading = False
            self.loaded = True

    def _show_header(self, run: FlowRun) -> None:
        now = self.console.clock()
        text = Text(no_wrap=False)
        text.append_text(state_text(run))
        text.append("  ")
        text.append(present.sanitize_cell(run.name), style="bold")
        text.append(f"  flow {present.sanitize_cell(self._flow_name or '?')}")
        if run.state is not None and run.state.message:
            text.append(f"\n{present.sanitize_cell(run.state.message)}", style="italic")
        text.append(
            f"\nstart {present.format_time(run.start_time, now)}"
            f"  end {present.format_time(run.end_time, now)}"
            f"  duration {present.format_duration(present.run_duration(run, now))}"
            f"  runs {run.run_count}"
        )
        params = json.dumps(run.parameters, default=str, sort_keys=True)
        text.append(f"\nparameters {present.sanitize_cell(params)}")
        if run.tags:
            text.append(f"  tags {present.sanitize_cell(present.format_tags(run.tags))}")
        text.append(f"\nid {run.id}", style="dim")
        self.query_one("#header", Static).update(text)

    def _show_tasks(self, task_runs: list[TaskRun]) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        now = self.console.clock()
        rows = {
            str(t.id): (
                state_text(t),
                plain(t.name),
                Text(present.format_time(t.start_time, now)[-8:]),
                Text(present.format_duration(present.run_duration(t, now)), justify="right"),
            )
            for t in task_runs
        }
        if list(rows) == [key.value for key in table.rows]:
            for key, cells in rows.items():
                for (column, _label, _width), cell in zip(TASK_COLUMNS, cells, strict=True):
                    table.update_cell(key, column, cell, update_width=False)
            return
        cursor = table.cursor_row
        table.clear()
        for key, cells in rows.items():
            table.add_row(*cells, key=key)
        if rows:
            table.move_cursor(row=min(cursor, len(rows) - 1), animate=False)

    def _append_logs(self, records: list[LogRecord]) -> None:
        if not records:
            return
        lines = [line for record in records for line in log_lines(record, self._task_names)]
        self.query_one(Log).write_lines(lines)
        self._log_offset += len(records)
