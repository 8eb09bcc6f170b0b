"""Regenerate the console's screenshots (`make screenshots`).

Runs a few real flows with the SDK in a throw-away PREFECT_HOME (the embedded store),
pins their times and names so the pictures do not change from one run to the next, then
drives `prefect ui` headless and saves SVGs at 80x24 and 160x50 into screenshots/: the
runs list, a confirm dialog, the command palette, a run with its logs and its timeline, a
log search, a run with a subflow, the flows, the profiles and the dashboard. Then work
pools and deployments are added (`tests/console/seed_deployments`) for a second pass: the
dashboard again (with pool health and upcoming runs), the deployments and a deployment, the
work pools and a work pool. Run ids are random, so the run screen's `id` line is the one
thing that differs between regenerations.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "screenshots"
SIZES = [(80, 24), (160, 50)]


def run_flows() -> None:
    from prefect.flows import flow
    from prefect.logging import get_run_logger
    from prefect.tasks import task

    @task
    def extract(day: str) -> list[int]:
        get_run_logger().info("[INFO] reading rows for %s", day)
        return [1, 2, 3]

    @task
    def transform(rows: list[int]) -> list[int]:
        if not rows:
            raise ValueError("no rows")
        return [r * 10 for r in rows]

    @task
    def load(rows: list[int]) -> int:
        get_run_logger().warning("slow load\n  retrying in 1s")
        return len(rows)

    @flow(name="etl", flow_run_name="nightly-etl", log_prints=True)
    def etl(day: str = "2024-05-01") -> int:
        loaded = load(transform(extract(day)))
        print(f"loaded {loaded} rows")
        return loaded

    @flow(name="etl", flow_run_name="broken-etl")
    def broken_etl(day: str = "2024-04-30") -> int:
        return len(transform([]))

    sys.path.insert(0, str(ROOT / "examples"))
    from hello_flow import hello_flow  # type: ignore[import-not-found]

    hello_flow.with_options(flow_run_name="hello-world")()
    try:
        broken_etl()
    except ValueError as exc:  # failing is this flow's job: its Failed run is what we want
        print(f"(broken-etl failed as intended: {exc})")
    etl()


async def name_subflows() -> None:
    """Subflows get random names; give them fixed ones so the pictures stay the same."""
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        for index, run in enumerate(await client.read_flow_runs()):
            if run.parent_task_run_id is not None:
                await client.update_flow_run(run.id, name=f"subflow-{index}")


async def shoot(width: int, height: int) -> None:
    from prefect_console.tui.app import ConsoleApp
    from prefect_console.tui.screens.confirm import ConfirmScreen
    from prefect_console.tui.screens.dashboard import DashboardScreen
    from prefect_console.tui.screens.flow_run import FlowRunScreen
    from prefect_console.tui.screens.flows import FlowsScreen
    from prefect_console.tui.screens.profiles import ProfilesScreen

    from tests.console.seed import FROZEN_NOW
    from tests.console.tui_helpers import palette_options, type_text, wait_for, wait_loaded

    size = f"{width}x{height}"
    app = ConsoleApp(clock=lambda: FROZEN_NOW, refresh_seconds=3600)
    async with app.run_test(size=(width, height)) as pilot:

        def save(name: str) -> None:
            app.save_screenshot(str(OUT / f"{name}_{size}.svg"))

        await wait_loaded(pilot)
        save("flow_runs")
        await pilot.press("d")  # every run here is finished: delete is what applies
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        save("confirm_delete")
        await pilot.press("n", "ctrl+p")
        await type_text(pilot, "flow-run")
        await wait_for(pilot, lambda: "flow-run delete" in palette_options(app))
        save("command_palette")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, FlowRunScreen) and app.screen.loaded)
        save("flow_run")
        await pilot.press("b")  # the task runs as a timeline, then back to the table
        await pilot.pause()
        save("flow_run_timeline")
        await pilot.press("b")
        await pilot.press("slash")
        await type_text(pilot, "rows")
        await pilot.press("enter")
        save("log_search")
        await pilot.press("escape")
        await pilot.press("escape", "down", "down", "down", "enter")  # hello-world
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, FlowRunScreen)
                and app.screen.loaded
                and app.screen.crumb_label == "hello-world"
            ),
        )
        save("flow_run_subflows")
        await pilot.press("F")
        await wait_for(pilot, lambda: isinstance(app.screen, FlowsScreen) and app.screen.loaded)
        save("flows")
        await pilot.press("P")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfilesScreen) and app.screen.loaded)
        save("profiles")
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.screen.loaded)
        save("dashboard")
        await pilot.press("q")


async def shoot_work(width: int, height: int) -> None:
    """The screens of deployments and work pools, once they are seeded."""
    from functools import partial
    from typing import Any

    from prefect_console.tui.app import ConsoleApp
    from prefect_console.tui.screens.dashboard import DashboardScreen
    from prefect_console.tui.screens.deployments import DeploymentScreen, DeploymentsScreen
    from prefect_console.tui.screens.work_pools import WorkPoolScreen, WorkPoolsScreen

    from tests.console.seed import FROZEN_NOW
    from tests.console.tui_helpers import type_text, wait_for, wait_loaded

    size = f"{width}x{height}"
    app = ConsoleApp(clock=lambda: FROZEN_NOW, refresh_seconds=3600)
    async with app.run_test(size=(width, height)) as pilot:

        def shown(screen: type[Any]) -> bool:
            return isinstance(app.screen, screen) and bool(getattr(app.screen, "loaded", False))

        await wait_loaded(pilot)
        await pilot.press("D")
        await wait_for(pilot, lambda: shown(DashboardScreen))
        app.save_screenshot(str(OUT / f"dashboard_{size}.svg"))
        steps: list[tuple[str, type[Any], str, str, type[Any], str]] = [
            ("deployments", DeploymentsScreen, "deployments", "j", DeploymentScreen, "deployment"),
            ("pools", WorkPoolsScreen, "work_pools", "G", WorkPoolScreen, "work_pool"),
        ]
        for word, listing, name, key, detail, detail_name in steps:
            await pilot.press("colon")
            await type_text(pilot, word)
            await pilot.press("enter")
            await wait_for(pilot, partial(shown, listing))
            app.save_screenshot(str(OUT / f"{name}_{size}.svg"))
            await pilot.press(key, "enter")  # etl/nightly; the pool `local`
            await wait_for(pilot, partial(shown, detail))
            app.save_screenshot(str(OUT / f"{detail_name}_{size}.svg"))
        await pilot.press("q")


def main() -> None:
    home = tempfile.mkdtemp(prefix="prefect-screenshots-")
    os.environ["PREFECT_HOME"] = home
    for name in ("PREFECT_API_URL", "PREFECT_PROFILE", "PREFECT_SERVER_DATABASE_CONNECTION_URL"):
        os.environ.pop(name, None)
    os.environ["TZ"] = "UTC"
    time.tzset()
    sys.path.insert(0, str(ROOT))
    run_flows()
    asyncio.run(name_subflows())
    from prefect.settings import get_current_settings

    from tests.console.seed import pin_times
    from tests.console.tui_helpers import pin_flow_times

    pin_times(get_current_settings().server_database_connection_url, names=None)
    pin_flow_times(get_current_settings().server_database_connection_url)
    Path(home, "profiles.toml").write_text(
        'active = "local"\n\n[profiles.local]\n\n'
        '[profiles.staging]\nPREFECT_API_URL = "http://prefect-staging:4200/api"\n'
    )
    OUT.mkdir(exist_ok=True)
    for width, height in SIZES:
        asyncio.run(shoot(width, height))
    from tests.console.seed_deployments import pin_work, seed_work

    seed_work()
    pin_work(get_current_settings().server_database_connection_url)
    for width, height in SIZES:
        asyncio.run(shoot_work(width, height))
    for path in sorted(OUT.glob("*.svg")):
        print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
