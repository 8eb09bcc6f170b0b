"""Driving the TUI: filter, sort, `:` jumps, the palette, profiles, help, Esc back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect_console.tui.screens.flow_runs import FlowRunsScreen
from prefect_console.tui.screens.flows import FlowsScreen
from prefect_console.tui.screens.profiles import ProfilesScreen
from prefect_console.tui.widgets import ContextBar, StatusLine
from textual.command import CommandPalette
from textual.widgets import DataTable

from tests.console.seed import Seeded
from tests.console.tui_helpers import (
    make_app,
    palette_options,
    rows_of,
    type_text,
    wait_for,
    wait_loaded,
)


def names(screen: FlowRunsScreen) -> list[str]:
    return [row[1] for row in rows_of(screen.table)]


def context(app: object) -> str:
    return str(app.screen.query_one(ContextBar).render())  # type: ignore[attr-defined]


async def test_slash_filters_rows_and_esc_clears(sqlite_seeded: Seeded) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        runs = app.screen
        assert isinstance(runs, FlowRunsScreen)
        await pilot.press("slash")
        await type_text(pilot, "etl")
        assert names(runs) == ["broken-etl", "nightly-etl"]  # narrows while typing
        await pilot.press("enter")
        assert names(runs) == ["broken-etl", "nightly-etl"]
        assert "filter /etl (2 of 4" in str(runs.query_one(StatusLine).render())
        await pilot.press("slash", "ctrl+u")
        await type_text(pilot, "failed")  # state words match too
        await pilot.press("enter")
        assert names(runs) == ["broken-etl"]
        await pilot.press("escape")
        assert len(names(runs)) == 4
        assert isinstance(app.screen, FlowRunsScreen)


async def test_sort_keys_and_header_click_change_the_order(sqlite_seeded: Seeded) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        runs = app.screen
        assert isinstance(runs, FlowRunsScreen)
        await pilot.press("s")  # by state, here
        states = [row[0] for row in rows_of(runs.table)]
        assert states == ["Completed", "Failed", "Running", "Scheduled"]
        assert "▲" in str(runs.table.columns[next(iter(runs.table.columns))].label)
        await pilot.press("S")
        assert [row[0] for row in rows_of(runs.table)] == states[::-1]
        runs.loaded = False
        await pilot.press("s")  # by name, on the server
        await wait_for(pilot, lambda: runs.loaded)
        assert names(runs) == ["broken-etl", "later-report", "nightly-etl", "weekly-report"]
        runs.loaded = False
        await pilot.click("#runs", offset=(16, 0))  # the Name header again: reversed
        await wait_for(pilot, lambda: runs.loaded)
        assert names(runs) == ["weekly-report", "nightly-etl", "later-report", "broken-etl"]


async def test_jk_and_g_move_the_cursor(sqlite_seeded: Seeded) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        table = app.screen.query_one("#runs")
        await pilot.press("j", "j")
        assert table.cursor_row == 2  # type: ignore[attr-defined]
        await pilot.press("k")
        assert table.cursor_row == 1  # type: ignore[attr-defined]
        await pilot.press("G")
        assert table.cursor_row == 3  # type: ignore[attr-defined]
        await pilot.press("g")
        assert table.cursor_row == 0  # type: ignore[attr-defined]


async def test_colon_jumps_to_flows_and_esc_comes_back(sqlite_seeded: Seeded) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("colon")
        await type_text(pilot, "flows")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, FlowsScreen) and app.screen.loaded)
        flows = app.screen
        assert isinstance(flows, FlowsScreen)
        assert sorted(row[0] for row in rows_of(flows.table)) == ["etl", "report"]
        assert context(app).endswith("runs > flows")
        await pilot.press("escape")
        assert isinstance(app.screen, FlowRunsScreen)
        assert context(app).endswith("runs")
        await pilot.press("F")
        await wait_for(pilot, lambda: isinstance(app.screen, FlowsScreen))
        etl = [row[0] for row in rows_of(app.screen.table)].index("etl")  # type: ignore[attr-defined]
        app.screen.table.move_cursor(row=etl)  # type: ignore[attr-defined]
        await pilot.press("enter")  # the runs of that flow
        runs = app.screen
        assert isinstance(runs, FlowRunsScreen)
        assert names(runs) == ["broken-etl", "nightly-etl"]


async def test_colon_logs_opens_the_cursor_runs_logs(sqlite_seeded: Seeded) -> None:
    from prefect_console.tui.screens.flow_run import FlowRunScreen
    from textual.widgets import Log

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("G", "colon")
        await type_text(pilot, "logs")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, FlowRunScreen) and app.screen.loaded)
        assert app.screen.flow_run_id == sqlite_seeded.nightly  # type: ignore[attr-defined]
        assert isinstance(app.focused, Log)
        assert context(app).endswith("runs > nightly-etl")


async def test_palette_lists_actions_and_runs_one(sqlite_seeded: Seeded) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await type_text(pilot, "flow ls")
        await wait_for(pilot, lambda: "prefect flow ls" in palette_options(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, FlowsScreen))


async def test_help_lists_the_screens_keys(sqlite_seeded: Seeded) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("question_mark")
        text = str(app.screen.rows)  # type: ignore[attr-defined]
        for expected in ("Cancel", "Retry", "Delete", "Filter", "Sort", "Jump", "Mark"):
            assert expected in text


@pytest.fixture
def two_profiles(prefect_home: Path) -> Iterator[Path]:
    import prefect.settings

    path = prefect_home / "profiles.toml"
    path.write_text(
        'active = "local"\n\n[profiles.local]\n\n'
        '[profiles.remote]\nPREFECT_API_URL = "http://127.0.0.1:9/api"\n'
        "PREFECT_CLIENT_MAX_RETRIES = 0\n"
    )
    yield path
    prefect.settings.use_profile(None)  # the switch is process-wide, as `--profile` is


async def test_switching_profile_reconnects_and_updates_the_context_bar(
    sqlite_seeded: Seeded, two_profiles: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        assert "profile local" in context(app)
        await pilot.press("P")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfilesScreen))
        profiles = app.screen
        assert isinstance(profiles, ProfilesScreen)
        assert [row[:2] for row in rows_of(profiles.table)] == [["●", "local"], ["", "remote"]]
        await pilot.press("j", "ctrl+o")
        await wait_for(pilot, lambda: "profile remote" in context(app))
        assert "API http://127.0.0.1:9/api" in context(app)
        assert [row[:2] for row in rows_of(profiles.table)] == [["", "local"], ["●", "remote"]]
        assert 'active = "remote"' in two_profiles.read_text()
        await pilot.press("escape")
        runs = app.screen
        assert isinstance(runs, FlowRunsScreen)
        # the runs screen asked the new API, which does not answer: old rows, marked stale
        await wait_for(pilot, lambda: runs.query_one(StatusLine).has_class("stale"))
        assert "API unreachable" in str(runs.query_one(StatusLine).render())
        assert "profile remote" in context(app)


async def test_dashboard_counts_runs_by_state_and_lists_failures(sqlite_seeded: Seeded) -> None:
    from prefect_console.tui.screens.dashboard import DashboardScreen
    from prefect_console.tui.screens.flow_run import FlowRunScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("colon")
        await type_text(pilot, "dash")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.screen.loaded)
        dash = app.screen
        assert isinstance(dash, DashboardScreen) and dash.overview is not None
        totals = {label: sum(values) for label, values in dash.overview.counts.items()}
        # the three runs that started in the last hour; the scheduled one is in two hours
        assert totals == {"Completed": 1, "Failed": 1, "Running": 1, "Cancelled": 0, "Scheduled": 0}
        assert dash.overview.counts["Failed"][-1] == 1
        assert [row[1] for row in rows_of(dash.query_one("#failures", DataTable))] == ["broken-etl"]
        assert rows_of(dash.query_one("#late", DataTable)) == []
        dash.query_one("#failures", DataTable).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, FlowRunScreen))
        assert app.screen.flow_run_id == sqlite_seeded.broken  # type: ignore[attr-defined]
        assert context(app).endswith("runs > dash > broken-etl")
