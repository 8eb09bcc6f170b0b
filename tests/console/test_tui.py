"""The TUI driven with Pilot against a real seeded store."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from prefect_console.tui.screens.flow_run import FlowRunScreen
from prefect_console.tui.screens.flow_runs import FlowRunsScreen
from prefect_console.tui.widgets import ContextBar, StatusLine
from textual.widgets import DataTable, Log

from tests.console.seed import Seeded
from tests.console.tui_helpers import make_app, wait_for, wait_loaded


def table_text(table: DataTable[object]) -> list[list[str]]:
    return [
        [str(getattr(cell, "plain", cell)) for cell in table.get_row_at(i)]
        for i in range(table.row_count)
    ]


async def test_runs_table_shows_seeded_runs_with_state_words(sqlite_seeded: Seeded) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        rows = table_text(app.screen.query_one(DataTable))
        assert [row[:3] for row in rows] == [
            ["Scheduled", "later-report", "report"],
            ["Running", "weekly-report", "report"],
            ["Failed", "broken-etl", "etl"],
            ["Completed", "nightly-etl", "etl"],
        ]
        # a running run's duration is measured to the (frozen) clock
        assert rows[1][4] == "6m00s"
        context = str(app.screen.query_one(ContextBar).render())
        assert "profile ephemeral" in context and "API embedded" in context


async def test_enter_opens_the_run_with_task_runs_and_logs_and_esc_goes_back(
    sqlite_seeded: Seeded,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("down", "down", "down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, FlowRunScreen) and app.screen.loaded)
        screen = app.screen
        assert isinstance(screen, FlowRunScreen) and screen.flow_run_id == sqlite_seeded.nightly
        tasks = table_text(screen.query_one(DataTable))
        assert [row[:2] for row in tasks] == [
            ["Completed", "extract-0"],
            ["Completed", "transform-0"],
            ["Completed", "load-0"],
        ]
        lines = list(screen.query_one(Log).lines)
        # markup is not interpreted and escape sequences are gone
        assert any(line.endswith("INFO    [INFO] starting extract") for line in lines)
        assert any("rename pane and red text" in line for line in lines)
        assert not any("\x1b" in line or "\x07" in line for line in lines)
        assert "retrying in 1s" in lines[3]
        await pilot.press("escape")
        assert isinstance(app.screen, FlowRunsScreen)


async def test_q_quits(sqlite_seeded: Seeded) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running)
    assert app.return_code == 0


async def test_failed_run_shows_its_failed_task_and_message(sqlite_seeded: Seeded) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("down", "down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, FlowRunScreen) and app.screen.loaded)
        header = str(app.screen.query_one("#header").render())
        assert "Failed" in header and "broken-etl" in header and "ValueError" in header
        tasks = table_text(app.screen.query_one(DataTable))
        assert tasks[1][:2] == ["Failed", "transform-0"]


async def test_help_and_info_screens_open_and_close(sqlite_seeded: Seeded) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("question_mark")
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        await pilot.press("i")
        assert type(app.screen).__name__ == "InfoScreen"
        await wait_for(pilot, lambda: "answers" in str(app.screen.query_one("#health").render()))
        await pilot.press("escape")
        assert isinstance(app.screen, FlowRunsScreen)


async def test_new_runs_and_state_changes_appear_on_refresh(sqlite_seeded: Seeded) -> None:
    from prefect.client.orchestration import get_client
    from prefect.states import Completed

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        table = app.screen.query_one(DataTable)
        table.move_cursor(row=2)  # broken-etl
        async with get_client() as client:
            await client.set_flow_run_state(sqlite_seeded.weekly, Completed())
            flow = await client.create_flow_from_name("etl")
            await client.create_flow_run(flow_id=flow, name="fresh-run")
        screen = app.screen
        assert isinstance(screen, FlowRunsScreen)
        screen.loaded = False
        await pilot.press("r")
        await wait_for(pilot, lambda: screen.loaded)
        rows = table_text(table)
        assert "fresh-run" in [row[1] for row in rows]
        assert ["Completed", "weekly-report"] in [row[:2] for row in rows]
        # the cursor stayed on the run it was on
        assert rows[table.cursor_row][1] == "broken-etl"


async def test_unreachable_api_is_shown_as_stale(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    monkeypatch.setenv("PREFECT_CLIENT_MAX_RETRIES", "0")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        status = app.screen.query_one(StatusLine)
        assert status.has_class("stale")
        assert "API unreachable" in str(status.render())
        assert "API http://127.0.0.1:9/api" in str(app.screen.query_one(ContextBar).render())


async def test_recovers_when_the_api_comes_back(
    sqlite_seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stale while nothing listens; fresh again once a real server answers on that URL."""
    port = free_port()
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{port}/api")
    monkeypatch.setenv("PREFECT_CLIENT_MAX_RETRIES", "0")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        screen = app.screen
        assert isinstance(screen, FlowRunsScreen)
        assert screen.query_one(StatusLine).has_class("stale")
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "prefect"), "server", "start", "--port", str(port)],
            env={k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            await wait_for(pilot, lambda: _answers(port), steps=3000)
            screen.loaded = False
            await pilot.press("r")
            await wait_for(pilot, lambda: screen.loaded)
            assert not screen.query_one(StatusLine).has_class("stale")
            names = [row[1] for row in table_text(screen.query_one(DataTable))]
            assert "nightly-etl" in names
        finally:
            server.terminate()
            server.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False
