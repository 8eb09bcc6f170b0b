"""The actions of `:pools` and of a pool's screen, through `ops.work_pool_actions` and
`ops.work_queue_actions` (the same operations as `prefect work-pool|work-queue ...`).

On the list of pools: `n` creates a pool (`NAME TYPE`, the type's default template), `e`
edits its description, `p` pauses or resumes it, `l` sets its concurrency limit and `L`
clears it, `d` deletes it after a confirmation, `v` previews the runs it is about to hand
out. On a pool's screen the same keys act on the queue under the cursor (`n` creates a
queue, `NAME [PRIORITY]`). Every action acts on the object captured when its key was
pressed; the changing ones are dimmed in read-only mode.
"""

from __future__ import annotations

import shlex
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, cast

from rich.table import Table
from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from prefect_console.ops import present, present_work
from prefect_console.tui.screens.base import (
    ConsoleScreen,
    describe_action_or_refresh,
)
from prefect_console.tui.screens.resource_table import ResourceTableScreen
from prefect_console.tui.widgets import plain

if TYPE_CHECKING:
    from prefect.schemas.work_pools import WorkPool, WorkQueue
    from textual.app import ComposeResult

    from prefect_console.ops.work_pool_actions import PoolPreview
    from prefect_console.ops.work_pools import WorkPoolDetail
    from prefect_console.tui.app import ConsoleApp

# pool actions that need a pool under the cursor
ON_POOL = {"edit_pool", "toggle_pause", "delete_pool", "set_limit", "clear_limit", "preview_pool"}
# queue actions that need a queue under the cursor
ON_QUEUE = {"toggle_queue_pause", "delete_queue", "set_queue_limit", "clear_queue_limit"}


def _q(text: str) -> str:
    return shlex.quote(text)


def parse_limit(text: str) -> int | None:
    """A concurrency limit typed in a prompt: a whole number, 0 or more; None otherwise."""
    word = text.strip()
    return int(word) if word.isdigit() else None


class PoolListActions(ResourceTableScreen):
    """What `:pools` does to the pool under the cursor (the screen lists them)."""

    pools: dict[str, WorkPoolDetail]

    @property
    def selected_pool(self) -> WorkPool | None:
        key = self.cursor_key
        detail = self.pools.get(key) if key is not None else None
        return detail.pool if detail is not None else None

    def disabled_reason(self, action: str) -> str | None:
        reason = super().disabled_reason(action)
        if reason is None and action in ON_POOL and self.selected_pool is None:
            return "no work pool selected"
        return reason

    def action_create_pool(self) -> None:
        from prefect.workers.templates import POOL_TYPES

        self.prompt(
            "new work pool",
            self._create_pool,
            placeholder=f"NAME TYPE ({', '.join(POOL_TYPES)})",
        )

    def _create_pool(self, text: str) -> None:
        from prefect_console.ops.work_pool_actions import create_work_pool

        words = text.split()
        if len(words) != 2:
            self.notify("Type a name and a type: NAME TYPE", severity="warning")
            return
        name, kind = words
        if any(d.pool.name == name for d in self.pools.values()):
            self.notify(f"Work pool {name!r} already exists", severity="warning", markup=False)
            return
        self.act(
            f"prefect work-pool create {_q(name)} --type {_q(kind)}",
            lambda client: create_work_pool(client, name, pool_type=kind),
            lambda change: f"Created work pool {change.pool.name!r} ({change.pool.type}).",
        )

    def action_edit_pool(self) -> None:
        from prefect_console.ops.work_pool_actions import update_work_pool

        pool = self.selected_pool
        if pool is None:
            return
        name = pool.name

        def save(text: str) -> None:
            description = text.strip()
            self.act(
                f"prefect work-pool update {_q(name)} --description {_q(description)}",
                lambda client: update_work_pool(client, name, description=description),
                f"Updated work pool {name!r}.",
            )

        self.prompt(f"description of {name}", save, value=pool.description or "")

    def action_toggle_pause(self) -> None:
        from prefect_console.ops.work_pool_actions import pause_work_pool, resume_work_pool

        pool = self.selected_pool
        if pool is None:
            return
        name = pool.name
        if pool.is_paused:
            self.act(
                f"prefect work-pool resume {_q(name)}",
                lambda client: resume_work_pool(client, name),
                f"Resumed work pool {name!r}.",
            )
        else:
            self.act(
                f"prefect work-pool pause {_q(name)}",
                lambda client: pause_work_pool(client, name),
                f"Paused work pool {name!r}: workers get none of its runs (p resumes it).",
            )

    def action_delete_pool(self) -> None:
        from prefect_console.ops.work_pool_actions import delete_work_pool

        key = self.cursor_key
        detail = self.pools.get(key) if key is not None else None
        if detail is None:
            return
        name = detail.pool.name  # captured: the answer applies to this pool
        queues = len(detail.queues)
        self.confirm(
            "Delete this work pool and its queues?",
            [f"{present.sanitize_cell(name)}  ({queues} queue{'s' if queues != 1 else ''})"],
            verb="Delete",
            then=lambda: self.act(
                f"prefect work-pool delete {_q(name)} --yes",
                lambda client: delete_work_pool(client, name),
                f"Deleted work pool {name!r}.",
            ),
        )

    def action_set_limit(self) -> None:
        from prefect_console.ops.work_pool_actions import set_work_pool_concurrency_limit

        pool = self.selected_pool
        if pool is None:
            return
        name = pool.name

        def save(text: str) -> None:
            limit = parse_limit(text)
            if limit is None:
                self.notify("Type the limit: a whole number, 0 or more", severity="warning")
                return
            self.act(
                f"prefect work-pool set-concurrency-limit {_q(name)} {limit}",
                lambda client: set_work_pool_concurrency_limit(client, name, limit),
                f"Set the concurrency limit of work pool {name!r} to {limit}.",
            )

        current = "" if pool.concurrency_limit is None else str(pool.concurrency_limit)
        self.prompt(f"concurrency limit of {name}", save, value=current, placeholder="N")

    def action_clear_limit(self) -> None:
        from prefect_console.ops.work_pool_actions import clear_work_pool_concurrency_limit

        pool = self.selected_pool
        if pool is None:
            return
        name = pool.name
        self.act(
            f"prefect work-pool clear-concurrency-limit {_q(name)}",
            lambda client: clear_work_pool_concurrency_limit(client, name),
            f"Cleared the concurrency limit of work pool {name!r}.",
        )

    def action_preview_pool(self) -> None:
        pool = self.selected_pool
        if pool is None:
            return
        self.console.last_command = f"prefect work-pool preview {_q(pool.name)}"
        self.app.push_screen(PoolPreviewScreen(pool.name))


