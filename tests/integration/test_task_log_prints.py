"""`@task(log_prints=True)` logs a task's print() even when its flow does not ask for it.

Run in a fresh interpreter: print() is rerouted process-wide the first time a run asks for
it, so a test in a process where some earlier flow had log_prints would prove nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.integration._engine_helpers import Reader, reader, store  # noqa: F401

SCRIPT = """
from prefect import flow, task

@task(log_prints=True)
def noisy() -> None:
    print("from the task")

@task
def quiet() -> None:
    print("plain print")

@flow
def no_log_prints() -> None:
    noisy()
    quiet()

no_log_prints()
"""


def test_a_task_with_log_prints_logs_its_prints(
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
    # logged through the task run's logger, not printed bare
    assert "Task run 'noisy-0' - from the task" in out.stderr
    assert "from the task" not in out.stdout
    # a task without log_prints (and a flow without it) still prints plainly
    assert "plain print" in out.stdout
    [run] = reader.flow_runs()
    messages = [log.message for log in reader.logs(run.id)]
    assert "from the task" in messages
    assert "plain print" not in messages
