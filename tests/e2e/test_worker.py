"""The process worker for real: a server, `prefect worker start`, deployments made through
the client and their runs; completed, failed, crashed, cancelled (with the whole process
group gone and the flow's on_cancellation hook run), a worker killed with SIGKILL (its run
crashed by the server's zombie detection), and a worker stopped with SIGTERM."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e._worker_env import (
    CANCEL_GRACE_SECONDS,
    PREFECT,
    ZOMBIE_AFTER_SECONDS,
    Server,
    Worker,
    deploy,
    heartbeats,
    pid_gone,
    wait_for,
    wait_for_pool,
    wait_for_state,
)
from tests.e2e.conftest import run

pytestmark = pytest.mark.e2e

FLOWS = """
import os, subprocess, time
from pathlib import Path
from prefect import flow

@flow(name="greet")
def greet(name: str, out: str) -> str:
    Path(out).write_text(f"hello {name} from {os.getpid()}")
    return name

@flow(name="fails")
def fails() -> None:
    raise ValueError("expected failure")

@flow(name="exits-abruptly")
def exits_abruptly() -> None:
    os._exit(3)

def write_hook(flow, flow_run, state):
    Path(os.environ["E2E_DIR"], "hook.txt").write_text(state.name)

@flow(name="spawns-grandchild", on_cancellation=[write_hook], on_crashed=[write_hook])
def spawns_grandchild(seconds: float = 300) -> None:
    folder = Path(os.environ["E2E_DIR"])
    # a child shell that ignores SIGTERM, with a grandchild that ignores it too
    script = "trap '' TERM; sleep 1000 & echo $! > grandchild.pid; wait"
    child = subprocess.Popen(["bash", "-c", script], cwd=folder)
    Path(folder, "flow.pid").write_text(str(os.getpid()))
    Path(folder, "child.pid").write_text(str(child.pid))
    time.sleep(seconds)
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("worker-server"))
    yield server
    server.stop()


