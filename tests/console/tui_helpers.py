"""Driving the console app in tests: wait on conditions, never on the clock."""

from __future__ import annotations

from collections.abc import Callable

from prefect_console.tui.app import ConsoleApp
from textual.pilot import Pilot

from tests.console.seed import FROZEN_NOW


def make_app(**kwargs: object) -> ConsoleApp:
    """The app with a frozen clock and no timed refresh (tests refresh on purpose)."""
    kwargs.setdefault("clock", lambda: FROZEN_NOW)
    kwargs.setdefault("refresh_seconds", 3600.0)
    return ConsoleApp(**kwargs)  # type: ignore[arg-type]


async def wait_for(pilot: Pilot[None], condition: Callable[[], bool], steps: int = 400) -> None:
    """Let the app work until `condition` holds (fails after `steps` event-loop turns)."""
    for _ in range(steps):
        if condition():
            await pilot.pause()
            return
        await pilot.pause(0.02)
    raise AssertionError("the app never reached the expected state")


async def wait_loaded(pilot: Pilot[None]) -> None:
    screen = pilot.app.screen
    await wait_for(pilot, lambda: bool(getattr(pilot.app.screen, "loaded", False)))
    assert pilot.app.screen is screen or getattr(pilot.app.screen, "loaded", False)
