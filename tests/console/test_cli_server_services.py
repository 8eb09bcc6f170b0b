"""`prefect server services ls|start` and `prefect server start --no-services`."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from prefect_console.cli.main import app
from typer.testing import CliRunner

PREFECT = str(Path(sys.executable).parent / "prefect")
ONLY_LATE_RUNS = {
    f"PREFECT_SERVER_SERVICES_{name}_ENABLED": "false"
    for name in (
        "SCHEDULER",
        "FOREMAN",
        "REPOSSESSOR",
        "PAUSE_EXPIRATIONS",
        "CANCELLATION_CLEANUP",
        "ZOMBIES",
        "RETENTION",
    )
}
runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    return lines[0]


def test_ls_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_SERVER_SERVICES_FOREMAN_ENABLED", "false")
    code, out, _ = invoke("server", "services", "ls")
    assert code == 0
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[2:] if line.strip()}
    assert rows["late_runs"] == ["yes", "5"]
    assert rows["foreman"] == ["no", "15"]
    assert rows["cancellation_cleanup"] == ["yes", "20"]


def test_ls_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_SERVER_SERVICES_LATE_RUNS_LOOP_SECONDS", "2.5")
    code, out, _ = invoke("server", "services", "ls", "-o", "json")
    assert code == 0
    data = {row["name"]: row for row in json.loads(out)}
    assert data["late_runs"] == {"name": "late_runs", "enabled": True, "loop_seconds": 2.5}
    assert {"scheduler", "pause_expirations", "repossessor"} <= set(data)


def test_start_with_nothing_enabled_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*ONLY_LATE_RUNS, "PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED"):
        monkeypatch.setenv(name, "false")
    code, _, err = invoke("server", "services", "start")
    assert code == 1
    assert "No service is enabled" in one_error_line(err)


def test_start_with_a_bad_database_fails_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "PREFECT_SERVER_DATABASE_CONNECTION_URL", "postgresql+asyncpg://postgres@127.0.0.1:1/x"
    )
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_TIMEOUT", "2")
    code, _, err = invoke("server", "services", "start")
    assert code == 1
    assert one_error_line(err).startswith("Error: Cannot open the database")


def _wait_for(proc: subprocess.Popen[str], pattern: str, timeout: float = 90) -> list[str]:
    """Lines of `proc`'s stderr up to the first containing `pattern`."""
    assert proc.stderr is not None
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        seen.append(line)
        if pattern in line:
            return seen
    raise AssertionError(f"{pattern!r} not seen:\n{''.join(seen)}")


def test_start_runs_until_interrupted(prefect_home: Path) -> None:
    env = {**os.environ, **ONLY_LATE_RUNS, "PREFECT_SERVER_SERVICES_LATE_RUNS_LOOP_SECONDS": "0.1"}
    proc = subprocess.Popen(
        [PREFECT, "server", "services", "start", "--log-level", "debug"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        _wait_for(proc, "service late_runs: pass")
        _wait_for(proc, "service late_runs: pass")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "Starting services: late_runs" in out and "Services stopped." in out
    assert "Traceback" not in err


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("services", [True, False], ids=["with-services", "no-services"])
def test_server_start_runs_services_unless_told_not_to(prefect_home: Path, services: bool) -> None:
    args = [PREFECT, "server", "start", "--port", str(_free_port()), "--log-level", "info"]
    proc = subprocess.Popen(
        [*args] if services else [*args, "--no-services"],
        env={**os.environ, **ONLY_LATE_RUNS},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        seen = "".join(_wait_for(proc, "Application startup complete"))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert ("services started" in seen) is services
    assert ("late_runs: process" in seen) is services
