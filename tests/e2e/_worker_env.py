"""A server, workers and deployments for the worker's end-to-end tests.

One `prefect server start` per test module (its own PREFECT_HOME, SQLite, a quick zombies
service, output to a file), `prefect worker start` processes per test, deployments made
through the client, and bounded waits.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.e2e.conftest import ROOT, free_port

PREFECT = str(Path(sys.executable).parent / "prefect")

ZOMBIE_AFTER_SECONDS = 4.0
ZOMBIE_LOOP_SECONDS = 0.5
CANCEL_GRACE_SECONDS = 2.0


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(home)
    env.update(extra)
    return env


class Server:
    def __init__(self, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self.home = home
        self.port = free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.log_path = home / "server.log"
        self._log = self.log_path.open("wb")
        env = clean_env(
            home,
            PREFECT_SERVER_SERVICES_ZOMBIES_LOOP_SECONDS=str(ZOMBIE_LOOP_SECONDS),
            PREFECT_SERVER_SERVICES_ZOMBIES_AFTER_SECONDS=str(ZOMBIE_AFTER_SECONDS),
        )
        self.proc = subprocess.Popen(
            [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=ROOT,
        )
        wait_for(self._healthy, 60, "the server to answer")

    def _healthy(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"server exited:\n{self.log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{self.api_url}/health", timeout=1) as r:
                return bool(r.status == 200)
        except OSError:
            return False

    def stop(self) -> None:
        stop_process(self.proc)
        self._log.close()


class Worker:
    """`prefect worker start` with its output in a file."""

    def __init__(self, server: Server, home: Path, pool: str, *args: str, **env: str) -> None:
        self.log_path = home / f"worker-{pool}-{time.monotonic_ns()}.log"
        self._log = self.log_path.open("wb")
        self.env = clean_env(
            home,
            PREFECT_API_URL=server.api_url,
            PREFECT_RUNNER_HEARTBEAT_FREQUENCY="1",
            PREFECT_WORKER_CANCEL_GRACE_SECONDS=str(CANCEL_GRACE_SECONDS),
            PREFECT_WORKER_HEARTBEAT_SECONDS="2",
            **env,
        )
        self.proc = subprocess.Popen(
            [PREFECT, "worker", "start", "-p", pool, *args],
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=ROOT,
        )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        stop_process(self.proc)
        self._log.close()


def stop_process(proc: subprocess.Popen[Any]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def wait_for(check: Callable[[], Any], timeout: float, what: str, every: float = 0.05) -> Any:
    """`check()`'s first true value, polled every `every` s for at most `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


def heartbeats(api_url: str, run_id: Any) -> int:
    """How many heartbeats the run's process has sent."""
    import json

    body = {
        "filter": {
            "event": {"name": ["prefect.flow-run.heartbeat"]},
            "resource": {"id": [f"prefect.flow-run.{run_id}"]},
        }
    }
    request = urllib.request.Request(
        f"{api_url}/events/filter",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(json.loads(response.read())["total"])


def pid_gone(pid: int) -> bool:
    """No such process, or only its zombie (a reaper may not have collected it yet)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def deploy(
    client: Any,
    pool: str,
    folder: Path,
    entrypoint: str,
    name: str = "e2e",
    **fields: Any,
) -> Any:
    """A deployment of the flow at `entrypoint` (relative to `folder`) in `pool`."""
    flow_name = entrypoint.rsplit(":", 1)[1].replace("_", "-")
    flow_id = client.create_flow_from_name(flow_name)
    return client.create_deployment(
        flow_id, name, work_pool_name=pool, entrypoint=entrypoint, path=str(folder), **fields
    )


def wait_for_pool(client: Any, pool: str) -> None:
    from prefect.exceptions import ObjectNotFound

    def exists() -> bool:
        try:
            client.read_work_pool(pool)
        except ObjectNotFound:
            return False
        return True

    wait_for(exists, 60, f"work pool {pool!r} (created by the worker)", every=0.1)


def run_state(client: Any, run_id: Any) -> Any:
    return client.read_flow_run(run_id).state


def wait_for_state(client: Any, run_id: Any, types: set[str], timeout: float = 60) -> Any:
    """The run once its state type is one of `types`."""

    def reached() -> Any:
        run = client.read_flow_run(run_id)
        if run.state is not None and run.state.type.value in types:
            return run
        return None

    return wait_for(reached, timeout, f"flow run {run_id} to be {sorted(types)}")
