"""The run screen's timeline of task runs (`b`) and its subflows, against a seeded store."""

from __future__ import annotations

import uuid
from datetime import timedelta

from prefect.client.orchestration import get_client
from prefect.states import Completed, Running
from prefect_console.ops.subflows import list_subflow_runs
from prefect_console.tui.screens.flow_run import FlowRunScreen
from prefect_console.tui.timeline import BAR, NOT_STARTED, Row, Timeline, render_rows
from textual.widgets import DataTable

from tests.console.seed import BASE_TIME, Seeded
from tests.console.tui_helpers import make_app, rows_of, wait_for, wait_loaded

CHILD = uuid.UUID("55555555-5555-4555-8555-555555555555")


def first_task_of(run_id: uuid.UUID) -> uuid.UUID:
    return uuid.UUID(int=run_id.int + 1)  # the seed numbers task runs after their flow run


async def seed_subflow(parent: uuid.UUID) -> uuid.UUID:
    """A `count-letters` run started from the parent's first task run (a subflow)."""
    async with get_client() as client:
        flow_id = await client.create_flow_from_name("count-letters")
        await client.create_flow_run(
            flow_id=flow_id,
            id=CHILD,
            name="count-letters-child",
            parent_task_run_id=first_task_of(parent),
        )
        await client.set_flow_run_state(CHILD, Running())
        await client.set_flow_run_state(CHILD, Completed())
    return CHILD


async def open_run(pilot: object, run_id: uuid.UUID) -> FlowRunScreen:
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    await wait_loaded(pilot)
    screen = FlowRunScreen(run_id)
    pilot.app.push_screen(screen)
    await wait_for(pilot, lambda: pilot.app.screen is screen and screen.loaded)
    return screen


def bar_lines(screen: FlowRunScreen) -> list[str]:
    return screen.query_one(Timeline).render().plain.split("\n")


async def test_b_shows_one_bar_per_task_run_with_widths_ordered_by_duration(
    sqlite_seeded: Seeded,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_run(pilot, sqlite_seeded.nightly)
        timeline = screen.query_one(Timeline)
        assert not timeline.display
        await pilot.press("b")
        await pilot.pause()
        assert timeline.display and not screen.query_one("#tasks").display
        lines = bar_lines(screen)
        assert [line.split()[0] for line in lines] == ["extract-0", "transform-0", "load-0"]
        assert all(len(line) <= timeline.content_region.width for line in lines)
        assert all("Completed" in line for line in lines)
        # the seed pins 0.25 s, 0.5 s and 0.75 s, one after the other
        widths = [line.count(BAR) for line in lines]
        assert 0 < widths[0] < widths[1] < widths[2]
        starts = [line.index(BAR) for line in lines]
        assert starts == sorted(starts) and starts[0] < starts[2]
        await pilot.press("t")  # back to the table, focused
        await pilot.pause()
        assert screen.query_one("#tasks").display and not timeline.display
        assert screen.focused is screen.query_one("#tasks")


async def test_timeline_uses_the_width_at_160_columns(sqlite_seeded: Seeded) -> None:
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_run(pilot, sqlite_seeded.broken)
        await pilot.press("b")
        await pilot.pause()
        lines = bar_lines(screen)
        assert len(lines) == 2
        assert "Failed" in lines[1] and lines[1].startswith("transform-0")
        assert all(len(line) > 150 for line in lines)
        # the span is the flow run's (10 s); these task runs end by 1.75 s, within its first fifth
        bar_start = len("transform-0") + 1
        assert max(line.rindex(BAR) for line in lines) - bar_start < (160 - bar_start) // 5


def test_render_rows_fits_80_columns_and_marks_unstarted_runs() -> None:
    start = BASE_TIME
    rows = [
        Row(
            "a-very-long-task-name-" * 4, "Completed", "green", start, start + timedelta(1), "1.0s"
        ),
        Row("[bold]waiting[/]", "Pending", "dim", None, None, "-"),
    ]
    lines = render_rows(rows, 76).plain.split("\n")
    assert all(len(line) == 76 for line in lines)
    assert lines[0].startswith("a-very-long-task-n… ")
    assert lines[1].startswith("[bold]waiting[/]") and NOT_STARTED in lines[1]
    assert BAR not in lines[1]


async def test_list_subflow_runs_finds_runs_started_by_its_task_runs(
    sqlite_seeded: Seeded,
) -> None:
    child = await seed_subflow(sqlite_seeded.nightly)
    async with get_client() as client:
        assert [r.id for r in await list_subflow_runs(client, sqlite_seeded.nightly)] == [child]
        assert await list_subflow_runs(client, sqlite_seeded.broken) == []
        assert await list_subflow_runs(client, sqlite_seeded.later) == []


async def test_subflow_is_listed_and_enter_opens_its_run(sqlite_seeded: Seeded) -> None:
    child = await seed_subflow(sqlite_seeded.nightly)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_run(pilot, sqlite_seeded.nightly)
        table: DataTable[object] = screen.query_one("#subflows", DataTable)
        assert table.display
        assert [row[:2] for row in rows_of(table)] == [["Completed", "count-letters-child"]]
        assert "1 subflow ·" in str(screen.status.render())
        table.focus()
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, FlowRunScreen)
                and app.screen.flow_run_id == child
                and app.screen.loaded
            ),
        )
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_no_subflows_hides_the_table(sqlite_seeded: Seeded) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_run(pilot, sqlite_seeded.broken)
        assert not screen.query_one("#subflows").display
