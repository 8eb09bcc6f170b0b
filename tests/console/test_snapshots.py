"""The look of the console, pinned at 80x24 and 160x50 (pytest-textual-snapshot).

Update after an intended change with `pytest tests/console/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from prefect_console.tui.screens.confirm import ConfirmScreen
from prefect_console.tui.screens.flow_run import FlowRunScreen
from prefect_console.tui.screens.flows import FlowsScreen
from prefect_console.tui.screens.profiles import ProfilesScreen
from textual.pilot import Pilot

from tests.console.seed import Seeded
from tests.console.tui_helpers import (
    make_app,
    palette_options,
    pin_flow_times,
    settle,
    type_text,
    wait_for,
    wait_loaded,
)

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 50), id="160x50")]
SnapCompare = Callable[..., bool]
Steps = Callable[[Pilot[Any]], Awaitable[None]]


def shoot(snap_compare: SnapCompare, size: tuple[int, int], steps: Steps, **app: Any) -> bool:
    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_loaded(pilot)
        await steps(pilot)
        await settle(pilot)

    return snap_compare(make_app(**app), terminal_size=size, run_before=run_before)


async def nothing(pilot: Pilot[Any]) -> None:
    pass


async def open_nightly(pilot: Pilot[Any]) -> None:
    app = pilot.app
    await pilot.press("down", "down", "down", "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, FlowRunScreen) and app.screen.loaded)


@pytest.mark.parametrize("size", SIZES)
def test_runs_list(snap_compare: SnapCompare, sqlite_seeded: Seeded, size: tuple[int, int]) -> None:
    assert shoot(snap_compare, size, nothing)


@pytest.mark.parametrize("size", SIZES)
def test_runs_marked_filtered_sorted(
    snap_compare: SnapCompare, sqlite_seeded: Seeded, size: tuple[int, int]
) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await pilot.press("s", "slash")
        await type_text(pilot, "etl")
        await pilot.press("enter", "space")

    assert shoot(snap_compare, size, steps)


@pytest.mark.parametrize("size", SIZES)
def test_run_detail(
    snap_compare: SnapCompare, sqlite_seeded: Seeded, size: tuple[int, int]
) -> None:
    assert shoot(snap_compare, size, open_nightly)


@pytest.mark.parametrize("size", SIZES)
def test_run_timeline(
    snap_compare: SnapCompare, sqlite_seeded: Seeded, size: tuple[int, int]
) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await open_nightly(pilot)
        await pilot.press("b")

    assert shoot(snap_compare, size, steps)


@pytest.mark.parametrize("size", SIZES)
def test_log_search(
    snap_compare: SnapCompare, sqlite_seeded: Seeded, size: tuple[int, int]
) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await open_nightly(pilot)
        await pilot.press("slash")
        await type_text(pilot, "retrying")
        await pilot.press("enter")

    assert shoot(snap_compare, size, steps)


@pytest.mark.parametrize("size", SIZES)
def test_confirm_cancel(
    snap_compare: SnapCompare, sqlite_seeded: Seeded, size: tuple[int, int]
) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await pilot.press("down", "c")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))

    assert shoot(snap_compare, size, steps)


@pytest.mark.parametrize("size", SIZES)
def test_read_only(snap_compare: SnapCompare, sqlite_seeded: Seeded, size: tuple[int, int]) -> None:
    assert shoot(snap_compare, size, nothing, read_only=True)


@pytest.mark.parametrize("size", SIZES)
def test_flows(snap_compare: SnapCompare, sqlite_seeded: Seeded, size: tuple[int, int]) -> None:
    from prefect.settings import get_current_settings

    pin_flow_times(get_current_settings().server_database_connection_url)

    async def steps(pilot: Pilot[Any]) -> None:
        await pilot.press("F")
        await wait_for(
            pilot, lambda: isinstance(pilot.app.screen, FlowsScreen) and pilot.app.screen.loaded
        )

    assert shoot(snap_compare, size, steps)


@pytest.mark.parametrize("size", SIZES)
def test_profiles(
    snap_compare: SnapCompare, sqlite_seeded: Seeded, prefect_home: Path, size: tuple[int, int]
) -> None:
    (prefect_home / "profiles.toml").write_text(
        'active = "local"\n\n[profiles.local]\n\n'
        '[profiles.remote]\nPREFECT_API_URL = "http://prefect.example:4200/api"\n'
        'PREFECT_LOGGING_LEVEL = "DEBUG"\n'
    )

    async def steps(pilot: Pilot[Any]) -> None:
        await pilot.press("P")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ProfilesScreen))

    assert shoot(snap_compare, size, steps)


@pytest.mark.parametrize("size", SIZES)
def test_palette(snap_compare: SnapCompare, sqlite_seeded: Seeded, size: tuple[int, int]) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await pilot.press("ctrl+p")
        await type_text(pilot, "flow-run")
        # the palette searches in a worker of its own
        await wait_for(pilot, lambda: "flow-run delete" in palette_options(pilot.app))

    assert shoot(snap_compare, size, steps)


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare: SnapCompare, sqlite_seeded: Seeded, size: tuple[int, int]) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await pilot.press("question_mark")

    assert shoot(snap_compare, size, steps)


@pytest.mark.parametrize("size", SIZES)
def test_dashboard(snap_compare: SnapCompare, sqlite_seeded: Seeded, size: tuple[int, int]) -> None:
    from prefect_console.tui.screens.dashboard import DashboardScreen

    async def steps(pilot: Pilot[Any]) -> None:
        await pilot.press("D")
        await wait_for(
            pilot,
            lambda: isinstance(pilot.app.screen, DashboardScreen) and pilot.app.screen.loaded,
        )

    assert shoot(snap_compare, size, steps)
