"""The README's path, for real: a server process, a flow process, and the CLI reading back."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from tests.e2e.conftest import PREFECT, ROOT, process_env, run, run_json

pytestmark = pytest.mark.e2e

HELLO = str(ROOT / "examples" / "hello_flow.py")


def _hello_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    names = {r["id"]: r for r in runs}
    top = [r for r in runs if r["parent_task_run_id"] is None]
    assert len(top) == 1, f"expected one top-level run, got {list(names)}"
    return top[0]


def test_hello_flow_against_a_server_process(
    database_url: str, monkeypatch: pytest.MonkeyPatch, start_server: Any
) -> None:
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", database_url)
    server = start_server(process_env())
    env = process_env(PREFECT_API_URL=server.api_url)

    flow_proc = run([str(ROOT / ".venv" / "bin" / "python"), HELLO], env)
    assert flow_proc.returncode == 0, flow_proc.stderr

    runs = run_json([PREFECT, "flow-run", "ls", "-o", "json"], env)
    assert isinstance(runs, list)
    hello = _hello_run(runs)
    assert hello["state_type"] == "COMPLETED"
    assert hello["state"]["name"] == "Completed"
    # the subflow is a run of its own, linked to a task run of its parent
    child = [r for r in runs if r["parent_task_run_id"] is not None]
    assert len(child) == 1 and child[0]["state_type"] == "COMPLETED"

    task_runs = server.post("/task_runs/filter", {"flow_runs": {"id": {"any_": [hello["id"]]}}})
    # three greetings, one shout, and the task run standing for the subflow
    assert len(task_runs) == 5
    assert {t["state_type"] for t in task_runs} == {"COMPLETED"}
    assert child[0]["parent_task_run_id"] in {t["id"] for t in task_runs}

    inspected = run_json([PREFECT, "flow-run", "inspect", hello["id"], "-o", "json"], env)
    assert inspected["id"] == hello["id"] and inspected["name"] == hello["name"]

    logs = run([PREFECT, "flow-run", "logs", hello["id"]], env)
    assert logs.returncode == 0, logs.stderr
    assert "Hello, world!" in logs.stdout
    assert "HELLO, WORLD! (40 letters in all)" in logs.stdout  # from log_prints


def test_hello_flow_on_the_embedded_store_then_served(
    database_url: str, monkeypatch: pytest.MonkeyPatch, start_server: Any
) -> None:
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", database_url)
    env = process_env()
    flow_proc = run([str(ROOT / ".venv" / "bin" / "python"), HELLO], env)
    assert flow_proc.returncode == 0, flow_proc.stderr

    runs = run_json([PREFECT, "flow-run", "ls", "-o", "json"], env)
    hello = _hello_run(runs)
    assert hello["state_type"] == "COMPLETED"

    # a server started afterwards serves the very same runs
    server = start_server(env)
    served = server.post("/flow_runs/filter", {})
    assert hello["id"] in {r["id"] for r in served}
    task_runs = server.post("/task_runs/filter", {"flow_runs": {"id": {"any_": [hello["id"]]}}})
    assert len(task_runs) == 5


def test_server_start_on_a_busy_port_is_one_line() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run([PREFECT, "server", "start", "--port", str(port)], process_env(), timeout=60)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(port) in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_unknown_flow_run_is_one_line_and_exit_1() -> None:
    result = run(
        [PREFECT, "flow-run", "inspect", "00000000-0000-0000-0000-000000000000"], process_env()
    )
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr
