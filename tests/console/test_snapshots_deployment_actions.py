"""The look of the run form, the backfill's dry-run question and a deployment's schedules,
pinned at 80x24 and 160x50 (pytest-textual-snapshot) over the seeded store of
`seed_deployments`.

Update after an intended change with
`pytest tests/console/test_snapshots_deployment_actions.py --snapshot-update`.
"""

from __future__ import annotations

from typing import Any

import pytest
from prefect_console.tui.screens.confirm import ConfirmScreen
from prefect_console.tui.screens.deployment_actions import SchedulesScreen
from prefect_console.tui.screens.deployment_run_form import RunFormScreen
from prefect_console.tui.screens.deployments import DeploymentScreen, DeploymentsScreen
from textual.pilot import Pilot

from tests.console.seed_deployments import SeededWork
from tests.console.test_snapshots_deployments import SIZES, SnapCompare, jump_to, shoot, work
from tests.console.tui_helpers import type_text, wait_for

__all__ = ["work"]  # the fixture, imported


async def on_nightly(pilot: Pilot[Any]) -> None:
    await jump_to("deployments", DeploymentsScreen)(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, DeploymentsScreen)
    names = [screen._names.get(str(key.value)) for key in screen.table.rows]
    screen.table.move_cursor(row=names.index("etl/nightly"))
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_run_form(snap_compare: SnapCompare, work: SeededWork, size: tuple[int, int]) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await on_nightly(pilot)
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, RunFormScreen))

    assert shoot(snap_compare, size, steps)


@pytest.mark.parametrize("size", SIZES)
def test_confirm_backfill(
    snap_compare: SnapCompare, work: SeededWork, size: tuple[int, int]
) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await on_nightly(pilot)
        await pilot.press("b")
        await type_text(pilot, "2024-04-01T00:00 2024-04-01T02:30")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))

    assert shoot(snap_compare, size, steps)


@pytest.mark.parametrize("size", SIZES)
def test_schedules(snap_compare: SnapCompare, work: SeededWork, size: tuple[int, int]) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await on_nightly(pilot)
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: isinstance(pilot.app.screen, DeploymentScreen) and pilot.app.screen.loaded,
        )
        await pilot.press("S")
        await wait_for(
            pilot,
            lambda: isinstance(pilot.app.screen, SchedulesScreen) and pilot.app.screen.loaded,
        )

    assert shoot(snap_compare, size, steps)
