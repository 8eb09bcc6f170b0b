"""The look of a pool's preview and of the question before deleting a pool, pinned at 80x24
and 160x50 (pytest-textual-snapshot) over the seeded store of `seed_deployments`.

Update after an intended change with
`pytest tests/console/test_snapshots_work_pool_actions.py --snapshot-update`.
"""

from __future__ import annotations

from typing import Any

import pytest
from prefect_console.tui.screens.confirm import ConfirmScreen
from prefect_console.tui.screens.work_pool_actions import PoolPreviewScreen
from prefect_console.tui.screens.work_pools import WorkPoolsScreen
from textual.pilot import Pilot

from tests.console.seed_deployments import SeededWork
from tests.console.test_snapshots_deployments import SIZES, SnapCompare, jump_to, shoot, work
from tests.console.tui_helpers import wait_for

__all__ = ["work"]  # the fixture, imported


async def on_local(pilot: Pilot[Any]) -> None:
    await jump_to("pools", WorkPoolsScreen)(pilot)
    await pilot.press("G")


@pytest.mark.parametrize("size", SIZES)
def test_pool_preview(snap_compare: SnapCompare, work: SeededWork, size: tuple[int, int]) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await on_local(pilot)
        await pilot.press("v")
        await wait_for(
            pilot,
            lambda: isinstance(pilot.app.screen, PoolPreviewScreen) and pilot.app.screen.loaded,
        )

    assert shoot(snap_compare, size, steps)


@pytest.mark.parametrize("size", SIZES)
def test_confirm_pool_delete(
    snap_compare: SnapCompare, work: SeededWork, size: tuple[int, int]
) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await on_local(pilot)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))

    assert shoot(snap_compare, size, steps)
