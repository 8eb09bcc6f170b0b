"""The installed `prefect` script as real processes: startup, JSON output, server errors."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.console.seed import Seeded

PREFECT = str(Path(sys.executable).parent / "prefect")


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PREFECT, *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def error_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.stderr
    return lines


def test_help_lists_the_command_groups() -> None:
    result = run("--help")
    assert result.returncode == 0
    for group in ("flow-run", "server", "config", "version", "ui"):
        assert group in result.stdout


def test_ls_json_from_a_process(sqlite_seeded: Seeded) -> None:
    result = run("flow-run", "ls", "-o", "json")
    assert result.returncode == 0, result.stderr
    assert [r["name"] for r in json.loads(result.stdout)][-1] == "nightly-etl"


def test_unknown_run_from_a_process(sqlite_seeded: Seeded) -> None:
    result = run("flow-run", "inspect", "00000000-0000-4000-8000-000000000000")
    assert result.returncode == 1
    assert error_lines(result) == [
        "Error: Flow run '00000000-0000-4000-8000-000000000000' not found"
    ]


def test_server_start_on_a_busy_port_fails_in_one_line() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("server", "start", "--port", str(port))
    assert result.returncode == 1
    lines = error_lines(result)
    assert len(lines) == 1 and lines[0].startswith("Error: ") and str(port) in lines[0]


def test_ui_without_a_terminal_fails_in_one_line() -> None:
    result = run("ui")
    assert result.returncode == 1
    assert len(error_lines(result)) == 1