class QueueActions(ConsoleScreen):
    """What a pool's screen does to the queue under the cursor of its queue table."""

    pool_name: str
    detail: WorkPoolDetail | None

    def selected_queue(self) -> WorkQueue | None:
        raise NotImplementedError

    def action_refresh(self) -> None:
        raise NotImplementedError

    def disabled_reason(self, action: str) -> str | None:
        reason = super().disabled_reason(action)
        if reason is not None or action not in ON_QUEUE:
            return reason
        focused = self.app.focused
        if isinstance(focused, DataTable) and focused.id == "pool-workers":
            return "the cursor is on the workers: Tab to the queues"
        queue = self.selected_queue()
        if queue is None:
            return "no work queue selected"
        detail = self.detail
        if action == "delete_queue" and detail and queue.id == detail.pool.default_queue_id:
            return "a pool's default queue cannot be deleted"
        return None

    # an action on the pool's queues: `ConsoleScreen.perform`, then the pool reloads
    act = ConsoleScreen.perform

    def _ask(self, label: str, then: Callable[[str], None], *, value: str = "", hint: str) -> None:
        from prefect_console.tui.screens.prompt import PromptScreen

        def answered(text: str | None) -> None:
            if text is not None and text.strip():
                then(text)

        self.app.push_screen(PromptScreen(label, value=value, placeholder=hint), answered)

    def action_create_queue(self) -> None:
        from prefect_console.ops.work_queue_actions import create_work_queue

        pool = self.pool_name

        def create(text: str) -> None:
            words = text.split()
            if len(words) not in (1, 2) or (len(words) == 2 and not words[1].isdigit()):
                self.notify("Type a name and maybe a priority: NAME [PRIORITY]", severity="warning")
                return
            name = words[0]
            priority = int(words[1]) if len(words) == 2 else None
            option = f" --priority {priority}" if priority is not None else ""
            self.act(
                f"prefect work-queue create {_q(name)} --pool {_q(pool)}{option}",
                lambda client: create_work_queue(client, name, pool=pool, priority=priority),
                f"Created work queue {name!r} in work pool {pool!r}.",
            )

        self._ask("new work queue", create, hint="NAME [PRIORITY] (1 is served first)")

    def _captured(self) -> tuple[uuid.UUID, str, str] | None:
        queue = self.selected_queue()
        return None if queue is None else (queue.id, queue.name, self.pool_name)

    def action_toggle_queue_pause(self) -> None:
        from prefect_console.ops.work_queue_actions import pause_work_queue, resume_work_queue

        queue = self.selected_queue()
        if queue is None:
            return
        queue_id, name, pool = queue.id, queue.name, self.pool_name
        where = f"{_q(name)} --pool {_q(pool)}"
        if queue.is_paused:
            self.act(
                f"prefect work-queue resume {where}",
                lambda client: resume_work_queue(client, queue_id),
                f"Resumed work queue {name!r}.",
            )
        else:
            self.act(
                f"prefect work-queue pause {where}",
                lambda client: pause_work_queue(client, queue_id),
                f"Paused work queue {name!r}: workers get none of its runs (p resumes it).",
            )

    def action_delete_queue(self) -> None:
        from prefect_console.tui.screens.confirm import ConfirmScreen

        captured = self._captured()
        if captured is None:
            return
        queue_id, name, pool = captured

        def answered(yes: bool | None) -> None:
            from prefect_console.ops.work_queue_actions import delete_work_queue

            if yes:
                self.act(
                    f"prefect work-queue delete {_q(name)} --pool {_q(pool)} --yes",
                    lambda client: delete_work_queue(client, queue_id),
                    f"Deleted work queue {name!r}.",
                )

        names = [f"{present.sanitize_cell(name)}  (work pool {present.sanitize_cell(pool)})"]
        self.app.push_screen(
            ConfirmScreen("Delete this work queue?", names, verb="Delete", danger=True), answered
        )

    def action_set_queue_limit(self) -> None:
        from prefect_console.ops.work_queue_actions import set_work_queue_concurrency_limit

        queue = self.selected_queue()
        if queue is None:
            return
        queue_id, name, pool = queue.id, queue.name, self.pool_name

        def save(text: str) -> None:
            limit = parse_limit(text)
            if limit is None:
                self.notify("Type the limit: a whole number, 0 or more", severity="warning")
                return
            self.act(
                f"prefect work-queue set-concurrency-limit {_q(name)} {limit} --pool {_q(pool)}",
                lambda client: set_work_queue_concurrency_limit(client, queue_id, limit),
                f"Set the concurrency limit of work queue {name!r} to {limit}.",
            )

        current = "" if queue.concurrency_limit is None else str(queue.concurrency_limit)
        self._ask(f"concurrency limit of {name}", save, value=current, hint="N")

    def action_clear_queue_limit(self) -> None:
        from prefect_console.ops.work_queue_actions import clear_work_queue_concurrency_limit

        captured = self._captured()
        if captured is None:
            return
        queue_id, name, pool = captured
        self.act(
            f"prefect work-queue clear-concurrency-limit {_q(name)} --pool {_q(pool)}",
            lambda client: clear_work_queue_concurrency_limit(client, queue_id),
            f"Cleared the concurrency limit of work queue {name!r}.",
        )


