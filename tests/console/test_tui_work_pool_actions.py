"""Driving the actions of `:pools` and of a pool's screen (Pilot) against the seeded store
of `seed_deployments`: create, pause/resume, limits, delete with confirmation, preview; and
their queue counterparts. Each checks the store afterwards, through the client."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.workers.templates import default_base_job_template
from prefect_console.tui.screens.confirm import ConfirmScreen
from prefect_console.tui.screens.prompt import PromptScreen
from prefect_console.tui.screens.work_pool_actions import PoolPreviewScreen
from prefect_console.tui.screens.work_pools import WorkPoolScreen, WorkPoolsScreen
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from tests.console.seed_deployments import SeededWork, seed_all
from tests.console.test_tui_deployments import jump, text_of
from tests.console.tui_helpers import make_app, notices, rows_of, type_text, wait_for, wait_loaded


@pytest.fixture
def work(prefect_home: Path) -> SeededWork:
    from prefect.settings import get_current_settings

    return seed_all(get_current_settings().server_database_connection_url)


async def read_pool(name: str) -> Any:
    from prefect.exceptions import ObjectNotFound

    async with get_client() as client:
        try:
            return await client.read_work_pool(name)
        except ObjectNotFound:
            return None


async def read_queues(pool: str) -> dict[str, Any]:
    async with get_client() as client:
        return {q.name: q for q in await client.read_work_queues(work_pool_name=pool)}


async def answer(pilot: Pilot[Any], text: str, *, clear: bool = False) -> None:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, PromptScreen))
    if clear:
        await pilot.press("ctrl+u")
    await type_text(pilot, text)
    await pilot.press("enter")


def row_of(screen: WorkPoolsScreen, name: str) -> list[str]:
    return next(row for row in rows_of(screen.table) if row[0] == name)


async def pools_at(pilot: Pilot[Any], name: str) -> WorkPoolsScreen:
    """`:pools` with the cursor on pool `name`."""
    await wait_loaded(pilot)
    screen: WorkPoolsScreen = await jump(pilot, "pools", WorkPoolsScreen)
    names = [row[0] for row in rows_of(screen.table)]
    screen.table.move_cursor(row=names.index(name))
    await pilot.pause()
    return screen


# -- the list of pools ------------------------------------------------------------------


async def test_pause_and_resume_the_pool_under_the_cursor(work: SeededWork) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await pools_at(pilot, "local")
        await pilot.press("p")
        await wait_for(pilot, lambda: row_of(screen, "local")[2:4] == ["PAUSED", "yes"])
        assert (await read_pool("local")).is_paused
        assert app.last_command == "prefect work-pool pause local"
        assert any("Paused work pool 'local'" in n for n in notices(app))
        await pilot.press("p")
        await wait_for(pilot, lambda: row_of(screen, "local")[3] == "no")
        assert not (await read_pool("local")).is_paused
        assert app.last_command == "prefect work-pool resume local"
        assert (await read_pool("k8s")).is_paused  # the others untouched


async def test_create_a_pool_from_a_prompt(work: SeededWork) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await pools_at(pilot, "local")
        await pilot.press("n")
        await answer(pilot, "ci docker")
        await wait_for(pilot, lambda: "ci" in [row[0] for row in rows_of(screen.table)])
        created = await read_pool("ci")
        assert created.type == "docker"
        assert created.base_job_template == default_base_job_template("docker")
        assert app.last_command == "prefect work-pool create ci --type docker"
        # malformed, an unknown type, an existing name: a notice, nothing created
        for text, said in (
            ("lonely", "NAME TYPE"),
            ("x ecs", "Unknown work pool type 'ecs'"),
            ("local process", "Work pool 'local' already exists"),
        ):
            await pilot.press("n")
            await answer(pilot, text)
            await wait_for(pilot, lambda: any(said in n for n in notices(app)))  # noqa: B023
        assert await read_pool("x") is None and await read_pool("lonely") is None


async def test_delete_asks_and_acts_on_the_captured_pool(work: SeededWork) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await pools_at(pilot, "docker")
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "docker  (1 queue)" in str(app.screen.query_one("#confirm-names").render())
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is screen)
        assert await read_pool("docker") is not None
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        screen.table.move_cursor(row=2)  # the cursor moves meanwhile (to local)
        await pilot.press("y")
        await wait_for(pilot, lambda: "docker" not in [row[0] for row in rows_of(screen.table)])
        assert await read_pool("docker") is None and await read_pool("local") is not None
        assert app.last_command == "prefect work-pool delete docker --yes"


async def test_set_and_clear_the_limit_and_edit_the_description(work: SeededWork) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await pools_at(pilot, "local")
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        assert app.screen.query_one(Input).value == "4"
        await answer(pilot, "7", clear=True)
        await wait_for(pilot, lambda: row_of(screen, "local")[4] == "7")
        assert (await read_pool("local")).concurrency_limit == 7
        await pilot.press("l")
        await answer(pilot, "seven", clear=True)
        await wait_for(pilot, lambda: any("whole number" in n for n in notices(app)))
        await pilot.press("L")
        await wait_for(pilot, lambda: row_of(screen, "local")[4] == "-")
        assert (await read_pool("local")).concurrency_limit is None
        assert app.last_command == "prefect work-pool clear-concurrency-limit local"
        await pilot.press("e")
        await answer(pilot, "runs the etl")
        await wait_for(pilot, lambda: any("Updated work pool 'local'" in n for n in notices(app)))
        assert (await read_pool("local")).description == "runs the etl"
        assert app.last_command == "prefect work-pool update local --description 'runs the etl'"


async def test_preview_shows_the_pools_upcoming_runs(work: SeededWork) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pools_at(pilot, "local")
        await pilot.press("v")
        await wait_for(
            pilot, lambda: isinstance(app.screen, PoolPreviewScreen) and app.screen.loaded
        )
        preview = app.screen
        assert isinstance(preview, PoolPreviewScreen) and preview.preview is not None
        # the clock is frozen at 12:10: one run is 5 minutes late, one is due in 40
        assert [r.name for r in preview.preview.runs] == ["nightly-waiting", "nightly-next"]
        shown = text_of(preview.query_one("#preview-runs", Static))
        assert "5m late" in shown and "in 40m" in shown and "nightly-next" in shown
        assert app.last_command == "prefect work-pool preview local"
        await pilot.press("escape")
        assert isinstance(app.screen, WorkPoolsScreen)


async def test_read_only_dims_the_changes_but_not_the_preview(work: SeededWork) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await pools_at(pilot, "local")
        for action in (
            "create_pool",
            "edit_pool",
            "toggle_pause",
            "delete_pool",
            "set_limit",
            "clear_limit",
        ):
            assert screen.check_action(action, ()) is None, action
        assert screen.check_action("preview_pool", ()) is True
        await pilot.press("d")
        assert not isinstance(app.screen, ConfirmScreen)
        assert any("read-only" in n for n in notices(app))
        await pilot.press("p")
        await pilot.pause()
        assert not (await read_pool("local")).is_paused


async def test_without_pools_the_row_actions_say_why(prefect_home: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_loaded(pilot)
        screen = await jump(pilot, "pools", WorkPoolsScreen)
        assert screen.disabled_reason("delete_pool") == "no work pool selected"
        assert screen.check_action("create_pool", ()) is True
        await pilot.press("n")
        await answer(pilot, "first process")
        await wait_for(pilot, lambda: [row[0] for row in rows_of(screen.table)] == ["first"])


# -- a pool's queues --------------------------------------------------------------------


async def open_local(pilot: Pilot[Any]) -> WorkPoolScreen:
    await pools_at(pilot, "local")
    await pilot.press("enter")
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, WorkPoolScreen) and app.screen.loaded)
    screen = app.screen
    assert isinstance(screen, WorkPoolScreen)
    return screen


def queue_rows(screen: WorkPoolScreen) -> list[list[str]]:
    return rows_of(screen.query_one("#pool-queues", DataTable))


async def test_queue_pause_limits_and_create(work: SeededWork) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_local(pilot)
        assert [row[0] for row in queue_rows(screen)] == ["high", "default"]
        await pilot.press("p")  # the cursor is on high
        await wait_for(pilot, lambda: queue_rows(screen)[0][3] == "yes")
        assert (await read_queues("local"))["high"].is_paused
        assert app.last_command == "prefect work-queue pause high --pool local"
        await pilot.press("p")
        await wait_for(pilot, lambda: queue_rows(screen)[0][3] == "no")
        await pilot.press("l")
        await answer(pilot, "3")
        await wait_for(pilot, lambda: queue_rows(screen)[0][4] == "3")
        assert (await read_queues("local"))["high"].concurrency_limit == 3
        await pilot.press("L")
        await wait_for(pilot, lambda: queue_rows(screen)[0][4] == "-")
        await pilot.press("n")
        await answer(pilot, "urgent 1")
        await wait_for(pilot, lambda: queue_rows(screen)[0][0] == "urgent")
        queues = await read_queues("local")
        assert queues["urgent"].priority == 1 and queues["high"].priority == 2
        assert app.last_command == "prefect work-queue create urgent --pool local --priority 1"


async def test_queue_delete_asks_and_the_default_queue_is_kept(work: SeededWork) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_local(pilot)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "high  (work pool local)" in str(app.screen.query_one("#confirm-names").render())
        await pilot.press("y")
        await wait_for(pilot, lambda: [row[0] for row in queue_rows(screen)] == ["default"])
        assert set(await read_queues("local")) == {"default"}
        assert app.last_command == "prefect work-queue delete high --pool local --yes"
        # the default queue: the key is dimmed with the reason
        assert screen.disabled_reason("delete_queue") == "a pool's default queue cannot be deleted"
        await pilot.press("d")
        assert not isinstance(app.screen, ConfirmScreen)
        assert any("default queue" in n for n in notices(app))


async def test_queue_keys_do_nothing_on_the_workers_table(work: SeededWork) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_local(pilot)
        screen.query_one("#pool-workers", DataTable).focus()
        await pilot.pause()
        assert "Tab to the queues" in (screen.disabled_reason("delete_queue") or "")
        await pilot.press("p")
        await pilot.pause()
        assert not (await read_queues("local"))["high"].is_paused
        # the pool's fields are still shown alongside
        assert "process" in text_of(screen.query_one("#pool-info", Static))
