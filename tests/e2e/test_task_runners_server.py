"""Process-pool and Dask task runs against a server process: a flow script (calling its
flows under `if __name__ == "__main__":`, as spawned workers need) with PREFECT_API_URL;
the workers report their task runs to the server over HTTP."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import process_env, run

pytestmark = pytest.mark.e2e

SCRIPT = """
import os

from prefect import flow, get_run_logger, task
from prefect.task_runners import ProcessPoolTaskRunner
from prefect_dask import DaskTaskRunner


@task
def where(i: int) -> int:
    get_run_logger().info("ran %d in %d", i, os.getpid())
    return os.getpid()


@flow(task_runner=ProcessPoolTaskRunner(max_workers=2))
def on_processes() -> list[int]:
    return where.map(range(3)).result()


@flow(
    task_runner=DaskTaskRunner(
        cluster_kwargs={"n_workers": 1, "processes": True, "dashboard_address": None}
    )
)
def on_dask() -> list[int]:
    return where.map(range(3)).result()


if __name__ == "__main__":
    for f in (on_processes, on_dask):
        pids = f()
        assert os.getpid() not in pids, (f.name, pids)
        print("PIDS", f.name, sorted(set(pids)))
"""


def test_workers_report_to_the_server(
    database_url: str, monkeypatch: pytest.MonkeyPatch, start_server: Any, tmp_path: Path
) -> None:
    pytest.importorskip("distributed")
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", database_url)
    server = start_server(process_env())
    # the flow process knows only the server: no database URL of its own
    env = {
        k: v
        for k, v in process_env(PREFECT_API_URL=server.api_url).items()
        if k != "PREFECT_SERVER_DATABASE_CONNECTION_URL"
    }
    script = tmp_path / "runners_flow.py"
    script.write_text(SCRIPT)
    out = run([sys.executable, str(script)], env, timeout=180)
    assert out.returncode == 0, out.stderr
    assert "PIDS on-processes" in out.stdout and "PIDS on-dask" in out.stdout

    flow_runs = server.post("/flow_runs/filter", {})
    assert {r["name"] for r in flow_runs} and {r["state_type"] for r in flow_runs} == {"COMPLETED"}
    assert len(flow_runs) == 2
    for flow_run in flow_runs:
        task_runs = server.post(
            "/task_runs/filter", {"flow_runs": {"id": {"any_": [flow_run["id"]]}}}
        )
        assert sorted(t["name"] for t in task_runs) == ["where-0", "where-1", "where-2"]
        assert {t["state_type"] for t in task_runs} == {"COMPLETED"}
        logs = server.post("/logs/filter", {"logs": {"flow_run_id": {"any_": [flow_run["id"]]}}})
        ran = [log for log in logs if log["message"].startswith("ran ")]
        assert len(ran) == 3 and all(log["task_run_id"] for log in ran)