@pytest.fixture
def env(server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's folder of flows, and the client pointed at the server."""
    monkeypatch.setenv("PREFECT_API_URL", server.api_url)
    folder = tmp_path / "flows"
    folder.mkdir()
    (folder / "flows.py").write_text(FLOWS)
    return folder


@pytest.fixture
def client(env: Path) -> Iterator[Any]:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        yield client


@pytest.fixture
def workers(server: Server, tmp_path: Path) -> Iterator[Any]:
    started: list[Worker] = []

    def start(pool: str, *args: str, **extra: str) -> Worker:
        worker = Worker(server, tmp_path, pool, *args, **extra)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def test_runs_complete_or_fail_and_start_quickly(client: Any, env: Path, workers: Any) -> None:
    worker = workers("e2e-basic", E2E_DIR=str(env))
    wait_for_pool(client, "e2e-basic")
    assert client.read_work_pool("e2e-basic").type == "process"
    # the worker beats for the pool (every 2 s here)
    beaten = wait_for(lambda: client.read_workers_for_work_pool("e2e-basic"), 10, "a heartbeat")
    assert len(beaten) == 1 and beaten[0].name.startswith("ProcessWorker ")
    first_beat = beaten[0].last_heartbeat_time
    greet = deploy(client, "e2e-basic", env, "flows.py:greet", parameters={"name": "ada"})
    fails = deploy(client, "e2e-basic", env, "flows.py:fails")

    out = env / "out.txt"
    began = time.monotonic()
    run = client.create_flow_run_from_deployment(greet, parameters={"out": str(out)})
    running = wait_for_state(client, run.id, {"RUNNING", "COMPLETED", "FAILED", "CRASHED"})
    print(f"created -> {running.state.name} seen after {time.monotonic() - began:.2f} s")
    done = wait_for_state(client, run.id, {"COMPLETED", "FAILED", "CRASHED"})
    assert done.state.type.value == "COMPLETED", (done.state, worker.output())
    # the deployment's parameters and the run's, and the flow ran in a process of its own
    text = out.read_text()
    assert text.startswith("hello ada from ")
    flow_pid = int(text.rsplit(" ", 1)[1])
    assert flow_pid != os.getpid() and flow_pid != worker.proc.pid
    assert done.infrastructure_pid and done.infrastructure_pid.endswith(f":{flow_pid}")
    assert [s.name for s in client.read_flow_run_states(run.id)][:3] == [
        "Scheduled",
        "Pending",
        "Running",
    ]

    failed = client.create_flow_run_from_deployment(fails)
    done = wait_for_state(client, failed.id, {"COMPLETED", "FAILED", "CRASHED"})
    assert done.state.type.value == "FAILED", done.state
    assert "expected failure" in (done.state.message or "")
    assert worker.proc.poll() is None
    later = wait_for(
        lambda: client.read_workers_for_work_pool("e2e-basic")[0].last_heartbeat_time > first_beat,
        10,
        "a later heartbeat",
    )
    assert later


def test_a_process_that_exits_without_a_final_state_is_crashed_with_its_code(
    client: Any, env: Path, workers: Any
) -> None:
    workers("e2e-crash")
    wait_for_pool(client, "e2e-crash")
    deployment = deploy(client, "e2e-crash", env, "flows.py:exits_abruptly")
    run = client.create_flow_run_from_deployment(deployment)
    done = wait_for_state(client, run.id, {"COMPLETED", "FAILED", "CRASHED"})
    assert done.state.type.value == "CRASHED", done.state
    assert "3" in (done.state.message or ""), done.state.message


def _hook_said(env: Path) -> str:
    """What the flow's hook wrote; hooks run once the final state is set, so the file may
    come a moment after the state."""
    hook = env / "hook.txt"
    said: str = wait_for(lambda: hook.exists() and hook.read_text(), 10, "the flow's hook")
    return said


def _start_spawner(client: Any, env: Path, pool: str) -> tuple[Any, int, int, int]:
    """A run of spawns-grandchild, Running; its flow, child and grandchild pids."""
    deployment = deploy(client, pool, env, "flows.py:spawns_grandchild")
    run = client.create_flow_run_from_deployment(deployment)
    wait_for_state(client, run.id, {"RUNNING"})
    grandchild_file = env / "grandchild.pid"
    wait_for(lambda: grandchild_file.exists() and grandchild_file.read_text().strip(), 30, "pids")
    pids = [int((env / f"{n}.pid").read_text()) for n in ("flow", "child", "grandchild")]
    for pid in pids:
        assert not pid_gone(pid)
    return run, pids[0], pids[1], pids[2]


def test_cancel_ends_the_whole_process_group_runs_hooks_and_ends_cancelled(
    client: Any, env: Path, workers: Any
) -> None:
    worker = workers("e2e-cancel", E2E_DIR=str(env))
    wait_for_pool(client, "e2e-cancel")
    run, flow_pid, child_pid, grandchild_pid = _start_spawner(client, env, "e2e-cancel")

    began = time.monotonic()
    cancel = run_cli(["flow-run", "cancel", str(run.id)], worker.env)
    assert cancel.returncode == 0, cancel.stderr
    done = wait_for_state(client, run.id, {"CANCELLED", "CRASHED", "COMPLETED", "FAILED"}, 30)
    print(f"cancel -> {done.state.name} after {time.monotonic() - began:.2f} s")
    assert done.state.type.value == "CANCELLED", (done.state, worker.output())
    # the child and grandchild ignore SIGTERM: the SIGKILL after the grace period ends them
    wait_for(
        lambda: all(pid_gone(p) for p in (flow_pid, child_pid, grandchild_pid)),
        CANCEL_GRACE_SECONDS + 10,
        "the flow's process group to be gone",
    )
    assert _hook_said(env) == "Cancelled"
    assert worker.proc.poll() is None


def test_a_worker_killed_with_sigkill_leaves_its_run_to_zombie_detection(
    client: Any, env: Path, workers: Any
) -> None:
    worker = workers("e2e-kill", E2E_DIR=str(env))
    wait_for_pool(client, "e2e-kill")
    run, flow_pid, child_pid, grandchild_pid = _start_spawner(client, env, "e2e-kill")
    try:
        _kill_worker_and_see_the_run_crash(client, worker, run, flow_pid)
    finally:
        # the flow's children are orphans now (only the flow process had the death
        # signal): this test started them, this test ends them
        for pid in (child_pid, grandchild_pid):
            if not pid_gone(pid):
                os.kill(pid, signal.SIGKILL)


def _kill_worker_and_see_the_run_crash(
    client: Any, worker: Worker, run: Any, flow_pid: int
) -> None:
    # the server judges only runs that have beaten at least once
    api_url = worker.env["PREFECT_API_URL"]
    wait_for(lambda: heartbeats(api_url, run.id) >= 1, 20, "the run's first heartbeat")
    os.kill(worker.proc.pid, signal.SIGKILL)
    worker.proc.wait(timeout=10)
    # PR_SET_PDEATHSIG: the flow process does not outlive its worker
    wait_for(lambda: pid_gone(flow_pid), 10, "the flow process to die with its worker")
    began = time.monotonic()
    done = wait_for_state(client, run.id, {"CRASHED", "CANCELLED", "COMPLETED", "FAILED"}, 30)
    print(f"worker killed -> {done.state.name} after {time.monotonic() - began:.2f} s")
    assert done.state.type.value == "CRASHED", done.state
    assert (done.state.message or "").startswith("No heartbeat for "), done.state.message
    assert time.monotonic() - began < 2 * ZOMBIE_AFTER_SECONDS + 10


def test_a_worker_stopped_with_sigterm_exits_0_and_names_the_run_it_leaves(
    client: Any, env: Path, workers: Any
) -> None:
    worker = workers("e2e-term", E2E_DIR=str(env))
    wait_for_pool(client, "e2e-term")
    run, flow_pid, child_pid, grandchild_pid = _start_spawner(client, env, "e2e-term")

    worker.proc.send_signal(signal.SIGTERM)
    assert worker.proc.wait(timeout=CANCEL_GRACE_SECONDS + 20) == 0, worker.output()
    output = worker.output()
    assert str(run.id) in output and f"pid {flow_pid}" in output, output
    assert "leaves 1 flow run(s)" in output
    # nothing of the run is left behind, and the run says what happened
    wait_for(
        lambda: all(pid_gone(p) for p in (flow_pid, child_pid, grandchild_pid)),
        5,
        "the run's processes to be gone",
    )
    done = wait_for_state(client, run.id, {"CRASHED", "CANCELLED", "COMPLETED", "FAILED"}, 10)
    assert done.state.type.value == "CRASHED", done.state
    assert _hook_said(env) == "Crashed"


def test_an_unknown_worker_type_is_a_one_line_error(server: Server, tmp_path: Path) -> None:
    from tests.e2e._worker_env import clean_env

    env = clean_env(tmp_path, PREFECT_API_URL=server.api_url)
    result = run([PREFECT, "worker", "start", "-p", "nowhere", "-t", "nope"], env, timeout=60)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: Unknown worker type 'nope'"), lines


def run_cli(args: list[str], env: dict[str, str]) -> Any:
    return run([PREFECT, *args], env, timeout=60)
