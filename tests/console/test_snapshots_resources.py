"""The look of the variables, artifacts, limits and events screens, and a run's artifacts,
pinned at 80x24 and 160x50 (pytest-textual-snapshot).

Update after an intended change with
`pytest tests/console/test_snapshots_resources.py --snapshot-update`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from prefect_console.tui.screens.artifacts import ArtifactBrowser, ArtifactsScreen
from prefect_console.tui.screens.concurrency_limits import ConcurrencyLimitsScreen
from prefect_console.tui.screens.events import EventsScreen
from prefect_console.tui.screens.flow_run import FlowRunScreen
from prefect_console.tui.screens.variables import VariablesScreen
from textual.pilot import Pilot

from tests.console.seed import Seeded
from tests.console.seed_resources import (
    SeededResources,
    drop_other_events,
    pin_resource_times,
    seed_resources,
)
from tests.console.tui_helpers import make_app, settle, type_text, wait_for, wait_loaded

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 50), id="160x50")]
SnapCompare = Callable[..., bool]
Steps = Callable[[Pilot[Any]], Awaitable[None]]


@pytest.fixture
def resources(sqlite_seeded: Seeded) -> SeededResources:
    from prefect.settings import get_current_settings

    seeded = seed_resources()
    url = get_current_settings().server_database_connection_url
    pin_resource_times(url)
    drop_other_events(url, seeded)
    return seeded


def shoot(snap_compare: SnapCompare, size: tuple[int, int], steps: Steps) -> bool:
    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_loaded(pilot)
        await steps(pilot)
        await settle(pilot)

    return snap_compare(make_app(), terminal_size=size, run_before=run_before)


def loaded(screen: object) -> bool:
    return bool(getattr(screen, "loaded", False))


async def jump(pilot: Pilot[Any], name: str, screen: type) -> None:
    await pilot.press("colon")
    await type_text(pilot, name)
    await pilot.press("enter")
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, screen) and loaded(app.screen))


@pytest.mark.parametrize("size", SIZES)
def test_variables(
    snap_compare: SnapCompare, resources: SeededResources, size: tuple[int, int]
) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await jump(pilot, "variables", VariablesScreen)

    assert shoot(snap_compare, size, steps)


@pytest.mark.parametrize("size", SIZES)
def test_variable_inspect(
    snap_compare: SnapCompare, resources: SeededResources, size: tuple[int, int]
) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await jump(pilot, "var", VariablesScreen)
        await pilot.press("G", "enter")  # etl_config: a JSON object

    assert shoot(snap_compare, size, steps)


@pytest.mark.parametrize("size", SIZES)
def test_artifacts(
    snap_compare: SnapCompare, resources: SeededResources, size: tuple[int, int]
) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await jump(pilot, "artifacts", ArtifactsScreen)

    assert shoot(snap_compare, size, steps)


async def open_artifact(pilot: Pilot[Any], row: int) -> None:
    await jump(pilot, "art", ArtifactsScreen)
    await pilot.press(*["down"] * row, "enter")
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, ArtifactBrowser) and loaded(app.screen))


@pytest.mark.parametrize("size", SIZES)
def test_artifact_markdown(
    snap_compare: SnapCompare, resources: SeededResources, size: tuple[int, int]
) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await open_artifact(pilot, 2)  # nightly-report: two versions, markdown

    assert shoot(snap_compare, size, steps)


@pytest.mark.parametrize("size", SIZES)
def test_artifact_table(
    snap_compare: SnapCompare, resources: SeededResources, size: tuple[int, int]
) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await open_artifact(pilot, 3)  # row-counts

    assert shoot(snap_compare, size, steps)


@pytest.mark.parametrize("size", SIZES)
def test_run_artifacts(
    snap_compare: SnapCompare, resources: SeededResources, size: tuple[int, int]
) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        app = pilot.app
        await pilot.press("down", "down", "down", "enter")  # nightly-etl
        await wait_for(pilot, lambda: isinstance(app.screen, FlowRunScreen) and loaded(app.screen))

    assert shoot(snap_compare, size, steps)


@pytest.mark.parametrize("size", SIZES)
def test_run_artifact_progress(
    snap_compare: SnapCompare, resources: SeededResources, size: tuple[int, int]
) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        app = pilot.app
        await pilot.press("down", "down", "down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, FlowRunScreen) and loaded(app.screen))
        await pilot.press("a")
        await wait_for(
            pilot, lambda: isinstance(app.screen, ArtifactBrowser) and loaded(app.screen)
        )
        await pilot.press("down", "down", "down")  # report, row counts, docs link, progress

    assert shoot(snap_compare, size, steps)


@pytest.mark.parametrize("size", SIZES)
def test_limits(
    snap_compare: SnapCompare, resources: SeededResources, size: tuple[int, int]
) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await jump(pilot, "limits", ConcurrencyLimitsScreen)

    assert shoot(snap_compare, size, steps)


@pytest.mark.parametrize("size", SIZES)
def test_events_embedded(
    snap_compare: SnapCompare, resources: SeededResources, size: tuple[int, int]
) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await jump(pilot, "events", EventsScreen)

    assert shoot(snap_compare, size, steps)
