"""Zombie runs for real: a server process with a quick zombies service, flow processes
that beat every second; the one killed with SIGKILL ends Crashed, the one that finishes
stays Completed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ROOT, process_env

pytestmark = pytest.mark.e2e

AFTER_SECONDS = 4.0
LOOP_SECONDS = 0.5

FLOW_SCRIPT = """
import sys, time
from pathlib import Path
from prefect import flow, runtime

@flow(name="zombie-candidate")
def work(seconds: float) -> str:
    Path(sys.argv[2]).write_text(str(runtime.flow_run.id))
    time.sleep(seconds)
    return "done"

if __name__ == "__main__":
    work(float(sys.argv[1]))
"""


def get(server: Any, path: str) -> Any:
    with urllib.request.urlopen(f"{server.api_url}{path}", timeout=10) as response:
        return json.loads(response.read())


def wait_for(check: Callable[[], Any], timeout: float, what: str) -> float:
    """Seconds it took until `check()` was true."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)
    return time.monotonic() - started


def heartbeats(server: Any, run_id: str) -> int:
    body = {
        "filter": {
            "event": {"name": ["prefect.flow-run.heartbeat"]},
            "resource": {"id": [f"prefect.flow-run.{run_id}"]},
        }
    }
    return int(server.post("/events/filter", body)["total"])


def start_flow(script: Path, seconds: float, id_file: Path, env: dict[str, str]) -> Any:
    return subprocess.Popen(
        [sys.executable, str(script), str(seconds), str(id_file)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def test_a_killed_flow_process_is_crashed_and_a_finished_one_is_not(
    database_url: str, monkeypatch: pytest.MonkeyPatch, start_server: Any, tmp_path: Path
) -> None:
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", database_url)
    server = start_server(
        process_env(
            PREFECT_SERVER_SERVICES_ZOMBIES_LOOP_SECONDS=str(LOOP_SECONDS),
            PREFECT_SERVER_SERVICES_ZOMBIES_AFTER_SECONDS=str(AFTER_SECONDS),
        )
    )
    env = process_env(PREFECT_API_URL=server.api_url, PREFECT_RUNNER_HEARTBEAT_FREQUENCY="1")
    script = tmp_path / "zombie_flow.py"
    script.write_text(FLOW_SCRIPT)
    victim_file, survivor_file = tmp_path / "victim", tmp_path / "survivor"
    victim = start_flow(script, 300, victim_file, env)
    # runs for longer than the allowed silence: only its heartbeats keep it alive
    survivor = start_flow(script, 3 * AFTER_SECONDS, survivor_file, env)
    try:
        wait_for(victim_file.exists, 60, "the victim flow to start")
        victim_id = victim_file.read_text()
        wait_for(lambda: heartbeats(server, victim_id) >= 2, 30, "the victim's heartbeats")
        assert get(server, f"/flow_runs/{victim_id}")["state_type"] == "RUNNING"

        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(timeout=10)
        took = wait_for(
            lambda: get(server, f"/flow_runs/{victim_id}")["state_type"] != "RUNNING",
            AFTER_SECONDS + 20,
            "the killed run to be crashed",
        )
        crashed = get(server, f"/flow_runs/{victim_id}")
        assert crashed["state_type"] == "CRASHED" and crashed["state_name"] == "Crashed"
        assert crashed["state"]["message"].startswith("No heartbeat for ")
        assert crashed["state"]["message"].endswith("the process running this flow run is gone.")
        # not before the allowed silence was over (it may have begun up to a beat earlier)
        assert took >= AFTER_SECONDS - 1.5, took

        assert survivor.wait(timeout=60) == 0, survivor.stderr.read() if survivor.stderr else ""
        survivor_id = survivor_file.read_text()
        finished = get(server, f"/flow_runs/{survivor_id}")
        assert finished["state_type"] == "COMPLETED"
        assert heartbeats(server, survivor_id) >= 3
        # a finished run is left alone, however long it has been silent since
        time.sleep(AFTER_SECONDS + 3 * LOOP_SECONDS)
        assert get(server, f"/flow_runs/{survivor_id}")["state_type"] == "COMPLETED"
        history = server.post("/flow_runs/filter", {"flow_runs": {"id": {"any_": [survivor_id]}}})
        assert [r["state_type"] for r in history] == ["COMPLETED"]
        states = get(server, f"/flow_run_states/?flow_run_id={survivor_id}")
        assert "CRASHED" not in {s["type"] for s in states}
    finally:
        for proc in (victim, survivor):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
