"""Cancel, retry, delete, watch and copy: what an operator does to flow runs.

Shared by the runs table (on the marked runs, or the cursor's) and a run's own screen.
The runs are captured when the confirmation opens, and the action applies to exactly
those. Each outcome is a notice; a failure is a notice too, never a crash. The CLI command
doing the same is remembered for `Y`.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from textual import work

from prefect_console.tui.screens.base import ConsoleScreen, describe_action_error

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.objects import FlowRun

RunRef = tuple[uuid.UUID, str]  # id, name shown to the operator

VERBS = {
    # action: (CLI verb, dialog button, past tense, danger)
    "cancel": ("cancel", "Cancel run", "cancelled", False),
    "retry": ("retry", "Retry run", "scheduled again", False),
    "delete": ("delete", "Delete run", "deleted", True),
}


class RunActions(ConsoleScreen):
    """Screens showing flow runs: implement `target_runs` and `runs_changed`."""

    def target_flow_runs(self) -> list[FlowRun]:
        """The runs an action applies to now (marked ones, else the cursor's)."""
        raise NotImplementedError

    def target_runs(self) -> list[RunRef]:
        return [(run.id, run.name) for run in self.target_flow_runs()]

    def runs_changed(self, deleted: set[uuid.UUID]) -> None:
        """Called after an action, to show its effect."""

    def disabled_reason(self, action: str) -> str | None:
        reason = super().disabled_reason(action)
        if reason is not None or action not in RUN_ACTIONS:
            return reason
        runs = self.target_flow_runs()
        if not runs:
            return "no flow run selected"
        finished = [run.state is not None and run.state.is_final() for run in runs]
        if action in {"cancel_runs", "watch_run"} and all(finished):
            return "already finished: nothing to cancel or watch"
        if action == "retry_runs" and not any(finished):
            return "only a finished run can be retried"
        return None

    # -- actions --------------------------------------------------------------------------

    def action_cancel_runs(self) -> None:
        self._confirm("cancel")

    def action_retry_runs(self) -> None:
        self._confirm("retry")

    def action_delete_runs(self) -> None:
        self._confirm("delete")

    def action_watch_run(self) -> None:
        runs = self.target_runs()
        for run_id, name in runs:
            self.console.watch_run(run_id, name)

    def action_copy_id(self) -> None:
        runs = self.target_runs()
        if runs:
            text = "\n".join(str(run_id) for run_id, _name in runs)
            self.app.copy_to_clipboard(text)
            self.notify(f"Copied {text if len(runs) == 1 else f'{len(runs)} ids'}")

    def action_copy_command(self) -> None:
        command = self.console.last_command
        if command is None:
            runs = self.target_runs()
            if not runs:
                return
            command = "\n".join(f"prefect flow-run inspect {run_id}" for run_id, _ in runs)
        self.app.copy_to_clipboard(command)
        more = " ..." if len(command.splitlines()) > 1 else ""
        self.notify(f"Copied: {command.splitlines()[0]}{more}")

    def _confirm(self, action: str) -> None:
        from prefect_console.tui.screens.confirm import ConfirmScreen

        runs = self.target_runs()  # captured now: the answer applies to these runs
        if not runs:
            return
        _cli, button, _done, danger = VERBS[action]
        count = f"{len(runs)} flow runs" if len(runs) > 1 else "this flow run"
        names = [f"{name}  ({run_id})" for run_id, name in runs]

        def answered(yes: bool | None) -> None:
            if yes:
                self.act(action, runs)

        self.app.push_screen(
            ConfirmScreen(f"{action.title()} {count}?", names, verb=button, danger=danger),
            answered,
        )

    @work(group="run-actions", exit_on_error=False)
    async def act(self, action: str, runs: list[RunRef]) -> None:
        cli, _button, done, _danger = VERBS[action]
        self.console.last_command = "\n".join(
            f"prefect flow-run {cli} {run_id}{' --yes' if action == 'delete' else ''}"
            for run_id, _ in runs
        )
        ok: list[str] = []
        deleted: set[uuid.UUID] = set()
        for run_id, name in runs:
            try:
                client = await self.console.client()
                message = await _apply(client, action, run_id)
            except Exception as exc:
                self.notify(f"{name}: {describe_action_error(exc)}", severity="error", timeout=8)
            else:
                ok.append(message or f"{name} {done}")
                if action == "delete":
                    deleted.add(run_id)
        if ok:
            self.notify(ok[0] if len(ok) == 1 else f"{len(ok)} flow runs {done}")
        self.runs_changed(deleted)


RUN_ACTIONS = {
    "cancel_runs",
    "retry_runs",
    "delete_runs",
    "watch_run",
    "copy_id",
    "copy_command",
}


async def _apply(client: PrefectClient, action: str, run_id: uuid.UUID) -> str | None:
    from prefect_console.ops import flow_runs

    if action == "cancel":
        result = await flow_runs.cancel_flow_run(client, run_id)
        return f"{result.flow_run.name} is {_state(result.flow_run.state_name)}"
    if action == "retry":
        run = await flow_runs.retry_flow_run(client, run_id)
        return f"{run.name} is {_state(run.state_name)}"
    await flow_runs.delete_flow_run(client, run_id)
    return None


def _state(name: str | None) -> str:
    return name or "changed"
