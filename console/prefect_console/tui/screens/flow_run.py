"""One flow run: its state and timings, its task runs, and its logs as they arrive.

The log view opens on the newest page and fetches older pages when scrolled to the top;
new lines are polled newest-first down to the last one already held, so a burst of lines
is read whole (several pages per refresh) and none is dropped. Lines live in a bounded
buffer (`logbuffer.LogBuffer`) and are drawn by a plain `Log`: no markup (a literal
`[INFO]` stays), every line stripped of escape sequences first, since a flow's output must
never drive the operator's terminal.

`b` swaps the task table for a timeline (`timeline.Timeline`: one bar per task run over
the run's span). Subflows (flow runs started from one of this run's task runs) are listed
under the tasks when there are any; Enter on one opens its own run screen. So are the
artifacts the run published; Enter on one (or `a`) opens them drawn for what they are.
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
from prefect_console.tui.logbuffer import Entry, LogBuffer, entry_of
from prefect_console.tui.screens.base import describe_error
from prefect_console.tui.screens.run_actions import RunActions
from prefect_console.tui.timeline import Timeline
from prefect_console.tui.widgets import ConsoleTable, LogView, plain, state_text

if TYPE_CHECKING:
    from datetime import datetime

    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.artifacts import Artifact
    from prefect.schemas.objects import FlowRun, TaskRun
    from textual.app import ComposeResult

MAX_LOG_ENTRIES = 20_000
LOG_PAGE = 200
# a refresh reads back to the newest line it already holds, however many arrived since
LOG_PAGES_PER_REFRESH = MAX_LOG_ENTRIES // LOG_PAGE
TASK_COLUMNS = (
    ("state", "State", 13),
    ("name", "Task run", None),
    ("start", "Start", 8),
    ("duration", "Duration", 8),
)
SUBFLOW_COLUMNS = (
    ("state", "State", 13),
    ("name", "Subflow run", None),
    ("start", "Start", 8),
    ("duration", "Duration", 8),
)
ARTIFACT_COLUMNS = (
    ("type", "Type", 10),
    ("key", "Artifact", None),
    ("description", "Description", None),
)


class FlowRunScreen(RunActions):
    CSS_PATH = "flow_run.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="run.back"),
        Binding("l", "focus_logs", "Logs", id="run.logs"),
        Binding("t", "focus_tasks", "Tasks", id="run.tasks"),
        Binding("b", "toggle_timeline", "Timeline bars", show=False, id="run.timeline"),
        Binding("slash", "search", "Search", key_display="/", id="run.search"),
        Binding("f", "toggle_follow", "Follow", id="run.follow"),
        Binding("W", "toggle_wrap", "Wrap", id="run.wrap"),
        Binding("T", "toggle_timestamps", "Time", show=False, id="run.timestamps"),
        Binding("v", "cycle_level", "Level", id="run.level"),
        Binding("o", "load_older", "Older lines", show=False, id="run.older"),
        Binding("r", "refresh", "Refresh", show=False, id="run.refresh"),
        Binding("c", "cancel_runs", "Cancel", show=False, id="run.cancel"),
        Binding("R", "retry_runs", "Retry", show=False, id="run.retry"),
        Binding("d", "delete_runs", "Delete", show=False, id="run.delete"),
        Binding("w", "watch_run", "Watch", show=False, id="run.watch"),
        Binding("y", "copy_id", "Copy id", show=False, id="run.copy_id"),
        Binding("Y", "copy_command", "Copy command", show=False, id="run.copy_command"),
        Binding("a", "show_artifacts", "Artifacts", show=False, id="run.artifacts"),
    ]

    def __init__(self, flow_run_id: uuid.UUID, *, focus: str = "tasks") -> None:
        super().__init__()
        self.flow_run_id = flow_run_id
        self.flow_run: FlowRun | None = None
        self._focus = focus
        self._flow_name: str | None = None
        self._task_names: dict[uuid.UUID, str] = {}
        self._subflow_count = 0
        self._artifact_count = 0
        self.logs = LogBuffer(MAX_LOG_ENTRIES)
        self._has_older = False
        self._logs_opened = False
        self._loading = False
        self._loading_older = False
        self._updated: datetime | None = None
        self._error: str | None = None
        self.matches = 0
        self.loaded = False

    @property
    def crumb_label(self) -> str:
        return present.sanitize_cell(self.flow_run.name) if self.flow_run else "run"

    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        yield Static(Text("Loading..."), id="header", markup=False)
        tasks: DataTable[Text] = ConsoleTable(id="tasks", cursor_type="row")
        for key, label, width in TASK_COLUMNS:
            tasks.add_column(label, key=key, width=width)
        yield tasks
        yield Timeline(id="timeline")
        subflows: DataTable[Text] = ConsoleTable(id="subflows", cursor_type="row")
        for key, label, width in SUBFLOW_COLUMNS:
            subflows.add_column(label, key=key, width=width)
        yield subflows
        artifacts: DataTable[Text] = ConsoleTable(id="artifacts", cursor_type="row")
        for key, label, width in ARTIFACT_COLUMNS:
            artifacts.add_column(label, key=key, width=width)
        yield artifacts
        yield LogView(id="logs", highlight=False, auto_scroll=True)
        yield from self.compose_status()

    def on_mount(self) -> None:
        self.query_one("#tasks").border_title = "Task runs"
        self.query_one("#logs").border_title = "Logs"
        self.query_one("#timeline").border_title = "Timeline"
        self.query_one("#subflows").border_title = "Subflows"
        self.query_one("#artifacts").border_title = "Artifacts"
        self.status.show("Loading flow run...")
        if self._focus == "logs":
            self.action_focus_logs()
        self.action_refresh()
        self.set_interval(self.console.refresh_seconds, self._tick)

    def _tick(self) -> None:
        if not self._loading:
            self.action_refresh()

    def on_log_view_reached_top(self) -> None:
        if self._has_older and not self._loading_older and not self.logs.search:
            self.action_load_older()

    def reload(self) -> None:
        self.action_refresh()

    # -- run actions ----------------------------------------------------------------------

    def target_flow_runs(self) -> list[FlowRun]:
        return [self.flow_run] if self.flow_run else []

    def runs_changed(self, deleted: set[uuid.UUID]) -> None:
        if self.flow_run_id in deleted:
            self.app.pop_screen()
        else:
            self.action_refresh()

    # -- actions --------------------------------------------------------------------------

    def action_back(self) -> None:
        if self.logs.search:  # Esc ends a search before it leaves the screen
            self.logs.search = ""
            self._redraw()
            return
        self.app.pop_screen()

    def action_focus_logs(self) -> None:
        self.query_one(Log).focus()

    def action_focus_tasks(self) -> None:
        self.query_one("#timeline").display = False
        self.query_one("#tasks").display = True
        self.query_one("#tasks", DataTable).focus()

    def action_toggle_timeline(self) -> None:
        timeline = self.query_one("#timeline")
        timeline.display = not timeline.display
        self.query_one("#tasks").display = not timeline.display

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "subflows" and event.row_key.value is not None:
            event.stop()
            self.app.push_screen(FlowRunScreen(uuid.UUID(event.row_key.value)))
        elif event.data_table.id == "artifacts" and event.row_key.value is not None:
            event.stop()
            self._open_artifacts(uuid.UUID(event.row_key.value))

    def action_show_artifacts(self) -> None:
        if not self._artifact_count:
            self.notify("This flow run published no artifacts")
            return
        self._open_artifacts(None)

    def _open_artifacts(self, select: uuid.UUID | None) -> None:
        from prefect_console.tui.screens.artifacts import ArtifactBrowser

        self.app.push_screen(ArtifactBrowser(flow_run_id=self.flow_run_id, select=select))

    def action_refresh(self) -> None:
        self._loading = True
        self.load()

    def action_toggle_follow(self) -> None:
        log = self.query_one(Log)
        log.auto_scroll = not log.auto_scroll
        if log.auto_scroll:
            log.scroll_end(animate=False)
        self.notify("Following new log lines" if log.auto_scroll else "Not following")

    def action_toggle_wrap(self) -> None:
        self.logs.wrap = not self.logs.wrap
        self._redraw()
        self.notify("Wrapping long lines" if self.logs.wrap else "Not wrapping")

    def action_toggle_timestamps(self) -> None:
        self.logs.timestamps = not self.logs.timestamps
        self._redraw()

    def action_cycle_level(self) -> None:
        label = self.logs.cycle_level()
        self._redraw()
        self.notify(f"Log level: {label}")

    def action_search(self) -> None:
        from prefect_console.tui.screens.prompt import PromptScreen

        def done(value: str | None) -> None:
            if value is not None:
                self.logs.search = value.strip()
                self._redraw()
                self.query_one(Log).focus()

        self.app.push_screen(
            PromptScreen("/", value=self.logs.search, placeholder="search the logs"), done
        )

    def action_load_older(self) -> None:
        if self._has_older and not self._loading_older:
            self._loading_older = True
            self.load_older()

    # -- data -----------------------------------------------------------------------------

    @work(exclusive=True, group="flow-run", exit_on_error=False)
    async def load(self) -> None:
        from prefect_console.ops import NotFound, list_task_runs_of, read_flow_run
        from prefect_console.ops.artifacts import list_run_artifacts
        from prefect_console.ops.subflows import list_subflow_runs

        try:
            client = await self.console.client()
            flow_run = await read_flow_run(client, self.flow_run_id)
            if self._flow_name is None:
                self._flow_name = (await client.read_flow(flow_run.flow_id)).name
            task_runs = await list_task_runs_of(client, self.flow_run_id)
            self._task_names = {t.id: t.name for t in task_runs}
            subflows = await list_subflow_runs(
                client, self.flow_run_id, task_run_ids=list(self._task_names)
            )
            artifacts = await list_run_artifacts(client, self.flow_run_id)
            newest = await self._newer_entries(client)
        except NotFound as exc:
            self._error = exc.message
        except Exception as exc:  # keep what is shown, mark it stale, try again next tick
            self._error = describe_error(exc)
        else:
            self._error = None
            self.flow_run = flow_run
            self._show_header(flow_run)
            self._show_tasks(task_runs)
            self.query_one(Timeline).show(flow_run, task_runs, self.console.clock())
            self._show_subflows(subflows)
            self._show_artifacts(artifacts)
            self._add_newer(newest)
            self._updated = self.console.clock()
            self.update_context()
        finally:
            self._loading = False
            self.loaded = True
            self.show_status()

    async def _newer_entries(self, client: PrefectClient) -> list[Entry]:
        """Lines newer than the newest held, oldest first (all of them on the first load)."""
        from prefect_console.ops import read_logs_page

        first = not self._logs_opened  # the newest page only; older ones on scroll-up
        found: list[Entry] = []
        for page_number in range(1 if first else LOG_PAGES_PER_REFRESH):
            page = await read_logs_page(
                client, self.flow_run_id, offset=page_number * LOG_PAGE, newest_first=True
            )
            known = False
            for record in page:
                entry = entry_of(record, self._task_names)
                if entry.id in self.logs._ids:
                    known = True
                    break
                found.append(entry)
            if first:
                self._has_older = len(page) == LOG_PAGE
                self._logs_opened = True
            if known or len(page) < LOG_PAGE:
                break
        found.reverse()
        return found

    @work(exclusive=True, group="flow-run-older", exit_on_error=False)
    async def load_older(self) -> None:
        from prefect_console.ops import read_logs_page

        try:
            client = await self.console.client()
            page = await read_logs_page(
                client, self.flow_run_id, offset=len(self.logs), newest_first=True
            )
        except Exception as exc:
            self._error = describe_error(exc)
        else:
            self._has_older = len(page) == LOG_PAGE and not self.logs.full
            older = [entry_of(record, self._task_names) for record in reversed(page)]
            added = self.logs.prepend(older)
            if added:
                log = self.query_one(Log)
                before = log.line_count
                self._redraw(keep_end=False)
                log.scroll_to(y=log.line_count - before, animate=False)
        finally:
            self._loading_older = False
            self.show_status()

    def _add_newer(self, entries: list[Entry]) -> None:
        new = self.logs.append(entries)
        if not new:
            return
        if self.logs.search or self.logs.wrap or self.logs.full:
            self._redraw()
        else:
            self.query_one(Log).write_lines(self.logs.lines_of(new, self._width()))
        self._follow()

    def _follow(self) -> None:
        # the first page may be written before the log has its size: scroll once laid out
        log = self.query_one(Log)
        if log.auto_scroll:
            log.call_after_refresh(log.scroll_end, animate=False)

    def _width(self) -> int:
        return max(self.query_one(Log).scrollable_content_region.width - 1, 20)

    def _redraw(self, *, keep_end: bool = True) -> None:
        log = self.query_one(Log)
        lines, self.matches = self.logs.render(self._width())
        follow = log.auto_scroll
        log.auto_scroll = keep_end and follow
        log.clear()
        log.write_lines(lines)
        log.auto_scroll = follow
        if keep_end:
            self._follow()
        self.show_status()

    def on_resize(self) -> None:
        if self.logs.wrap:
            self._redraw()

    def show_status(self) -> None:
        if self._error is not None:
            stale = " · showing data as of last update" if self._updated else ""
            self.status.show(self._error + stale, stale=True)
            return
        parts = [f"{len(self._task_names)} task runs", f"{len(self.logs)} log lines"]
        if self._subflow_count:
            plural = "s" if self._subflow_count > 1 else ""
            parts.insert(1, f"{self._subflow_count} subflow{plural}")
        if self._artifact_count:
            plural = "s" if self._artifact_count > 1 else ""
            parts.insert(-1, f"{self._artifact_count} artifact{plural} (a)")
        if self._has_older:
            parts.append("older above")
        if self.logs.search:
            parts.append(f"{self.matches} matches for /{self.logs.search} (esc clears)")
        if self.logs.min_level:
            parts.append(f"{present.level_name(self.logs.min_level)}+")
        if self._updated is not None:
            parts.append(f"updated {self._updated.astimezone():%H:%M:%S}")
        self.status.show(" · ".join(parts))

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
        self._fill(self.query_one("#tasks", DataTable), task_runs, TASK_COLUMNS)

    def _show_subflows(self, runs: list[FlowRun]) -> None:
        self._subflow_count = len(runs)
        table: DataTable[Text] = self.query_one("#subflows", DataTable)
        table.display = bool(runs)
        self._fill(table, runs, SUBFLOW_COLUMNS)

    def _show_artifacts(self, artifacts: list[Artifact]) -> None:
        self._artifact_count = len(artifacts)
        table: DataTable[Text] = self.query_one("#artifacts", DataTable)
        table.display = bool(artifacts)
        rows = {
            str(a.id): (
                plain(a.type or "-"),
                plain(a.key or "(no key)"),
                plain((a.description or "").strip()),
            )
            for a in artifacts
        }
        if list(rows) == [key.value for key in table.rows]:
            return
        table.clear()
        for key, cells in rows.items():
            table.add_row(*cells, key=key)

    def _fill(
        self,
        table: DataTable[Text],
        runs: list[TaskRun] | list[FlowRun],
        columns: tuple[tuple[str, str, int | None], ...],
    ) -> None:
        now = self.console.clock()
        rows = {
            str(t.id): (
                state_text(t),
                plain(t.name),
                Text(present.format_time(t.start_time, now)[-8:]),
                Text(present.format_duration(present.run_duration(t, now)), justify="right"),
            )
            for t in runs
        }
        if list(rows) == [key.value for key in table.rows]:
            for key, cells in rows.items():
                for (column, _label, _width), cell in zip(columns, cells, strict=True):
                    table.update_cell(key, column, cell, update_width=False)
            return
        cursor = table.cursor_row
        table.clear()
        for key, cells in rows.items():
            table.add_row(*cells, key=key)
        if rows:
            table.move_cursor(row=min(cursor, len(rows) - 1), animate=False)
