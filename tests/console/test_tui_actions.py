"""Acting on runs from the TUI: cancel, retry, delete, watch, copy; read-only mode."""

from __future__ import annotations

import uuid

from prefect.client.orchestration import get_client
from prefect_console.tui.screens.confirm import ConfirmScreen
from prefect_console.tui.screens.flow_run import FlowRunScreen
from prefect_console.tui.screens.flow_runs import FlowRunsScreen

from tests.console.seed import Seeded
from tests.console.tui_helpers import make_app, notices, rows_of, wait_for, wait_loaded


async def state_of(run_id: uuid.UUID) -> str | None:
    async with get_client() as client:
        run = await client.read_flow_run(run_id)
    return run.state.type.value if run.state else None


async def test_cancel_acts_on_the_run_captured_when_the_dialog_opened(
    sqlite_seeded: Seeded,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        runs = app.screen
        assert isinstance(runs, FlowRunsScreen)
        await pilot.press("down", "c")  # weekly-report, Running
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert "weekly-report" in str(dialog.query_one("#confirm-names").render())
        runs.table.move_cursor(row=2)  # the cursor moves away (broken-etl) meanwhile
        await pilot.press("y")
        await wait_for(pilot, lambda: any("weekly-report is" in n for n in notices(app)))
        assert await state_of(sqlite_seeded.weekly) in {"CANCELLING", "CANCELLED"}
        assert await state_of(sqlite_seeded.broken) == "FAILED"
        await wait_for(pilot, lambda: "Cancell" in rows_of(runs.table)[1][0])
        # Y copies the CLI command of what was just done
        await pilot.press("Y")
        assert app.clipboard == f"prefect flow-run cancel {sqlite_seeded.weekly}"


async def test_answering_no_changes_nothing(sqlite_seeded: Seeded) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("down", "c")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert isinstance(app.screen, FlowRunsScreen)
        assert await state_of(sqlite_seeded.weekly) == "RUNNING"


async def test_marked_runs_are_deleted_together(sqlite_seeded: Seeded) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        runs = app.screen
        assert isinstance(runs, FlowRunsScreen)
        await pilot.press("down", "down", "space", "space")  # broken-etl, nightly-etl
        assert rows_of(runs.table)[2][0].startswith("● ")
        await pilot.press("d")
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        names = str(dialog.query_one("#confirm-names").render())
        assert "broken-etl" in names and "nightly-etl" in names and "weekly" not in names
        await pilot.press("y")
        await wait_for(pilot, lambda: len(rows_of(runs.table)) == 2)
        assert [row[1] for row in rows_of(runs.table)] == ["later-report", "weekly-report"]
        async with get_client() as client:
            left = {run.name for run in await client.read_flow_runs()}
        assert left == {"later-report", "weekly-report"}
        assert any("2 flow runs deleted" in n for n in notices(app))


async def test_a_refused_action_is_a_notice_not_a_crash(sqlite_seeded: Seeded) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        runs = app.screen
        assert isinstance(runs, FlowRunsScreen)
        await pilot.press("down")  # weekly-report is Running: retry does not apply
        assert runs.check_action("retry_runs", ()) is None
        await pilot.press("R")
        assert any("only a finished run" in n for n in notices(app))
        await pilot.press("down", "down", "c")  # nightly-etl is Completed: neither does cancel
        assert isinstance(app.screen, FlowRunsScreen)
        assert any("nothing to cancel" in n for n in notices(app))
        await pilot.press("R", "y")  # a run without a deployment cannot be retried
        await wait_for(pilot, lambda: any("no deployment" in n for n in notices(app)))


async def test_read_only_dims_cancel_and_says_why(sqlite_seeded: Seeded) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        runs = app.screen
        assert isinstance(runs, FlowRunsScreen)
        for action in ("cancel_runs", "retry_runs", "delete_runs"):
            assert runs.check_action(action, ()) is None
        assert runs.check_action("open_run", ()) is True
        await pilot.press("down", "c")
        assert isinstance(app.screen, FlowRunsScreen)
        assert any("read-only" in n for n in notices(app))
        assert await state_of(sqlite_seeded.weekly) == "RUNNING"
        assert "read-only" in str(runs.query_one("#context").render())


async def test_cancel_from_the_run_screen(sqlite_seeded: Seeded) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("enter")  # later-report, Scheduled
        await wait_for(pilot, lambda: isinstance(app.screen, FlowRunScreen) and app.screen.loaded)
        await pilot.press("c")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_for(pilot, lambda: any("later-report is" in n for n in notices(app)))
        assert await state_of(sqlite_seeded.later) == "CANCELLED"


async def test_copy_puts_the_cursor_run_id_in_the_clipboard(sqlite_seeded: Seeded) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("down", "y")
        assert app.clipboard == str(sqlite_seeded.weekly)
        await pilot.press("Y")  # nothing done yet: the command showing this run
        assert app.clipboard == f"prefect flow-run inspect {sqlite_seeded.weekly}"


async def test_watch_says_when_the_run_changes_state(sqlite_seeded: Seeded) -> None:
    from prefect.states import Completed

    app = make_app(watch_seconds=0.05)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("down", "w")  # weekly-report
        await wait_for(pilot, lambda: app.watched.get(sqlite_seeded.weekly) == "Running")
        async with get_client() as client:
            await client.set_flow_run_state(sqlite_seeded.weekly, Completed())
        await wait_for(
            pilot, lambda: any("weekly-report is now Completed" in n for n in notices(app))
        )
