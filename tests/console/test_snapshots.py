"""The look of the console, pinned at 80x24 and 160x48 (pytest-textual-snapshot).

Update after an intended change with `pytest tests/console/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from prefect_console.tui.screens.flow_run import FlowRunScreen
from textual.pilot import Pilot

from tests.console.seed import Seeded
from tests.console.tui_helpers import make_app, wait_for, wait_loaded

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]
SnapCompare = Callable[..., bool]


@pytest.mark.parametrize("size", SIZES)
def test_runs_list(snap_compare: SnapCompare, sqlite_seeded: Seeded, size: tuple[int, int]) -> None:
    async def loaded(pilot: Pilot[Any]) -> None:
        await wait_loaded(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=loaded)


@pytest.mark.parametrize("size", SIZES)
def test_run_detail(
    snap_compare: SnapCompare, sqlite_seeded: Seeded, size: tuple[int, int]
) -> None:
    async def open_run(pilot: Pilot[Any]) -> None:
        app = pilot.app
        await wait_loaded(pilot)
        await pilot.press("down", "down", "down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, FlowRunScreen) and app.screen.loaded)

    assert snap_compare(make_app(), terminal_size=size, run_before=open_run)