class PoolPreviewScreen(ModalScreen[None]):
    """The Scheduled runs a pool is about to hand out (`prefect work-pool preview`)."""

    CSS_PATH = "work_pools.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="preview.close"),
    ]

    def __init__(self, pool_name: str, hours: float = 1.0) -> None:
        super().__init__()
        self.pool_name = pool_name
        self.hours = hours
        self.preview: PoolPreview | None = None
        self.loaded = False

    @property
    def console(self) -> ConsoleApp:
        return cast("ConsoleApp", self.app)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="preview-box"):
            title = f"Upcoming runs of work pool {self.pool_name} (next {self.hours:g}h)"
            yield Static(plain(title), classes="title")
            yield Static(Text("Loading..."), id="preview-runs", markup=False)

    def on_mount(self) -> None:
        self.load()

    @work(exclusive=True, group="pool-preview", exit_on_error=False)
    async def load(self) -> None:
        from prefect_console.ops.work_pool_actions import preview_work_pool

        shown = self.query_one("#preview-runs", Static)
        now = self.console.clock()
        try:
            client = await self.console.client()
            preview = await preview_work_pool(client, self.pool_name, hours=self.hours, now=now)
        except Exception as exc:
            shown.update(Text(describe_action_or_refresh(exc), style="red"))
        else:
            self.preview = preview
            shown.update(preview_table(preview, now))
        finally:
            self.loaded = True

    def action_close(self) -> None:
        self.app.pop_screen()


def preview_table(preview: PoolPreview, now: datetime) -> Table | Text:
    from prefect_console.ops.work_pool_actions import scheduled_start

    if not preview.runs:
        return Text("No runs scheduled in this window.", style="bright_black")
    table = Table(box=None, header_style="bold", pad_edge=False, collapse_padding=True)
    table.add_column("Scheduled", no_wrap=True)
    table.add_column("When", no_wrap=True, justify="right")
    table.add_column("Run", overflow="ellipsis", no_wrap=True)
    table.add_column("Queue", overflow="ellipsis", no_wrap=True)
    table.add_column("Deployment", overflow="ellipsis", no_wrap=True)
    for run in preview.runs:
        when = scheduled_start(run)
        late = when is not None and when < now
        deployment = preview.deployments.get(run.deployment_id) if run.deployment_id else None
        table.add_row(
            Text(present.short_time(when, now)),
            Text(present_work.next_run_text(when, now), style="red" if late else ""),
            plain(run.name),
            plain(preview.queue_name(run)),
            plain(deployment or "-"),
        )
    return table
