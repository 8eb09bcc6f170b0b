"""Driving `:deployments`, `:pools` and the dashboard's pool and upcoming panels (Pilot)
against a seeded real store (`seed_deployments`), with the clock frozen at FROZEN_NOW."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from prefect_console.tui.screens.dashboard import DashboardScreen
from prefect_console.tui.screens.deployments import DeploymentScreen, DeploymentsScreen
from prefect_console.tui.screens.flow_run import FlowRunScreen
from prefect_console.tui.screens.work_pools import WorkPoolScreen, WorkPoolsScreen, WorkQueueScreen
from prefect_console.tui.widgets import ContextBar, StatusLine
from textual.binding import Binding
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from tests.console.seed_deployments import SeededWork, seed_all
from tests.console.tui_helpers import (
    make_app,
    palette_options,
    rows_of,
    type_text,
    wait_for,
    wait_loaded,
)


@pytest.fixture
def work(prefect_home: Path) -> SeededWork:
    from prefect.settings import get_current_settings

    return seed_all(get_current_settings().server_database_connection_url)


async def jump(pilot: Pilot[None], word: str, screen: type[Any]) -> Any:
    app = pilot.app
    await pilot.press("colon")
    await type_text(pilot, word)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, screen) and app.screen.loaded)
    return app.screen


def context(app: Any) -> str:
    return str(app.screen.query_one(ContextBar).render())


def status_text(app: Any) -> str:
    return str(app.screen.query_one(StatusLine).render())


def text_of(static: Static) -> str:
    """What a Static shows (a rich renderable), as plain text."""
    from rich.console import Console

    console = Console(width=200, record=True, file=io.StringIO())
    console.print(static.content)
    return console.export_text()


def table_rows(screen: Any, selector: str) -> list[list[str]]:
    return rows_of(screen.query_one(selector, DataTable))


# -- deployments ------------------------------------------------------------------------


async def test_deployments_table_shows_schedules_status_and_next_run(work: SeededWork) -> None:
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_loaded(pilot)
        screen = await jump(pilot, "deployments", DeploymentsScreen)
        rows = rows_of(screen.table)
        assert [row[:2] for row in rows] == [
            ["backfill", "etl"],
            ["nightly", "etl"],
            ["adhoc", "report"],
            ["weekly", "report"],
        ]
        by_name = {row[0]: row for row in rows}
        assert by_name["nightly"][2:] == ["READY", "active", "5m late", "every 1h", "local/high"]
        assert by_name["backfill"][2:] == [
            "NOT_READY",
            "paused",
            "-",
            "cron 0 * * * *",
            "k8s/default",
        ]
        assert by_name["weekly"][4] == "10m late"
        assert by_name["weekly"][5].startswith("rrule FREQ=WEEKLY;BYDAY=MO, every 1d (off)")
        assert by_name["adhoc"][4:] == ["-", "-", "-"]
        assert "4 deployments" in status_text(app)
        assert context(app).endswith("runs > deployments")


@pytest.mark.parametrize("word", ["dep", "deploy", "deployment", "de"])
async def test_deployment_aliases_jump_to_the_list(work: SeededWork, word: str) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await jump(pilot, word, DeploymentsScreen)


async def test_d_still_means_the_dashboard(work: SeededWork) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await jump(pilot, "d", DashboardScreen)


async def test_filter_and_sort_by_next_run(work: SeededWork) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        screen = await jump(pilot, "dep", DeploymentsScreen)
        await pilot.press("slash")
        await type_text(pilot, "report")
        await pilot.press("enter")
        assert [row[0] for row in rows_of(screen.table)] == ["adhoc", "weekly"]
        await pilot.press("escape")
        await pilot.press(*["s"] * 5)  # name, flow, status, active, next run
        assert screen.sort_column == "next"
        # weekly is due since 12:00, nightly since 12:05; the two without a next run last
        assert [row[0] for row in rows_of(screen.table)][:2] == ["weekly", "nightly"]
        await pilot.press("S")
        assert [row[0] for row in rows_of(screen.table)][2:] == ["nightly", "weekly"]


async def test_enter_opens_a_deployment_and_enter_on_a_run_opens_it(work: SeededWork) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await jump(pilot, "deployments", DeploymentsScreen)
        await pilot.press("j", "enter")
        await wait_for(
            pilot, lambda: isinstance(app.screen, DeploymentScreen) and app.screen.loaded
        )
        detail = app.screen
        assert isinstance(detail, DeploymentScreen) and detail.deployment_id == work.nightly
        assert context(app).endswith("deployments > etl/nightly")
        fields = text_of(detail.query_one("#deployment-fields", Static))
        for word in (
            "every 1h",
            '{"day": "2024-05-01", "limit": 100}',
            '{"env": {"LOG_LEVEL": "DEBUG"}}',
            "12:50:00, 13:50:00",  # the next runs after the frozen clock
            "local/high",
            "Loads yesterday's rows",
        ):
            assert word in fields
        runs = table_rows(detail, "#deployment-runs")
        assert [row[:2] for row in runs] == [
            ["Scheduled", "nightly-waiting"],
            ["Failed", "nightly-broke"],
            ["Completed", "nightly-done"],
        ]
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, FlowRunScreen))
        assert app.screen.flow_run_id == work.runs["nightly-broke"]  # type: ignore[attr-defined]
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is detail)
        await pilot.press("escape")
        assert isinstance(app.screen, DeploymentsScreen)


async def test_refresh_shows_a_new_deployment(work: SeededWork) -> None:
    from prefect.client.orchestration import get_client

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        screen = await jump(pilot, "deployments", DeploymentsScreen)

        async def add() -> None:
            async with get_client() as client:
                flow_id = await client.create_flow_from_name("etl")
                await client.create_deployment(flow_id, "fresh", work_pool_name="local")

        await add()
        screen.loaded = False
        await pilot.press("r")
        await wait_for(pilot, lambda: screen.loaded)
        assert "fresh" in [row[0] for row in rows_of(screen.table)]
        assert "5 deployments" in status_text(app)


async def test_a_deleted_deployment_is_said_so(work: SeededWork) -> None:
    from prefect.client.orchestration import get_client

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await jump(pilot, "deployments", DeploymentsScreen)
        await pilot.press("enter")  # etl/backfill
        await wait_for(
            pilot, lambda: isinstance(app.screen, DeploymentScreen) and app.screen.loaded
        )
        detail = app.screen
        async with get_client() as client:
            await client.delete_deployment(work.backfill)
        detail.loaded = False  # type: ignore[attr-defined]
        await pilot.press("r")
        await wait_for(pilot, lambda: detail.loaded)  # type: ignore[attr-defined]
        status = detail.query_one(StatusLine)
        assert status.has_class("stale")
        assert f"Deployment '{work.backfill}' not found" in str(status.render())


# -- work pools -------------------------------------------------------------------------


async def test_pools_table_shows_status_workers_waiting_and_queues(work: SeededWork) -> None:
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_loaded(pilot)
        screen = await jump(pilot, "pools", WorkPoolsScreen)
        assert rows_of(screen.table) == [
            ["docker", "docker", "NOT_READY", "no", "-", "0/0", "1", "default"],
            ["k8s", "kubernetes", "PAUSED", "yes", "-", "0/0", "0", "default"],
            ["local", "process", "READY", "no", "4", "1/2", "1", "high, default"],
        ]
        assert "3 work pools" in status_text(app)


@pytest.mark.parametrize("word", ["wp", "pool", "work-pools", "queues", "wq"])
async def test_pool_aliases_jump_to_the_list(work: SeededWork, word: str) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await jump(pilot, word, WorkPoolsScreen)


async def test_enter_opens_a_pool_with_its_queues_and_workers(work: SeededWork) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await jump(pilot, "pools", WorkPoolsScreen)
        await pilot.press("G", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, WorkPoolScreen) and app.screen.loaded)
        pool = app.screen
        assert isinstance(pool, WorkPoolScreen) and pool.pool_name == "local"
        assert context(app).endswith("pools > local")
        queues = table_rows(pool, "#pool-queues")
        assert [row[:3] + row[5:6] for row in queues] == [
            ["high", "1", "READY", "1"],
            ["default", "2", "READY", "0"],
        ]
        assert table_rows(pool, "#pool-workers") == [
            ["worker-1", "ONLINE", "12:09:40"],
            ["worker-2", "OFFLINE", "11:10:00"],
        ]
        info = text_of(pool.query_one("#pool-info", Static))
        assert "1 online of 2" in info and "1 run" in info and "process" in info
        await pilot.press("enter")  # the queue under the cursor: high
        await wait_for(pilot, lambda: isinstance(app.screen, WorkQueueScreen) and app.screen.loaded)
        queue = app.screen
        assert isinstance(queue, WorkQueueScreen) and queue.detail is not None
        assert queue.detail.queue.id == work.queues["local/high"]
        assert queue.detail.status is not None
        text = text_of(queue.query_one("#queue-fields", Static))
        assert "Health policy" in text and "Late runs" in text
        await pilot.press("escape")
        assert app.screen is pool
        await pilot.press("escape")
        assert isinstance(app.screen, WorkPoolsScreen)


async def test_a_missing_pool_is_said_so() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        app.push_screen(WorkPoolScreen("gone"))
        await wait_for(pilot, lambda: isinstance(app.screen, WorkPoolScreen) and app.screen.loaded)
        assert "Work pool 'gone' not found" in status_text(app)


# -- dashboard --------------------------------------------------------------------------


async def test_dashboard_shows_pool_health_and_upcoming_runs(work: SeededWork) -> None:
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_loaded(pilot)
        dash = await jump(pilot, "dash", DashboardScreen)
        assert [row[:4] for row in table_rows(dash, "#dash-pools")] == [
            ["docker", "NOT_READY", "0/0", "1"],
            ["k8s", "PAUSED", "0/0", "0"],
            ["local", "READY", "1/2", "1"],
        ]
        pools = dash.query_one("#dash-pools", DataTable)
        assert "3, 2 runs waiting" in str(pools.border_title)
        assert table_rows(dash, "#dash-upcoming") == [
            ["12:50:00", "40m", "etl/nightly", "nightly-next", "local/high"],
            ["13:50:00", "1h40m", "etl/nightly", "nightly-after", "local/high"],
            ["05-06 09:00", "4d20h", "report/weekly", "weekly-next", "docker/default"],
        ]
        # the existing panels still work alongside
        assert [row[1] for row in table_rows(dash, "#late")] == [
            "weekly-waiting",
            "nightly-waiting",
        ]
        assert "nightly-broke" in [row[1] for row in table_rows(dash, "#failures")]
        pools.focus()
        await pilot.press("down", "down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, WorkPoolScreen) and app.screen.loaded)
        assert app.screen.pool_name == "local"  # type: ignore[attr-defined]
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is dash)
        dash.query_one("#dash-upcoming", DataTable).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, FlowRunScreen))
        assert app.screen.flow_run_id == work.runs["nightly-next"]  # type: ignore[attr-defined]


async def test_dashboard_without_pools_says_none(work: SeededWork) -> None:
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        for name in ("local", "k8s", "docker"):
            await client.delete_work_pool(name)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        dash = await jump(pilot, "dash", DashboardScreen)
        pools = dash.query_one("#dash-pools", DataTable)
        assert pools.row_count == 0 and str(pools.border_title) == "Work pools (none)"


async def test_dashboard_is_stale_when_the_api_is_unreachable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    monkeypatch.setenv("PREFECT_CLIENT_MAX_RETRIES", "0")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        for word, screen in (("dash", DashboardScreen), ("pools", WorkPoolsScreen)):
            await jump(pilot, word, screen)
            assert app.screen.query_one(StatusLine).has_class("stale")
            assert "API unreachable" in status_text(app)
        await jump(pilot, "deployments", DeploymentsScreen)
        assert "API unreachable" in status_text(app)


# -- keys and palette -------------------------------------------------------------------


def test_every_binding_of_these_screens_has_an_id() -> None:
    for screen in (DeploymentsScreen, DeploymentScreen, WorkPoolsScreen, WorkPoolScreen):
        for binding in screen.BINDINGS:
            assert isinstance(binding, Binding) and binding.id, (screen, binding)
    for binding in [*WorkQueueScreen.BINDINGS, *DashboardScreen.BINDINGS]:
        assert isinstance(binding, Binding) and binding.id


async def test_palette_offers_the_verbs_of_the_screen(work: SeededWork) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(pilot)
        await jump(pilot, "pools", WorkPoolsScreen)
        await pilot.press("ctrl+p")
        await type_text(pilot, "work-pool")
        await wait_for(pilot, lambda: "work-pool inspect" in palette_options(app))
        assert "prefect work-pool ls" in palette_options(app)


def test_schedule_windows_are_bounded() -> None:
    # a sanity check on the request sizes the screens rely on (the API refuses > 1,000)
    from prefect_console.ops import deployments, work_pools
    from prefect_console.tui.screens import dashboard

    assert deployments.NEXT_RUN_WINDOW <= 1000 and deployments.PAGE <= 1000
    assert work_pools.WORKER_LIMIT <= 1000 and dashboard.POOL_LIMIT <= work_pools.PAGE


async def test_next_runs_finds_a_run_beyond_the_shared_window(
    work: SeededWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deployment whose next run is not among the soonest scheduled ones still gets it."""
    from prefect.client.orchestration import get_client
    from prefect_console.ops import deployments as ops

    # one run fits the shared read (weekly's, due first); nightly's needs a read of its own
    monkeypatch.setattr(ops, "NEXT_RUN_WINDOW", 1)
    async with get_client() as client:
        listing = await ops.list_deployments(client)
        found = await ops.next_runs(client, listing.deployments)
    # backfill is paused and adhoc has no schedule: no next run
    expected = {work.weekly: "weekly-waiting", work.nightly: "nightly-waiting"}
    assert {key: run.name for key, run in found.items()} == expected

    # with a window that holds every scheduled run, one request answers for all
    monkeypatch.setattr(ops, "NEXT_RUN_WINDOW", 500)
    async with get_client() as client:
        reads = 0
        read = client.read_flow_runs

        async def counted(**kwargs: Any) -> Any:
            nonlocal reads
            reads += 1
            return await read(**kwargs)

        monkeypatch.setattr(client, "read_flow_runs", counted)
        found = await ops.next_runs(client, listing.deployments)
    assert {key: run.name for key, run in found.items()} == expected
    assert reads == 1
