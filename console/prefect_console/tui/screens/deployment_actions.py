"""The actions of `:deployments` and of a deployment's screen, through
`ops.deployment_actions` (the same operations as `prefect deployment ...`).

On the list: `x` runs the deployment under the cursor with a form built from its parameter
schema, `p` pauses or resumes it, `b` backfills a past window (a dry run lists the dates
first, a yes creates them), `d` deletes it after a confirmation. On a deployment's screen
`x` and `p` do the same, `S` lists its schedules (`p` there pauses or resumes the one
under the cursor, `d` deletes it after a confirmation, `n` adds one) and `c` cancels the
run under the cursor. Every action acts on the
deployment captured when its key was pressed; the changing ones are dimmed read-only.
"""

from __future__ import annotations

import shlex
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from prefect_console.ops import present, present_work
from prefect_console.tui.screens.base import describe_action_error
from prefect_console.tui.screens.resource_table import ResourceTableScreen
from prefect_console.tui.widgets import plain

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.deployments import Deployment, DeploymentSchedule
    from textual.app import ComposeResult

    from prefect_console.ops.deployment_actions import BackfillRun
    from prefect_console.tui.app import ConsoleApp

# list actions that need a deployment under the cursor
ON_DEPLOYMENT = {"run_deployment", "toggle_pause", "backfill", "delete_deployment"}
BACKFILL_HINT = "START END (ISO dates or times; naive ones are UTC)"
SCHEDULE_HINT = "cron 0 9 * * * | every 3600 | rrule FREQ=DAILY, then tz=ZONE (default UTC)"


def _q(text: str) -> str:
    return shlex.quote(text)


def parse_window(text: str) -> tuple[datetime, datetime]:
    """`START END` typed in the backfill prompt (ConsoleError when it does not read)."""
    from prefect_console.ops.deployment_actions import parse_time
    from prefect_console.ops.errors import ConsoleError

    words = text.split()
    if len(words) != 2:
        raise ConsoleError(f"Type a window: {BACKFILL_HINT}", usage=True)
    start, end = parse_time(words[0], "start"), parse_time(words[1], "end")
    if end < start:
        raise ConsoleError("The end must not be before the start", usage=True)
    return start, end


def parse_schedule(text: str) -> tuple[dict[str, Any], str]:
    """A schedule typed in the prompt (see SCHEDULE_HINT): the API's dict and the CLI options.

    ConsoleError when it does not read (a bad cron, an unknown zone...).
    """
    from prefect.deployments.build import DeploymentSpecError, schedule_dicts

    from prefect_console.ops.errors import ConsoleError

    words = text.split()
    timezone = "UTC"
    if words and words[-1].startswith("tz="):
        timezone = words.pop()[3:]
    kind, rest = (words[0].lower(), " ".join(words[1:])) if words else ("", "")
    if kind not in {"cron", "every", "rrule"} or not rest:
        raise ConsoleError(f"Type a schedule: {SCHEDULE_HINT}", usage=True)
    try:
        if kind == "every":
            try:
                seconds = float(rest)
            except ValueError:
                raise ConsoleError(f"{rest!r} is not a number of seconds", usage=True) from None
            (made,) = schedule_dicts(interval=[seconds], timezone=timezone)
            option = f"--interval {rest}"
        elif kind == "cron":
            (made,) = schedule_dicts(cron=[rest], timezone=timezone)
            option = f"--cron {_q(rest)}"
        else:
            (made,) = schedule_dicts(rrule=[rest], timezone=timezone)
            option = f"--rrule {_q(rest)}"
    except DeploymentSpecError as exc:
        raise ConsoleError(str(exc), usage=True) from None
    return made, f"{option} --timezone {_q(timezone)}"


def run_command(name: str, parameters: dict[str, Any]) -> str:
    import json

    options = "".join(f" --param {_q(f'{k}={json.dumps(v)}')}" for k, v in parameters.items())
    return f"prefect deployment run {_q(name)}{options}"


def open_run_form(screen: Any, deployment: Deployment, name: str, act: Callable[..., None]) -> None:
    """Push the parameter form for `deployment`; its answer runs it through `act`."""
    from prefect_console.ops.deployment_actions import run_deployment
    from prefect_console.tui.screens.deployment_run_form import RunFormScreen

    deployment_id = deployment.id  # captured: the form's answer runs this deployment

    def answered(parameters: dict[str, Any] | None) -> None:
        if parameters is None:
            return
        act(
            run_command(name, parameters),
            lambda client: run_deployment(client, deployment_id, parameters=parameters),
            lambda run: f"Created flow run {run.name!r} of {name} ({run.state_name or 'new'}).",
        )

    form = RunFormScreen(
        f"Run {present.sanitize_cell(name)}",
        deployment.parameter_openapi_schema,
        dict(deployment.parameters or {}),
    )
    screen.app.push_screen(form, answered)


