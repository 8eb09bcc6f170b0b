"""Driving the console app in tests: wait on conditions, never on the clock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prefect_console.tui.app import ConsoleApp
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable

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


def notices(app: App[None]) -> list[str]:
    """The notices on screen now (toasts), newest last."""
    return [str(n.message) for n in app._notifications]


def rows_of(table: DataTable[Any]) -> list[list[str]]:
    return [
        [str(getattr(cell, "plain", cell)) for cell in table.get_row_at(i)]
        for i in range(table.row_count)
    ]


async def type_text(pilot: Pilot[None], text: str) -> None:
    await pilot.press(*[{" ": "space", "/": "slash", ":": "colon"}.get(c, c) for c in text])


def palette_options(app: App[None]) -> str:
    """The prompts listed by the command palette on screen ("" when none)."""
    from textual.widgets import OptionList

    found = app.screen.query(OptionList)
    if not found:
        return ""
    options = found.first()
    return "\n".join(
        str(options.get_option_at_index(i).prompt) for i in range(options.option_count)
    )


def pin_flow_times(database_url: str) -> None:
    """Give every flow a fixed creation time (the seed pins runs only), in name order."""
    import asyncio
    from datetime import timedelta

    from tests.console.seed import BASE_TIME

    async def pin() -> None:
        import sqlalchemy as sa
        from prefect_server.database.engine import Database
        from prefect_server.database.orm import Flow

        db = Database(database_url)
        try:
            async with db.write() as session:
                flows = (await session.execute(sa.select(Flow).order_by(Flow.name))).scalars()
                for index, flow in enumerate(flows.all()):
                    flow.created = BASE_TIME - timedelta(days=1, minutes=index)
        finally:
            await db.dispose()

    asyncio.run(pin())


async def settle(pilot: Pilot[None]) -> None:
    """Wait until every table on screen has measured its rows, then one more refresh.

    A DataTable sizes its columns on the next idle after rows arrive; a picture taken
    before that shows header-width columns (seen under load), so snapshots wait for it.
    """

    def measured() -> bool:
        tables = pilot.app.screen.query(DataTable)
        return all(not table._require_update_dimensions for table in tables)

    await wait_for(pilot, measured)
    await pilot.pause()
