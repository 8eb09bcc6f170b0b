"""The log view of a run: search, level filter, wrap, timestamps, older pages; and a
server that goes away while the console is open."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from prefect_console.tui.screens.flow_run import FlowRunScreen
from prefect_console.tui.screens.flow_runs import FlowRunsScreen
from prefect_console.tui.screens.flows import FlowsScreen
from prefect_console.tui.widgets import StatusLine
from textual.widgets import Log

from tests.console.seed import BASE_TIME, Seeded
from tests.console.test_tui import _answers, free_port
from tests.console.tui_helpers import make_app, rows_of, type_text, wait_for, wait_loaded


async def open_nightly(pilot: object) -> FlowRunScreen:
    app = pilot.app  # type: ignore[attr-defined]
    await wait_loaded(pilot)  # type: ignore[arg-type]
    await pilot.press("G", "enter")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: isinstance(app.screen, FlowRunScreen) and app.screen.loaded)  # type: ignore[arg-type]
    screen = app.screen
    assert isinstance(screen, FlowRunScreen)
    return screen


async def test_search_shows_matches_with_the_lines_around_them(sqlite_seeded: Seeded) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_nightly(pilot)
        await pilot.press("slash")
        await type_text(pilot, "retrying")
        await pilot.press("enter")
        lines = list(screen.query_one(Log).lines)
        assert screen.matches == 1
        # the match and two lines either side (there is only one line after it)
        assert [line[:2] for line in lines] == ["  ", "  ", "» ", "  "]
        assert lines[2].endswith("retrying in 1s") and "pane and red" in lines[0]
        assert "1 matches for /retrying" in str(screen.query_one(StatusLine).render())
        await pilot.press("escape")  # ends the search, stays on the run
        assert isinstance(app.screen, FlowRunScreen)
        assert len(screen.query_one(Log).lines) == 5


async def test_level_filter_timestamps_and_wrap(sqlite_seeded: Seeded) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_nightly(pilot)
        log = screen.query_one(Log)
        await pilot.press("v")  # INFO and up: all five lines
        assert len(log.lines) == 5
        await pilot.press("v")  # WARNING and up: the slow load and its continuation
        assert [line.split()[1] for line in log.lines[:1]] == ["WARNING"]
        assert len(log.lines) == 2
        await pilot.press("v", "v")  # back to everything
        assert len(log.lines) == 5
        await pilot.press("T")
        assert log.lines[0].startswith("INFO    [INFO] starting extract")
        await pilot.press("T")
        assert log.lines[0][:9] == "12:00:00 "
        screen.logs.entries[0] = screen.logs.entries[0].__class__(
            id=screen.logs.entries[0].id,
            level=20,
            stamp="12:00:00",
            lines=("INFO    " + "long " * 40,),
        )
        await pilot.press("W")
        assert len(log.lines) > 5
        assert all(len(line) <= log.scrollable_content_region.width for line in log.lines)


async def test_opens_on_the_newest_page_and_fetches_older_on_scroll_up(
    sqlite_seeded: Seeded,
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.schemas.actions import LogCreate

    async with get_client() as client:
        await client.create_logs(
            LogCreate(
                name="prefect.flow_runs",
                level=20,
                message=f"line {i:03d}",
                timestamp=BASE_TIME + timedelta(hours=1, seconds=i),
                flow_run_id=sqlite_seeded.weekly,
            )
            for i in range(450)
        )
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, FlowRunScreen) and app.screen.loaded)
        screen = app.screen
        assert isinstance(screen, FlowRunScreen)
        log = screen.query_one(Log)
        assert len(screen.logs) == 200
        assert log.lines[-1].endswith("line 449") and log.lines[0].endswith("line 250")
        await wait_for(pilot, lambda: log.scroll_y > 0)  # following: at the end
        log.scroll_home(animate=False)
        await wait_for(pilot, lambda: len(screen.logs) == 400)
        assert log.lines[0].endswith("line 050") and log.lines[-1].endswith("line 449")
        log.scroll_home(animate=False)
        await wait_for(pilot, lambda: len(screen.logs) == 450)
        assert [line[-8:] for line in log.lines[:2]] == ["line 000", "line 001"]
        assert len(log.lines) == len(set(log.lines)) == 450  # none twice, none dropped


async def test_a_burst_of_lines_arrives_whole(sqlite_seeded: Seeded) -> None:
    from prefect.client.orchestration import get_client
    from prefect.schemas.actions import LogCreate

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("down", "enter")  # weekly-report: no lines yet
        await wait_for(pilot, lambda: isinstance(app.screen, FlowRunScreen) and app.screen.loaded)
        screen = app.screen
        assert isinstance(screen, FlowRunScreen) and len(screen.logs) == 0
        async with get_client() as client:
            await client.create_logs(
                LogCreate(
                    name="prefect.flow_runs",
                    level=20,
                    message=f"burst {i:04d}",
                    timestamp=BASE_TIME + timedelta(hours=1, milliseconds=i),
                    flow_run_id=sqlite_seeded.weekly,
                )
                for i in range(1500)
            )
        screen.loaded = False
        await pilot.press("r")
        await wait_for(pilot, lambda: screen.loaded)
        lines = list(screen.query_one(Log).lines)
        assert [line[-10:] for line in lines] == [f"burst {i:04d}" for i in range(1500)]


def start_server(port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "prefect"), "server", "start", "--port", str(port)],
        env={k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def test_every_screen_marks_its_data_stale_when_the_server_dies(
    sqlite_seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{port}/api")
    monkeypatch.setenv("PREFECT_CLIENT_MAX_RETRIES", "0")
    server = start_server(port)
    try:
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: _answers(port), steps=3000)
            runs = app.screen
            assert isinstance(runs, FlowRunsScreen)
            runs.loaded = False
            await pilot.press("r")
            await wait_for(pilot, lambda: runs.loaded and len(rows_of(runs.table)) == 4)
            await pilot.press("G", "enter")  # runs > nightly-etl: both stay mounted
            await wait_for(
                pilot, lambda: isinstance(app.screen, FlowRunScreen) and app.screen.loaded
            )
            run = app.screen
            assert isinstance(run, FlowRunScreen)
            server.terminate()
            server.wait(timeout=30)
            runs.loaded = run.loaded = False
            runs.action_refresh()
            run.action_refresh()
            await wait_for(pilot, lambda: runs.loaded and run.loaded)
            for screen in (runs, run):
                status = screen.query_one(StatusLine)
                assert status.has_class("stale"), type(screen)
                assert "API unreachable" in str(status.render())
                assert "as of last update" in str(status.render())
            # the last data stays on screen
            assert len(rows_of(runs.table)) == 4
            assert len(run.query_one(Log).lines) == 5
            await pilot.press("F")  # a screen opened while the API is away says so
            await wait_for(pilot, lambda: isinstance(app.screen, FlowsScreen) and app.screen.loaded)
            flows = app.screen
            assert isinstance(flows, FlowsScreen)
            assert flows.query_one(StatusLine).has_class("stale")
            # and it recovers by itself once the API is back
            server = start_server(port)
            await wait_for(pilot, lambda: _answers(port), steps=3000)
            flows.loaded = False
            flows.action_refresh()
            await wait_for(pilot, lambda: flows.loaded)
            assert not flows.query_one(StatusLine).has_class("stale")
    finally:
        server.terminate()
        server.wait(timeout=30)
