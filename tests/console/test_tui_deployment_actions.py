"""Driving the actions of `:deployments` and of a deployment's screen (Pilot) against the
seeded store of `seed_deployments`: run with the parameter form, pause/resume, backfill
with its dry run, delete with confirmation, a schedule's pause/resume, cancel a run. Each
checks the store afterwards, through the client; the form's reading is unit-tested too."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect_console.ops.present_work import schedule_text
from prefect_console.tui.screens.confirm import ConfirmScreen
from prefect_console.tui.screens.deployment_actions import SchedulesScreen, parse_window
from prefect_console.tui.screens.deployment_run_form import RunFormScreen, read_form
from prefect_console.tui.screens.deployments import DeploymentScreen, DeploymentsScreen
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from tests.console.seed_deployments import SeededWork, seed_all
from tests.console.test_tui_deployments import jump
from tests.console.test_tui_work_pool_actions import answer
from tests.console.tui_helpers import make_app, notices, rows_of, wait_for, wait_loaded

SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Parameters",
    "properties": {
        "day": {"type": "string", "title": "day", "position": 0},
        "limit": {"type": "integer", "default": 10, "position": 1},
        "ratio": {"anyOf": [{"type": "number"}, {"type": "null"}], "default": None},
        "dry": {"type": "boolean", "default": False},
        "names": {"type": "array", "items": {"type": "string"}, "default": ["a"]},
        "mode": {"enum": ["fast", "slow"], "type": "string", "default": "fast"},
    },
    "required": ["day"],
}


@pytest.fixture
def work(prefect_home: Path) -> SeededWork:
    from prefect.settings import get_current_settings

    return seed_all(get_current_settings().server_database_connection_url)


# -- the form's reading -----------------------------------------------------------------


def test_read_form_reads_each_type_and_leaves_empty_optional_values_out() -> None:
    texts = {"day": "2026-03-08", "limit": "7", "ratio": "", "dry": "yes",
             "names": '["x", "y"]', "mode": "slow"}  # fmt: skip
    parameters, problems = read_form(SCHEMA, texts)
    assert problems == []
    assert parameters == {"day": "2026-03-08", "limit": 7, "dry": True, "names": ["x", "y"],
                          "mode": "slow"}  # fmt: skip
    assert read_form(SCHEMA, {"day": "d", "ratio": "0.5"})[0]["ratio"] == 0.5
    assert read_form(SCHEMA, {"day": "d", "ratio": "null"})[0]["ratio"] is None
    # parameters the schema does not type: JSON when they read as JSON, else text
    assert read_form({}, {"day": "2024-05-01", "limit": "100", "tags": '["a"]'}) == (
        {"day": "2024-05-01", "limit": 100, "tags": ["a"]},
        [],
    )


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("limit", "seven", "limit: expected a whole number"),
        ("limit", "1.5", "limit: expected a whole number"),
        ("dry", "maybe", "dry: expected true or false"),
        ("names", '{"a": 1}', "names: expected a JSON array"),
        ("names", "[unclosed", "names: expected JSON (array)"),
        ("mode", "medium", "mode: expected one of fast, slow"),
        ("ratio", "lots", "ratio: expected a number or expected null"),
        ("day", "", "day: required"),
    ],
)
def test_read_form_names_each_bad_value(name: str, text: str, problem: str) -> None:
    texts = {"day": "2026-03-08", name: text}
    _parameters, problems = read_form(SCHEMA, texts)
    assert problems == [problem]


def test_parse_window_reads_iso_bounds_naive_as_utc() -> None:
    start, end = parse_window("2024-05-01T09:00 2024-05-01T11:00+02:00")
    assert start == datetime(2024, 5, 1, 9, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2024, 5, 1, 9, tzinfo=UTC)
    for bad in ("2024-05-01", "yesterday today", "2024-05-02 2024-05-01"):
        with pytest.raises(Exception):  # noqa: B017 - ConsoleError, shown as a notice
            parse_window(bad)


def test_detail_views_name_the_utc_default_zone() -> None:
    from prefect.schemas.schedules import CronSchedule, IntervalSchedule

    assert schedule_text(CronSchedule(cron="0 * * * *"), always_zone=True) == "cron 0 * * * * (UTC)"
    assert schedule_text(CronSchedule(cron="0 * * * *")) == "cron 0 * * * *"
    every = IntervalSchedule(interval=timedelta(hours=1), timezone="America/New_York")
    assert schedule_text(every, always_zone=True) == "every 1h (America/New_York)"


# -- helpers ----------------------------------------------------------------------------


async def deployment(name: str) -> Any:
    from prefect.exceptions import ObjectNotFound

    flow, _, dep = name.partition("/")
    async with get_client() as client:
        try:
            return await client.read_deployment_by_name(f"{flow}/{dep}")
        except ObjectNotFound:
            return None


async def runs_of(deployment_id: uuid.UUID) -> list[Any]:
    async with get_client() as client:
        runs = await client.read_flow_runs(limit=200)
    return [run for run in runs if run.deployment_id == deployment_id]


async def add_form_deployment() -> uuid.UUID:
    async with get_client() as client:
        flow = await client.read_flow_by_name("etl")
        return await client.create_deployment(
            flow.id,
            "form",
            parameters={"day": "2024-05-01", "limit": 3},
            parameter_openapi_schema=SCHEMA,
            enforce_parameter_schema=True,
        )


async def deployments_at(pilot: Pilot[Any], name: str) -> DeploymentsScreen:
    await wait_loaded(pilot)
    screen: DeploymentsScreen = await jump(pilot, "deployments", DeploymentsScreen)
    keys = [k for k, n in screen._names.items() if n == name]
    names = [screen._names.get(str(key.value)) for key in screen.table.rows]
    assert keys, f"{name} not listed"
    screen.table.move_cursor(row=names.index(name))
    await pilot.pause()
    return screen


# -- the list of deployments ------------------------------------------------------------


async def test_run_with_the_form_refuses_a_bad_value_then_creates_the_run(
    work: SeededWork,
) -> None:
    form_id = await add_form_deployment()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await deployments_at(pilot, "etl/form")
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, RunFormScreen))
        form = app.screen
        assert isinstance(form, RunFormScreen)
        # the deployment's own values first, else the schema's defaults
        assert form.texts() == {"day": "2024-05-01", "limit": "3", "ratio": "", "dry": "false",
                                "names": '["a"]', "mode": "fast"}  # fmt: skip
        form.query_one("#param-1", Input).value = "lots"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: any("limit: expected a whole number" in n
                                          for n in notices(app)))  # fmt: skip
        assert app.screen is form  # still open: nothing was sent
        assert await runs_of(form_id) == []
        form.query_one("#param-1", Input).value = "7"
        form.query_one("#param-3", Input).value = "true"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: any("Created flow run" in n for n in notices(app)))
        [run] = await runs_of(form_id)
        assert run.parameters == {"day": "2024-05-01", "limit": 7, "dry": True, "names": ["a"],
                                  "mode": "fast"}  # fmt: skip
        assert (app.last_command or "").startswith("prefect deployment run etl/form --param")


async def test_escape_on_the_form_runs_nothing(work: SeededWork) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await deployments_at(pilot, "etl/nightly")
        before = len(await runs_of(work.nightly))
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, RunFormScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DeploymentsScreen))
        assert len(await runs_of(work.nightly)) == before


async def test_pause_and_resume_the_deployment_under_the_cursor(work: SeededWork) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await deployments_at(pilot, "etl/nightly")
        await pilot.press("p")
        await wait_for(pilot, lambda: any("Paused deployment" in n for n in notices(app)))
        assert (await deployment("etl/nightly")).paused
        assert app.last_command == "prefect deployment pause etl/nightly"
        await wait_for(pilot, lambda: screen.deployments[str(work.nightly)].paused)
        await pilot.press("p")
        await wait_for(pilot, lambda: any("Resumed deployment" in n for n in notices(app)))
        assert not (await deployment("etl/nightly")).paused


async def test_delete_asks_first_and_keep_keeps_it(work: SeededWork) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await deployments_at(pilot, "report/adhoc")
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is screen)
        assert await deployment("report/adhoc") is not None
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: any("Deleted deployment" in n for n in notices(app)))
        assert await deployment("report/adhoc") is None
        await wait_for(pilot, lambda: "report/adhoc" not in screen._names.values())


async def test_backfill_previews_the_dates_then_creates_them_once(work: SeededWork) -> None:
    app = make_app()
    window = "2024-04-01T00:00 2024-04-01T02:30"
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await deployments_at(pilot, "etl/nightly")
        before = len(await runs_of(work.nightly))
        await pilot.press("b")
        await answer(pilot, window)
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        # the dry run made nothing yet
        assert len(await runs_of(work.nightly)) == before
        assert "--dry-run" in (app.last_command or "")
        await pilot.press("y")
        await wait_for(pilot, lambda: any("Backfilled" in n for n in notices(app)))
        made = [r for r in await runs_of(work.nightly) if "backfill" in r.tags]
        assert len(made) == 3  # 00:00, 01:00, 02:00 of the hourly schedule
        # a second backfill of the same window makes no duplicates
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.press("b")
        await answer(pilot, window)
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: sum("Backfilled" in n for n in notices(app)) == 2)
        assert len([r for r in await runs_of(work.nightly) if "backfill" in r.tags]) == 3


async def test_a_bad_backfill_window_is_a_notice(work: SeededWork) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await deployments_at(pilot, "etl/nightly")
        await pilot.press("b")
        await answer(pilot, "yesterday")
        await wait_for(pilot, lambda: any("Type a window" in n for n in notices(app)))
        assert app.screen is screen


async def test_read_only_dims_run_pause_backfill_and_delete(work: SeededWork) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await deployments_at(pilot, "etl/nightly")
        for key, action in (("x", "run_deployment"), ("p", "toggle_pause"),
                            ("b", "backfill"), ("d", "delete_deployment")):  # fmt: skip
            assert screen.check_action(action, ()) is None
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is screen
        assert not (await deployment("etl/nightly")).paused


# -- a deployment's screen --------------------------------------------------------------


async def open_nightly(pilot: Pilot[Any]) -> DeploymentScreen:
    await deployments_at(pilot, "etl/nightly")
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, DeploymentScreen)
                   and pilot.app.screen.loaded)  # fmt: skip
    screen = pilot.app.screen
    assert isinstance(screen, DeploymentScreen)
    return screen


async def test_pause_and_resume_a_schedule_from_the_deployment_screen(work: SeededWork) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_nightly(pilot)
        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, SchedulesScreen) and app.screen.loaded)
        modal = app.screen
        assert isinstance(modal, SchedulesScreen)
        table = modal.query_one(DataTable)
        assert rows_of(table) == [["every 1h (UTC)", "yes"]]
        await pilot.press("p")
        await wait_for(pilot, lambda: rows_of(table) == [["every 1h (UTC)", "no"]])
        async with get_client() as client:
            [schedule] = await client.read_deployment_schedules(work.nightly)
        assert schedule.active is False
        assert (app.last_command or "").startswith("prefect deployment schedule pause etl/nightly")
        await pilot.press("p")
        await wait_for(pilot, lambda: rows_of(table) == [["every 1h (UTC)", "yes"]])
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DeploymentScreen))


async def test_cancel_the_run_under_the_cursor_of_the_deployment_screen(work: SeededWork) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_nightly(pilot)
        table = screen.query_one("#deployment-runs", DataTable)
        names = [row[1] for row in rows_of(table)]
        table.move_cursor(row=names.index("nightly-waiting"))
        await pilot.pause()
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: any("nightly-waiting is" in n for n in notices(app)))
        runs = {r.name: r for r in await runs_of(work.nightly)}
        assert runs["nightly-waiting"].state_type.value in {"CANCELLED", "CANCELLING"}


async def test_run_and_pause_from_the_deployment_screen(work: SeededWork) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_nightly(pilot)
        before = len(await runs_of(work.nightly))
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, RunFormScreen))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: any("Created flow run" in n for n in notices(app)))
        assert len(await runs_of(work.nightly)) == before + 1
        await pilot.press("p")
        await wait_for(pilot, lambda: any("Paused deployment" in n for n in notices(app)))
        assert (await deployment("etl/nightly")).paused


# -- the dashboard's late runs per deployment -------------------------------------------


async def test_dashboard_counts_late_runs_per_deployment(work: SeededWork) -> None:
    from prefect.states import Scheduled
    from prefect_console.tui.screens.dashboard import DashboardScreen

    from tests.console.seed import FROZEN_NOW

    # three more late runs of report/weekly: counted exactly, past the listed page
    async with get_client() as client:
        for minutes in (30, 40, 50):
            when = FROZEN_NOW - timedelta(minutes=minutes)
            await client.create_flow_run_from_deployment(
                work.weekly, state=Scheduled(scheduled_time=when)
            )
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_loaded(pilot)
        if not isinstance(app.screen, DashboardScreen):
            await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.screen.loaded)
        table = app.screen.query_one("#dash-late-deployments", DataTable)
        await wait_for(pilot, lambda: table.row_count > 0)
        rows = {row[1]: row for row in rows_of(table)}
        # the seed: nightly-waiting is due at 12:05 (FROZEN_NOW 12:10); weekly-waiting too
        assert set(rows) == {"etl/nightly", "report/weekly"}
        assert rows["etl/nightly"][0] == "1"
        assert rows["report/weekly"][0] == "4"
        assert all(row[2].endswith(("m", "h", "s", "d")) for row in rows.values())
        # runs that are not late (upcoming ones, other states) are not counted
        assert table.border_title == "Late by deployment (5)"


async def test_delete_a_schedule_after_a_question(work: SeededWork) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_nightly(pilot)
        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, SchedulesScreen) and app.screen.loaded)
        modal = app.screen
        table = modal.query_one(DataTable)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is modal)
        async with get_client() as client:
            assert len(await client.read_deployment_schedules(work.nightly)) == 1
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: table.row_count == 0)
        async with get_client() as client:
            assert await client.read_deployment_schedules(work.nightly) == []
        assert (app.last_command or "").startswith("prefect deployment schedule delete")


async def test_read_only_schedules_list_changes_nothing(work: SeededWork) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_nightly(pilot)
        assert screen.check_action("run_deployment", ()) is None
        assert screen.check_action("cancel_runs", ()) is None
        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, SchedulesScreen) and app.screen.loaded)
        await pilot.press("p")
        await pilot.press("d")
        await wait_for(pilot, lambda: any("Read-only" in n for n in notices(app)))
        assert isinstance(app.screen, SchedulesScreen)
        async with get_client() as client:
            [schedule] = await client.read_deployment_schedules(work.nightly)
        assert schedule.active


async def test_add_a_schedule_with_its_timezone_and_refuse_a_bad_one(work: SeededWork) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_nightly(pilot)
        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, SchedulesScreen) and app.screen.loaded)
        modal = app.screen
        table = modal.query_one(DataTable)
        await pilot.press("n")
        await answer(pilot, "cron 99 * * * *")
        await wait_for(pilot, lambda: any("Invalid cron" in n for n in notices(app)))
        assert app.screen is modal and table.row_count == 1
        await pilot.press("n")
        await answer(pilot, "cron 30 2 * * * tz=America/New_York")
        await wait_for(pilot, lambda: table.row_count == 2)
        assert ["cron 30 2 * * * (America/New_York)", "yes"] in rows_of(table)
        async with get_client() as client:
            schedules = await client.read_deployment_schedules(work.nightly)
        assert {getattr(s.schedule, "timezone", None) for s in schedules} == {
            "UTC",
            "America/New_York",
        }
        assert app.last_command == (
            "prefect deployment schedule create etl/nightly --cron '30 2 * * *' "
            "--timezone America/New_York"
        )
