"""`flow.serve` and `prefect.serve` for real: a server process, a script that serves its
flows in a process of its own, runs made by a 2 s interval schedule and by
`run_deployment`, the runner's limit, cancelled runs, and the runner stopped with SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e._worker_env import (
    CANCEL_GRACE_SECONDS,
    Server,
    clean_env,
    stop_process,
    wait_for,
    wait_for_state,
)

pytestmark = pytest.mark.e2e

SERVED = """
import os, sys, time
from pathlib import Path
from prefect import flow, serve

@flow(name="ticks")
def ticks(out: str = "") -> int:
    if out:
        Path(out).write_text(str(os.getpid()))
    return 7

@flow(name="sleeps")
def sleeps(seconds: float = 300) -> None:
    Path(os.environ["E2E_DIR"], "sleeps.pid").write_text(str(os.getpid()))
    time.sleep(seconds)

if __name__ == "__main__":
    if sys.argv[1] == "one":
        ticks.serve(name="every-2s", interval=2)
    else:
        serve(
            ticks.to_deployment("on-demand", parameters={"out": sys.argv[2]}),
            sleeps.to_deployment("sleepy"),
            limit=1,
        )
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("serve-server"))
    yield server
    server.stop()


@pytest.fixture
def folder(server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PREFECT_API_URL", server.api_url)
    (tmp_path / "served.py").write_text(SERVED)
    return tmp_path


@pytest.fixture
def client(folder: Path) -> Iterator[Any]:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        yield client


@pytest.fixture
def serving(server: Server, folder: Path) -> Iterator[Any]:
    started: list[subprocess.Popen[bytes]] = []
    logs: list[Path] = []

    def start(*args: str) -> subprocess.Popen[bytes]:
        log = folder / f"serve-{len(started)}.log"
        env = clean_env(
            folder,
            PREFECT_API_URL=server.api_url,
            PREFECT_WORKER_CANCEL_GRACE_SECONDS=str(CANCEL_GRACE_SECONDS),
            E2E_DIR=str(folder),
        )
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, str(folder / "served.py"), *args],
                env=env,
                cwd=folder,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        started.append(proc)
        logs.append(log)
        return proc

    start.logs = logs  # type: ignore[attr-defined]
    yield start
    for proc in started:
        stop_process(proc)


def _deployment(client: Any, name: str) -> Any:
    from prefect.exceptions import ObjectNotFound

    def found() -> Any:
        try:
            return client.read_deployment_by_name(name)
        except ObjectNotFound:
            return None

    return wait_for(found, 60, f"deployment {name!r} (registered by serve)", every=0.1)


def test_flow_serve_runs_its_interval_schedule_and_pauses_on_sigterm(
    client: Any, serving: Any
) -> None:
    from prefect.schemas.filters import DeploymentFilter, DeploymentFilterId

    proc = serving("one")
    deployment = _deployment(client, "ticks/every-2s")
    assert deployment.work_pool_name is None  # served: no work pool, as in Prefect 3
    assert deployment.schedules and deployment.schedules[0].schedule.interval.total_seconds() == 2

    def completed() -> Any:
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id]))
        )
        return [r for r in runs if r.state is not None and r.state.is_completed()]

    done = wait_for(completed, 60, "a scheduled run to complete", every=0.2)
    assert done[0].state.is_completed()
    assert "Serving 1 deployment(s)" in serving.logs[0].read_text()

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0, serving.logs[0].read_text()[-3000:]
    assert client.read_deployment(deployment.id).paused


def test_prefect_serve_with_run_deployment_and_cancellation(
    client: Any, serving: Any, folder: Path
) -> None:
    from prefect.deployments import run_deployment
    from prefect.states import Cancelling

    out = folder / "out.txt"
    serving("many", str(out))
    _deployment(client, "ticks/on-demand")
    _deployment(client, "sleeps/sleepy")

    began = time.monotonic()
    run = run_deployment("ticks/on-demand", timeout=60, poll_interval=0.2)
    assert run.state.is_completed(), (run.state, serving.logs[0].read_text()[-3000:])
    print(f"run_deployment on a served deployment: {time.monotonic() - began:.2f} s")
    assert int(out.read_text()) != os.getpid()  # it ran in a subprocess

    # timeout=0: created, not waited for; limit=1 holds a second run back while the first
    # runs; a cancelled run's process is stopped and the next one starts
    sleepy = run_deployment("sleeps/sleepy", timeout=0)
    assert sleepy.state.is_scheduled()
    wait_for_state(client, sleepy.id, {"RUNNING"})
    pid = int(wait_for(lambda: _read(folder / "sleeps.pid"), 30, "the flow's pid"))
    held = run_deployment("sleeps/sleepy", timeout=0)
    time.sleep(1.5)
    assert client.read_flow_run(held.id).state.is_scheduled()
    client.set_flow_run_state(sleepy.id, Cancelling(), force=True)
    ended = wait_for_state(client, sleepy.id, {"CANCELLED", "CRASHED", "FAILED"}, timeout=30)
    assert ended.state.type.value == "CANCELLED", ended.state
    wait_for(lambda: not _alive(pid), 10, "the cancelled flow's process to end")
    wait_for_state(client, held.id, {"RUNNING"})
    client.set_flow_run_state(held.id, Cancelling(), force=True)
    wait_for_state(client, held.id, {"CANCELLED"}, timeout=30)


def _read(path: Path) -> str | None:
    return path.read_text() if path.exists() and path.read_text() else None


def _alive(pid: int) -> bool:
    from tests.e2e._worker_env import pid_gone

    return not pid_gone(pid)