def toggle_pause(deployment: Deployment, name: str, act: Callable[..., None]) -> None:
    from prefect_console.ops.deployment_actions import pause_deployment, resume_deployment

    deployment_id = deployment.id
    if deployment.paused:
        act(
            f"prefect deployment resume {_q(name)}",
            lambda client: resume_deployment(client, deployment_id),
            f"Resumed deployment {name!r}: its schedules make runs again.",
        )
    else:
        act(
            f"prefect deployment pause {_q(name)}",
            lambda client: pause_deployment(client, deployment_id),
            f"Paused deployment {name!r}: no scheduled runs (p resumes it).",
        )


class DeploymentListActions(ResourceTableScreen):
    """What `:deployments` does to the deployment under the cursor (the screen lists them)."""

    deployments: dict[str, Deployment]
    _names: dict[str, str]

    def selected(self) -> tuple[Deployment, str] | None:
        key = self.cursor_key
        deployment = self.deployments.get(key) if key is not None else None
        if deployment is None or key is None:
            return None
        return deployment, self._names.get(key, deployment.name)

    def disabled_reason(self, action: str) -> str | None:
        reason = super().disabled_reason(action)
        if reason is None and action in ON_DEPLOYMENT and self.selected() is None:
            return "no deployment selected"
        return reason

    def action_run_deployment(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            open_run_form(self, chosen[0], chosen[1], self.act)

    def action_toggle_pause(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            toggle_pause(chosen[0], chosen[1], self.act)

    def action_delete_deployment(self) -> None:
        from prefect_console.ops.deployment_actions import delete_deployment

        chosen = self.selected()
        if chosen is None:
            return
        deployment_id, name = chosen[0].id, chosen[1]  # captured when asked
        self.confirm(
            "Delete this deployment? Its schedules go with it; its runs stay.",
            [f"{present.sanitize_cell(name)}  ({deployment_id})"],
            verb="Delete",
            then=lambda: self.act(
                f"prefect deployment delete {_q(name)} --yes",
                lambda client: delete_deployment(client, deployment_id),
                f"Deleted deployment {name!r}.",
            ),
        )

    def action_backfill(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        deployment_id, name = chosen[0].id, chosen[1]

        def window(text: str) -> None:
            try:
                start, end = parse_window(text)
            except Exception as exc:
                self.notify(describe_action_error(exc), severity="warning", markup=False)
                return
            self.preview_backfill(deployment_id, name, start, end)

        self.prompt(f"backfill {name}", window, placeholder=BACKFILL_HINT)

    @work(group="deployment-backfill", exit_on_error=False)
    async def preview_backfill(
        self, deployment_id: uuid.UUID, name: str, start: datetime, end: datetime
    ) -> None:
        """The dry run: the dates the window holds, then a confirmation to create them."""
        from prefect_console.ops.deployment_actions import backfill

        self.console.last_command = backfill_command(name, start, end, dry_run=True)
        try:
            client = await self.console.client()
            planned = await backfill(client, deployment_id, start, end, dry_run=True)
        except Exception as exc:
            self.notify(describe_action_error(exc), severity="error", timeout=8, markup=False)
            return
        if not planned:
            self.notify(f"No scheduled dates of {name} in this window.", markup=False)
            return
        now = self.console.clock()
        dates = [backfill_line(run, now) for run in planned]
        self.confirm(
            f"Backfill {len(planned)} run{'s' if len(planned) != 1 else ''} of "
            f"{present.sanitize_cell(name)}? Dates that have a run already are skipped.",
            dates,
            verb="Backfill",
            danger=False,
            then=lambda: self.act(
                backfill_command(name, start, end, dry_run=False),
                lambda client: backfill(client, deployment_id, start, end),
                lambda made: f"Backfilled {len(made)} date(s) of {name}.",
            ),
        )


def backfill_command(name: str, start: datetime, end: datetime, *, dry_run: bool) -> str:
    flag = " --dry-run" if dry_run else ""
    return (
        f"prefect deployment backfill {_q(name)} --start {start.isoformat()} "
        f"--end {end.isoformat()}{flag}"
    )


def backfill_line(run: BackfillRun, now: datetime) -> str:
    del now  # the dates are in the past: the full date reads better than "3d ago"
    return run.date.isoformat(sep=" ", timespec="minutes")


class SchedulesScreen(ModalScreen[None]):
    """A deployment's schedules; `p` pauses or resumes the one under the cursor, `d`
    deletes it (after a confirmation)."""

    CSS_PATH = "deployments.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "toggle_schedule", "Pause/resume", id="schedules.toggle"),
        Binding("d", "delete_schedule", "Delete", id="schedules.delete"),
        Binding("n", "create_schedule", "New", id="schedules.create"),
        Binding("escape,q", "close", "Close", id="schedules.close"),
    ]

    def __init__(self, deployment_id: uuid.UUID, name: str) -> None:
        super().__init__()
        self.deployment_id = deployment_id
        self.name_label = name
        self.schedules: dict[str, DeploymentSchedule] = {}
        self.loaded = False

    @property
    def console(self) -> ConsoleApp:
        return cast("ConsoleApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(id="schedules-box"):
            title = f"Schedules of {present.sanitize_cell(self.name_label)}"
            yield Static(plain(title), classes="title")
            table: DataTable[Text] = DataTable(id="schedules-table", cursor_type="row")
            table.add_column("Schedule", key="schedule")
            table.add_column("Active", key="active", width=6)
            yield table
            yield Static(
                Text(
                    "p pauses or resumes a schedule, d deletes it, n adds one, Esc closes",
                    style="dim",
                )
            )

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.load()

    @work(exclusive=True, group="deployment-schedules", exit_on_error=False)
    async def load(self) -> None:
        from prefect_console.ops.deployment_actions import list_schedules

        table: DataTable[Text] = self.query_one(DataTable)
        try:
            client = await self.console.client()
            _deployment, schedules = await list_schedules(client, self.deployment_id)
        except Exception as exc:
            self.notify(describe_action_error(exc), severity="error", markup=False)
        else:
            row = table.cursor_row
            table.clear()
            self.schedules = {str(s.id): s for s in schedules}
            for schedule in schedules:
                table.add_row(
                    plain(present_work.schedule_text(schedule.schedule, always_zone=True)),
                    Text("yes" if schedule.active else "no"),
                    key=str(schedule.id),
                )
            if schedules:
                table.move_cursor(row=min(row, len(schedules) - 1))
        finally:
            self.loaded = True

    def _selected(self) -> DeploymentSchedule | None:
        """The schedule under the cursor, when it may be changed (else a notice says why)."""
        if self.console.read_only:
            self.notify("Read-only mode: schedules cannot be changed", severity="warning")
            return None
        table: DataTable[Text] = self.query_one(DataTable)
        if table.row_count == 0:
            self.notify("No schedule selected", severity="warning")
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.schedules.get(key or "")

    def action_create_schedule(self) -> None:
        from prefect_console.ops.deployment_actions import create_schedule
        from prefect_console.tui.screens.prompt import PromptScreen

        if self.console.read_only:
            self.notify("Read-only mode: schedules cannot be changed", severity="warning")
            return
        deployment_id, name = self.deployment_id, self.name_label

        def answered(text: str | None) -> None:
            if text is None or not text.strip():
                return
            try:
                schedule, options = parse_schedule(text)
            except Exception as exc:
                self.notify(describe_action_error(exc), severity="warning", markup=False)
                return
            self.console.last_command = f"prefect deployment schedule create {_q(name)} {options}"
            self._apply(
                lambda client: create_schedule(client, deployment_id, schedule),
                f"Added a schedule to {name}.",
            )

        self.app.push_screen(PromptScreen("new schedule", placeholder=SCHEDULE_HINT), answered)

    def action_delete_schedule(self) -> None:
        from prefect_console.ops.deployment_actions import delete_schedule
        from prefect_console.tui.screens.confirm import ConfirmScreen

        schedule = self._selected()
        if schedule is None:
            return
        deployment_id, schedule_id = self.deployment_id, str(schedule.id)  # captured
        text = present_work.schedule_text(schedule.schedule, always_zone=True)

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            self.console.last_command = (
                f"prefect deployment schedule delete {_q(self.name_label)} {schedule_id}"
            )
            self._apply(
                lambda client: delete_schedule(client, deployment_id, schedule_id),
                f"Deleted schedule {text}.",
            )

        self.app.push_screen(
            ConfirmScreen("Delete this schedule?", [text], verb="Delete", danger=True), answered
        )

    def action_toggle_schedule(self) -> None:
        from prefect_console.ops.deployment_actions import set_schedule_active

        schedule = self._selected()
        if schedule is None:
            return
        deployment_id, schedule_id, active = self.deployment_id, str(schedule.id), schedule.active
        verb = "pause" if active else "resume"
        self.console.last_command = (
            f"prefect deployment schedule {verb} {_q(self.name_label)} {schedule_id}"
        )
        self._apply(
            lambda client: set_schedule_active(client, deployment_id, schedule_id, not active),
            f"{'Paused' if active else 'Resumed'} schedule "
            f"{present_work.schedule_text(schedule.schedule)}.",
        )

    @work(group="deployment-schedule-action", exit_on_error=False)
    async def _apply(self, operation: Callable[[PrefectClient], Awaitable[Any]], done: str) -> None:
        try:
            client = await self.console.client()
            await operation(client)
        except Exception as exc:
            self.notify(describe_action_error(exc), severity="error", timeout=8, markup=False)
        else:
            self.notify(done, markup=False)
        self.load()

    def action_close(self) -> None:
        self.dismiss(None)
