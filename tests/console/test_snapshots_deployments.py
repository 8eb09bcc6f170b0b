"""The look of `:deployments`, `:pools` and the dashboard with work pools, pinned at 80x24
and 160x50 (pytest-textual-snapshot) over the seeded store of `seed_deployments`.

Update after an intended change with
`pytest tests/console/test_snapshots_deployments.py --snapshot-update`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from prefect_console.tui.screens.dashboard import DashboardScreen
from prefect_console.tui.screens.deployments import DeploymentScreen, DeploymentsScreen
from prefect_console.tui.screens.work_pools import WorkPoolScreen, WorkPoolsScreen, WorkQueueScreen
from textual.pilot import Pilot

from tests.console.seed_deployments import SeededWork, seed_all
from tests.console.tui_helpers import make_app, settle, type_text, wait_for, wait_loaded

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 50), id="160x50")]
SnapCompare = Callable[..., bool]
Steps = Callable[[Pilot[Any]], Awaitable[None]]


@pytest.fixture
def work(prefect_home: Path) -> SeededWork:
    from prefect.settings import get_current_settings

    return seed_all(get_current_settings().server_database_connection_url)


def shoot(snap_compare: SnapCompare, size: tuple[int, int], steps: Steps) -> bool:
    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_loaded(pilot)
        await steps(pilot)
        await settle(pilot)

    return snap_compare(make_app(), terminal_size=size, run_before=run_before)


def jump_to(word: str, screen: type[Any]) -> Steps:
    async def steps(pilot: Pilot[Any]) -> None:
        await pilot.press("colon")
        await type_text(pilot, word)
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: isinstance(pilot.app.screen, screen) and pilot.app.screen.loaded
        )

    return steps


async def open_nightly(pilot: Pilot[Any]) -> None:
    await jump_to("deployments", DeploymentsScreen)(pilot)
    await pilot.press("j", "enter")
    await wait_for(
        pilot,
        lambda: isinstance(pilot.app.screen, DeploymentScreen) and pilot.app.screen.loaded,
    )


async def open_local(pilot: Pilot[Any]) -> None:
    await jump_to("pools", WorkPoolsScreen)(pilot)
    await pilot.press("G", "enter")
    await wait_for(
        pilot, lambda: isinstance(pilot.app.screen, WorkPoolScreen) and pilot.app.screen.loaded
    )


@pytest.mark.parametrize("size", SIZES)
def test_deployments(snap_compare: SnapCompare, work: SeededWork, size: tuple[int, int]) -> None:
    assert shoot(snap_compare, size, jump_to("deployments", DeploymentsScreen))


@pytest.mark.parametrize("size", SIZES)
def test_deployment_detail(
    snap_compare: SnapCompare, work: SeededWork, size: tuple[int, int]
) -> None:
    assert shoot(snap_compare, size, open_nightly)


@pytest.mark.parametrize("size", SIZES)
def test_work_pools(snap_compare: SnapCompare, work: SeededWork, size: tuple[int, int]) -> None:
    assert shoot(snap_compare, size, jump_to("pools", WorkPoolsScreen))


@pytest.mark.parametrize("size", SIZES)
def test_work_pool_detail(
    snap_compare: SnapCompare, work: SeededWork, size: tuple[int, int]
) -> None:
    assert shoot(snap_compare, size, open_local)


@pytest.mark.parametrize("size", SIZES)
def test_work_queue_health(
    snap_compare: SnapCompare, work: SeededWork, size: tuple[int, int]
) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await open_local(pilot)
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: isinstance(pilot.app.screen, WorkQueueScreen) and pilot.app.screen.loaded,
        )

    assert shoot(snap_compare, size, steps)


@pytest.mark.parametrize("size", SIZES)
def test_dashboard_with_pools(
    snap_compare: SnapCompare, work: SeededWork, size: tuple[int, int]
) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await pilot.press("D")
        await wait_for(
            pilot,
            lambda: isinstance(pilot.app.screen, DashboardScreen) and pilot.app.screen.loaded,
        )

    assert shoot(snap_compare, size, steps)
