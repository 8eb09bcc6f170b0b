"""A flow script in its own process: it exits cleanly and everything reaches the store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prefect.schemas.objects import StateType

from tests.integration._engine_helpers import Reader, reader, store  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
from prefect import flow, task

@task
def inc(i: int) -> int:
    return i + 1

@flow(log_prints=True)
def script_flow(n: int) -> int:
    print("running", n)
    return sum(inc(i) for i in range(n))

print("RESULT", script_flow(200))
"""


def test_script_exits_cleanly_with_everything_stored(
    reader: Reader,  # noqa: F811
    store: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    env = {**os.environ, "PREFECT_SERVER_DATABASE_CONNECTION_URL": store}
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    out = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert "RESULT 20100" in out.stdout
    assert "Flow run '" in out.stderr and "- running 200" in out.stderr
    [run] = [r for r in reader.flow_runs() if r.state_type is StateType.COMPLETED]
    assert len(reader.task_runs(run.id)) == 200
    assert any(log.message == "running 200" for log in reader.logs(run.id))


def test_example_flows_run(store: str, tmp_path: Path) -> None:  # noqa: F811
    env = {**os.environ, "PREFECT_SERVER_DATABASE_CONNECTION_URL": store}
    outputs = {}
    for example in ("hello_flow.py", "etl_flow.py"):
        out = subprocess.run(
            [sys.executable, str(ROOT / "examples" / example)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr
        outputs[example] = out.stderr
    # log_prints=True: the flow's print() is logged (to the console and the API)
    assert "HELLO, WORLD! (40 letters in all)" in outputs["hello_flow.py"]
