"""Driving the variables, artifacts, limits and events screens, and a run's artifacts,
against a seeded store (and the events screen against a real server process)."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect_console.tui.artifact_view import ArtifactView
from prefect_console.tui.screens.artifacts import ArtifactBrowser, ArtifactsScreen
from prefect_console.tui.screens.concurrency_limits import ConcurrencyLimitsScreen
from prefect_console.tui.screens.confirm import ConfirmScreen
from prefect_console.tui.screens.events import EventsScreen
from prefect_console.tui.screens.flow_run import FlowRunScreen
from prefect_console.tui.screens.object_view import ObjectScreen
from prefect_console.tui.screens.prompt import PromptScreen
from prefect_console.tui.screens.variables import VariablesScreen
from prefect_console.tui.widgets import StatusLine
from textual.pilot import Pilot
from textual.widgets import DataTable, Markdown, ProgressBar, Static

from tests.console.seed import NIGHTLY, Seeded
from tests.console.seed_resources import EXTRACT_TASK, SeededResources, seed_resources
from tests.console.test_cli_resources import server  # noqa: F401  (a fixture)
from tests.console.tui_helpers import make_app, notices, rows_of, type_text, wait_for, wait_loaded


@pytest.fixture
def resources(sqlite_seeded: Seeded) -> SeededResources:
    return seed_resources()


def loaded(screen: object) -> bool:
    return bool(getattr(screen, "loaded", False))


async def jump(pilot: Pilot[Any], name: str, screen: type) -> Any:
    await wait_loaded(pilot)
    await pilot.press("colon")
    await type_text(pilot, name)
    await pilot.press("enter")
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, screen) and loaded(app.screen))
    return app.screen


async def reloaded(pilot: Pilot[Any], screen: Any, condition: Any) -> None:
    """Wait until a load after an action shows what `condition` expects."""
    await wait_for(pilot, lambda: screen.loaded and condition())


def status_of(screen: Any) -> str:
    return str(screen.query_one(StatusLine).render())


async def prompt_answer(pilot: Pilot[Any], text: str) -> None:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, PromptScreen))
    await type_text(pilot, text)
    await pilot.press("enter")


async def variable(name: str) -> Any:
    async with get_client() as client:
        return await client.read_variable_by_name(name)


# -- variables ------------------------------------------------------------------------------


async def test_variables_list_and_inspect(resources: SeededResources) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await jump(pilot, "vars", VariablesScreen)
        rows = rows_of(screen.table)
        assert [row[0] for row in rows] == ["banner", "batch_size", "db_host", "etl_config"]
        assert rows[0][1].startswith('"[bold]hi[/bold] rename')  # literal, not markup
        assert all("\x1b" not in cell for row in rows for cell in row)
        assert "4 variables" in status_of(screen)
        await pilot.press("G", "enter")
        modal = app.screen
        assert isinstance(modal, ObjectScreen)
        fields = dict(modal.fields)
        assert '"retries": 3' in fields["Value"] and fields["Tags"] == "prod, etl"
        await pilot.press("y")
        assert app.clipboard == '{"retries": 3, "tables": ["sales", "refunds"]}'
        await pilot.press("escape")
        assert isinstance(app.screen, VariablesScreen)
        await pilot.press("slash")
        await type_text(pilot, "prod")
        await pilot.press("enter")
        assert [row[0] for row in rows_of(screen.table)] == ["db_host", "etl_config"]


async def test_set_a_new_variable_then_overwrite_it_after_asking(
    resources: SeededResources,
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await jump(pilot, "variables", VariablesScreen)
        await pilot.press("n")
        await prompt_answer(pilot, "region")
        await prompt_answer(pilot, '{"name": "eu"}')
        await reloaded(pilot, screen, lambda: "region" in screen.variables)
        assert (await variable("region")).value == {"name": "eu"}
        assert any("Set variable 'region'" in n for n in notices(app))
        assert app.last_command == 'prefect variable set region \'{"name": "eu"}\''
        # the same name again asks before overwriting (`--overwrite` in the CLI)
        await pilot.press("n")
        await prompt_answer(pilot, "db_host")
        await prompt_answer(pilot, "replica")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        assert (await variable("db_host")).value == "warehouse.internal"
        await pilot.press("n")
        await prompt_answer(pilot, "db_host")
        await prompt_answer(pilot, "replica")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await reloaded(pilot, screen, lambda: screen.variables["db_host"].value == "replica")
        assert (await variable("db_host")).tags == ["prod"]  # kept


async def test_edit_keeps_a_string_that_looks_like_json_a_string(
    resources: SeededResources,
) -> None:
    async with get_client() as client:
        from prefect.schemas.variables import VariableCreate

        await client.create_variable(VariableCreate(name="zip", value="42"))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await jump(pilot, "variables", VariablesScreen)
        await pilot.press("G")  # zip
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        from textual.widgets import Input

        assert app.screen.query_one(Input).value == '"42"'  # 42 would read back as a number
        await pilot.press("enter")
        await reloaded(pilot, screen, lambda: bool(notices(app)))
        assert (await variable("zip")).value == "42"
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press("ctrl+u")
        await type_text(pilot, "[1, 2]")
        await pilot.press("enter")
        await reloaded(pilot, screen, lambda: screen.variables["zip"].value == [1, 2])


async def test_unset_asks_and_acts_on_the_captured_variable(resources: SeededResources) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await jump(pilot, "variables", VariablesScreen)
        await pilot.press("down", "down", "d")  # db_host
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert "db_host" in str(dialog.query_one("#confirm-names").render())
        screen.table.move_cursor(row=0)  # the cursor moves meanwhile
        await pilot.press("y")
        await reloaded(pilot, screen, lambda: "db_host" not in screen.variables)
        assert await variable("db_host") is None
        assert await variable("banner") is not None
        assert app.last_command == "prefect variable unset db_host --yes"


async def test_read_only_dims_set_edit_and_unset(resources: SeededResources) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await jump(pilot, "variables", VariablesScreen)
        for action in ("set_variable", "edit_variable", "unset_variable"):
            assert screen.check_action(action, ()) is None
        assert screen.check_action("inspect_variable", ()) is True
        await pilot.press("d")
        assert not isinstance(app.screen, ConfirmScreen)
        assert any("read-only" in n for n in notices(app))
        await pilot.press("e")
        assert not isinstance(app.screen, PromptScreen)
        assert await variable("banner") is not None


# -- artifacts ------------------------------------------------------------------------------


async def test_artifacts_latest_and_every_version(resources: SeededResources) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await jump(pilot, "art", ArtifactsScreen)
        keys = [row[0] for row in rows_of(screen.table)]
        assert keys == [
            "broken-report",
            "load-progress",
            "nightly-report",
            "row-counts",
            "sales-chart",
            "warehouse-docs",
        ]
        assert "latest of each key" in status_of(screen)
        screen.loaded = False
        await pilot.press("a")
        await reloaded(pilot, screen, lambda: len(rows_of(screen.table)) == 8)
        assert "every version" in status_of(screen)
        assert [row[0] for row in rows_of(screen.table)].count("nightly-report") == 2
        assert "(no key)" in [row[0] for row in rows_of(screen.table)]


async def test_open_an_artifact_key_shows_its_versions_drawn(
    resources: SeededResources,
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await jump(pilot, "artifacts", ArtifactsScreen)
        await pilot.press("down", "down", "enter")  # nightly-report
        await wait_for(
            pilot, lambda: isinstance(app.screen, ArtifactBrowser) and loaded(app.screen)
        )
        browser = app.screen
        view = browser.query_one(ArtifactView)
        listing = browser.query_one("#artifact-list", DataTable)
        assert listing.row_count == 2
        await wait_for(pilot, lambda: view.shown is not None)
        assert view.shown is not None and view.shown.id == resources.report_v2
        markdown = view.query_one(Markdown)
        assert "[bold]not markup[/bold]" in markdown.source
        await pilot.press("down")  # the older version
        await wait_for(
            pilot, lambda: view.shown is not None and view.shown.id == resources.report_v1
        )
        assert "990 rows" in view.query_one(Markdown).source
        await pilot.press("escape")
        assert isinstance(app.screen, ArtifactsScreen)


async def test_table_progress_link_and_image_artifacts_are_drawn(
    resources: SeededResources,
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_loaded(pilot)
        app.push_screen(ArtifactBrowser(flow_run_id=NIGHTLY))
        await wait_for(
            pilot, lambda: isinstance(app.screen, ArtifactBrowser) and loaded(app.screen)
        )
        browser: Any = app.screen
        view = browser.query_one(ArtifactView)
        listing = browser.query_one("#artifact-list", DataTable)
        # the nightly run's artifacts, oldest first
        assert [row[1] for row in rows_of(listing)] == [
            "nightly-report",
            "row-counts",
            "warehouse-docs",
            "load-progress",
            "sales-chart",
            "(no key)",
        ]

        async def show(row: int) -> None:
            listing.move_cursor(row=row)
            wanted = list(browser.artifacts)[row]
            await wait_for(pilot, lambda: view.shown is not None and str(view.shown.id) == wanted)

        await show(1)
        table = view.query_one(DataTable)
        assert rows_of(table) == [
            ["sales", "1204", "ok"],
            ["refunds", "17", "ok"],
            ["inventory", "0", "rename pane and red text"],  # escape sequences gone
        ]
        await show(2)
        link = str(view.query_one(".artifact-link", Static).render())
        assert "Warehouse docs" in link and "https://docs.example.com/warehouse" in link
        await show(3)
        assert view.query_one(ProgressBar).progress == 62.5
        await show(4)
        image = str(view.query_one(".artifact-link", Static).render())
        assert "image" in image and "https://charts.example.com/sales.png" in image
        await show(5)
        assert '"rows": 1204' in str(view.query_one(".artifact-data", Static).render())
        await pilot.press("y")
        assert app.clipboard == str(resources.keyless)


async def test_delete_an_artifact_key_after_asking(resources: SeededResources) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await jump(pilot, "artifacts", ArtifactsScreen)
        await pilot.press("down", "down", "d")  # nightly-report: every version
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert "nightly-report" in str(dialog.query_one("#confirm-names").render())
        await pilot.press("y")
        await reloaded(
            pilot, screen, lambda: "nightly-report" not in [r[0] for r in rows_of(screen.table)]
        )
        assert any("Deleted 2 artifact(s)" in n for n in notices(app))
        async with get_client() as client:
            ids = {a.id for a in await client.read_artifacts()}
        assert resources.report_v1 not in ids and resources.report_v2 not in ids
        assert resources.row_counts in ids


async def test_delete_one_version_in_the_every_version_list(resources: SeededResources) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await jump(pilot, "artifacts", ArtifactsScreen)
        screen.loaded = False
        await pilot.press("a")
        await reloaded(pilot, screen, lambda: len(rows_of(screen.table)) == 8)
        key = str(resources.report_v1)
        screen.table.move_cursor(row=screen.table.get_row_index(key))
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await reloaded(pilot, screen, lambda: len(rows_of(screen.table)) == 7)
        assert app.last_command == f"prefect artifact delete --id {key} --yes"


async def test_read_only_dims_artifact_delete(resources: SeededResources) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await jump(pilot, "artifacts", ArtifactsScreen)
        assert screen.check_action("delete_artifact", ()) is None
        await pilot.press("d")
        assert not isinstance(app.screen, ConfirmScreen)


# -- a run's artifacts ----------------------------------------------------------------------


async def test_run_screen_lists_its_artifacts_and_opens_them(resources: SeededResources) -> None:
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_loaded(pilot)
        app.push_screen(FlowRunScreen(NIGHTLY))
        await wait_for(pilot, lambda: isinstance(app.screen, FlowRunScreen) and loaded(app.screen))
        run = app.screen
        table = run.query_one("#artifacts", DataTable)
        assert table.display
        assert [row[1] for row in rows_of(table)][:2] == ["nightly-report", "row-counts"]
        assert "6 artifacts (a)" in status_of(run)
        table.focus()
        await pilot.press("down", "enter")  # row-counts
        await wait_for(
            pilot, lambda: isinstance(app.screen, ArtifactBrowser) and loaded(app.screen)
        )
        view = app.screen.query_one(ArtifactView)
        await wait_for(pilot, lambda: view.shown is not None)
        assert view.shown is not None and view.shown.id == resources.row_counts
        await pilot.press("escape")
        assert app.screen is run
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ArtifactBrowser))


async def test_a_run_without_artifacts_shows_no_artifact_table(resources: SeededResources) -> None:
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_loaded(pilot)
        app.push_screen(FlowRunScreen(Seeded().weekly))
        await wait_for(pilot, lambda: isinstance(app.screen, FlowRunScreen) and loaded(app.screen))
        run = app.screen
        assert not run.query_one("#artifacts", DataTable).display
        assert "artifact" not in status_of(run)
        await pilot.press("a")
        assert app.screen is run
        assert any("no artifacts" in n for n in notices(app))


# -- concurrency limits ---------------------------------------------------------------------


async def gcl(name: str) -> Any:
    async with get_client() as client:
        return await client.read_global_concurrency_limit_by_name(name)


async def test_limits_show_tags_and_globals_with_their_slots(resources: SeededResources) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await jump(pilot, "cl", ConcurrencyLimitsScreen)
        rows = {row[1]: row for row in rows_of(screen.table)}
        assert rows["warehouse"][:5] == ["global", "warehouse", "yes", "3/5", "0"]
        assert rows["api-rate"][3:5] == ["0/10", "0.5"]
        assert rows["nightly-batch"][2] == "no"
        assert rows["database"][:5] == ["tag", "database", "yes", "1/2", "-"]
        assert "3 global, 2 by tag" in status_of(screen)
        screen.table.move_cursor(row=screen.table.get_row_index("tag:database"))
        await pilot.press("enter")
        modal = app.screen
        assert isinstance(modal, ObjectScreen)
        assert dict(modal.fields)["Held by task runs"] == str(EXTRACT_TASK)
        await pilot.press("escape")
        # a tag limit has no on/off; a global one has no reset
        assert screen.check_action("toggle_active", ()) is None
        assert screen.check_action("reset_limit", ()) is True
        screen.table.move_cursor(row=screen.table.get_row_index("global:warehouse"))
        assert screen.check_action("reset_limit", ()) is None
        await pilot.press("x")
        assert any("only tag limits reset" in n for n in notices(app))


async def test_limit_actions(resources: SeededResources) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await jump(pilot, "limits", ConcurrencyLimitsScreen)

        def row(key: str) -> list[str]:
            table = screen.table
            return rows_of(table)[table.get_row_index(key)] if key in table.rows else []

        # toggle a global limit on
        screen.table.move_cursor(row=screen.table.get_row_index("global:nightly-batch"))
        await pilot.press("a")
        await reloaded(pilot, screen, lambda: row("global:nightly-batch")[2:3] == ["yes"])
        assert (await gcl("nightly-batch")).active is True
        assert app.last_command == "prefect global-concurrency-limit enable nightly-batch"
        # reset a tag's slots, after asking
        screen.table.move_cursor(row=screen.table.get_row_index("tag:database"))
        await pilot.press("x")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await reloaded(pilot, screen, lambda: row("tag:database")[3:4] == ["0/2"])
        # edit a global limit: limit and decay
        screen.table.move_cursor(row=screen.table.get_row_index("global:warehouse"))
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press("ctrl+u")
        await type_text(pilot, "7 0.25")
        await pilot.press("enter")
        await reloaded(pilot, screen, lambda: row("global:warehouse")[3:5] == ["3/7", "0.25"])
        # create a tag limit and a global one from prompts
        await pilot.press("c")
        await prompt_answer(pilot, "gpu 2")
        await reloaded(pilot, screen, lambda: row("tag:gpu")[3:4] == ["0/2"])
        await pilot.press("C")
        await prompt_answer(pilot, "burst 4 1.5")
        await reloaded(pilot, screen, lambda: row("global:burst")[3:5] == ["0/4", "1.5"])
        # a malformed answer is a notice, not a request
        await pilot.press("C")
        await prompt_answer(pilot, "nonsense")
        assert any("NAME LIMIT" in n for n in notices(app))
        # delete, after asking
        screen.table.move_cursor(row=screen.table.get_row_index("global:burst"))
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await reloaded(pilot, screen, lambda: "global:burst" not in screen.table.rows)
        screen.table.move_cursor(row=screen.table.get_row_index("tag:gpu"))
        await pilot.press("d", "y")
        await reloaded(pilot, screen, lambda: "tag:gpu" not in screen.table.rows)
        assert app.last_command == "prefect concurrency-limit delete gpu --yes"


async def test_a_refused_limit_change_is_a_notice(resources: SeededResources) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await jump(pilot, "limits", ConcurrencyLimitsScreen)
        await pilot.press("C")
        await prompt_answer(pilot, "warehouse 3")  # the name is taken
        await wait_for(pilot, lambda: any("already exists" in n for n in notices(app)))
        assert (await gcl("warehouse")).limit == 5
        assert isinstance(app.screen, ConcurrencyLimitsScreen) and screen.loaded


async def test_read_only_dims_every_limit_change(resources: SeededResources) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await jump(pilot, "limits", ConcurrencyLimitsScreen)
        for action in (
            "create_tag_limit",
            "create_global_limit",
            "edit_limit",
            "toggle_active",
            "reset_limit",
            "delete_limit",
        ):
            assert screen.check_action(action, ()) is None, action
        assert screen.check_action("inspect_limit", ()) is True


# -- events ---------------------------------------------------------------------------------


async def test_events_on_the_embedded_store_show_stored_events(
    resources: SeededResources,
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await jump(pilot, "events", EventsScreen)
        assert "Embedded store" in str(screen.query_one("#events-notice", Static).render())
        names = [row[1] for row in rows_of(screen.table)]
        seeded = [n for n in names if n.startswith("etl.")]
        assert seeded == ["etl.rename pane and red text", "etl.loaded"]  # newest first
        assert all("\x1b" not in n for n in names)
        assert screen.check_action("toggle_pause", ()) is None
        screen.table.move_cursor(row=screen.table.get_row_index(str(resources.events[2])))
        await pilot.press("enter")
        modal = app.screen
        assert isinstance(modal, ObjectScreen)
        fields = dict(modal.fields)
        assert fields["Event"] == "etl.loaded" and '"note": "event 2"' in fields["Payload"]
        await pilot.press("escape")
        await pilot.press("slash")
        await type_text(pilot, "etl.")
        await pilot.press("enter")
        assert len(rows_of(screen.table)) == 2
        await pilot.press("escape")  # clears the filter
        assert len(rows_of(screen.table)) == len(names)


async def emit(*names: str) -> list[uuid.UUID]:
    from prefect.schemas.events import Event

    events = [Event(event=name, resource={"prefect.resource.id": f"test.{name}"}) for name in names]
    async with get_client() as client:
        await client.emit_events(events)
    return [e.id for e in events]


async def test_events_stream_live_from_a_server_and_pause(
    server: str,  # noqa: F811
    prefect_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PREFECT_API_URL", server)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("colon")
        await type_text(pilot, "events")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, EventsScreen))
        screen: Any = app.screen
        assert not screen.query_one("#events-notice", Static).display
        await wait_for(pilot, lambda: screen.connected, steps=1500)
        await asyncio.sleep(0.5)  # the subscription is sent right after connecting
        await emit("live.one")
        await wait_for(pilot, lambda: "live.one" in [r[1] for r in rows_of(screen.table)], 1500)
        assert "live" in status_of(screen)
        await pilot.press("p")
        assert screen.paused and "paused" in status_of(screen)
        await emit("live.two")
        await wait_for(pilot, lambda: "1 new held" in status_of(screen), steps=1500)
        assert "live.two" not in [r[1] for r in rows_of(screen.table)]
        await pilot.press("p")
        await wait_for(pilot, lambda: "live.two" in [r[1] for r in rows_of(screen.table)])
        assert rows_of(screen.table)[0][1] == "live.two"  # newest first
