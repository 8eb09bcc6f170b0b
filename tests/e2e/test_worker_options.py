"""`prefect worker start` options and the code a run gets, for real: `--run-once`,
`--limit`, `--with-healthcheck`, runs taken ahead of time (prefetch) that still start on
time, a deployment whose pull steps clone a local git repository, an async flow
cancelled with its hook, and an entrypoint that names no flow."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e._worker_env import (
    Server,
    Worker,
    deploy,
    wait_for,
    wait_for_pool,
    wait_for_state,
)
from tests.e2e.conftest import free_port

pytestmark = pytest.mark.e2e

FLOWS = """
import asyncio, os, time
from pathlib import Path
from prefect import flow

@flow(name="stamp")
def stamp(tag: str, seconds: float = 0.0) -> str:
    folder = Path(os.environ["E2E_DIR"])
    began = time.time()
    time.sleep(seconds)
    Path(folder, f"{tag}.json").write_text(f'[{began}, {time.time()}]')
    return tag

async def async_hook(flow, flow_run, state):
    Path(os.environ["E2E_DIR"], "async-hook.txt").write_text(state.name)

@flow(name="waits-async", on_cancellation=[async_hook])
async def waits_async() -> None:
    Path(os.environ["E2E_DIR"], "async-started").write_text("yes")
    await asyncio.sleep(300)

@flow(name="env-dump")
def env_dump() -> None:
    seen = {k: os.environ.get(k) for k in ("FROM_DEPLOYMENT", "FROM_RUN", "BOTH")}
    seen["cwd"] = os.getcwd()
    Path(os.environ["E2E_DIR"], "env.json").write_text(__import__("json").dumps(seen))

not_a_flow = 42
"""

CLONED_FLOW = """
import os
from pathlib import Path
from prefect import flow

@flow(name="from-git")
def from_git() -> str:
    text = open("data.txt").read()
    Path(os.environ["E2E_DIR"], "git.txt").write_text(f"{text}|{os.getcwd()}")
    return text
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("worker-options-server"))
    yield server
    server.stop()


@pytest.fixture
def env(server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
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


def _create_pool(client: Any, name: str) -> None:
    from prefect.schemas.work_pools import WorkPoolCreate
    from prefect.workers.templates import default_base_job_template

    client.create_work_pool(
        WorkPoolCreate(
            name=name, type="process", base_job_template=default_base_job_template("process")
        )
    )


def test_run_once_takes_one_polls_runs_and_exits(client: Any, env: Path, workers: Any) -> None:
    _create_pool(client, "e2e-once")
    deployment = deploy(client, "e2e-once", env, "flows.py:stamp")
    runs = [client.create_flow_run_from_deployment(deployment, parameters={"tag": t}) for t in "ab"]
    worker = workers("e2e-once", "--run-once", E2E_DIR=str(env))
    assert worker.proc.wait(timeout=90) == 0, worker.output()
    for run in runs:
        assert client.read_flow_run(run.id).state.type.value == "COMPLETED"
    # a run made after the worker left stays for the next worker
    later = client.create_flow_run_from_deployment(deployment, parameters={"tag": "c"})
    time.sleep(1)
    assert client.read_flow_run(later.id).state.type.value == "SCHEDULED"


def test_limit_bounds_the_runs_in_progress(client: Any, env: Path, workers: Any) -> None:
    worker = workers("e2e-limit", "--limit", "1", E2E_DIR=str(env))
    wait_for_pool(client, "e2e-limit")
    deployment = deploy(client, "e2e-limit", env, "flows.py:stamp")
    runs = [
        client.create_flow_run_from_deployment(deployment, parameters={"tag": t, "seconds": 1.5})
        for t in ("x", "y")
    ]
    for run in runs:
        done = wait_for_state(client, run.id, {"COMPLETED", "FAILED", "CRASHED"}, 60)
        assert done.state.type.value == "COMPLETED", (done.state, worker.output())
    (a_start, a_end), (b_start, b_end) = (
        json.loads((env / f"{t}.json").read_text()) for t in ("x", "y")
    )
    assert a_end <= b_start or b_end <= a_start, "the two runs overlapped despite --limit 1"


def test_healthcheck_answers_while_the_worker_polls(client: Any, env: Path, workers: Any) -> None:
    port = free_port()
    workers(
        "e2e-health",
        "--with-healthcheck",
        PREFECT_WORKER_WEBSERVER_HOST="127.0.0.1",
        PREFECT_WORKER_WEBSERVER_PORT=str(port),
    )

    def health() -> Any:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as r:
                return r.status, json.loads(r.read())
        except OSError:
            return None

    assert wait_for(health, 60, "GET /health") == (200, {"message": "OK"})


def test_a_run_taken_ahead_of_time_starts_at_its_scheduled_time(
    client: Any, env: Path, workers: Any
) -> None:
    from prefect._time import now
    from prefect.states import Scheduled

    workers("e2e-prefetch", "--prefetch-seconds", "10", E2E_DIR=str(env))
    wait_for_pool(client, "e2e-prefetch")
    deployment = deploy(client, "e2e-prefetch", env, "flows.py:stamp")
    when = now() + timedelta(seconds=4)
    run = client.create_flow_run_from_deployment(
        deployment, parameters={"tag": "p"}, state=Scheduled(scheduled_time=when)
    )
    # taken (Pending, its process started) well before it is due
    pending = wait_for_state(client, run.id, {"PENDING", "RUNNING", "COMPLETED"}, 10)
    assert pending.state.type.value == "PENDING" and now() < when
    done = wait_for_state(client, run.id, {"COMPLETED", "FAILED", "CRASHED"}, 30)
    assert done.state.type.value == "COMPLETED", done.state
    assert done.start_time is not None and done.start_time >= when
    print(f"started {(done.start_time - when).total_seconds():.3f} s after its scheduled time")


def test_pull_steps_clone_a_git_repository_and_run_its_flow(
    client: Any, env: Path, workers: Any, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "flows").mkdir()
    (repo / "flows" / "git_flow.py").write_text(CLONED_FLOW)
    (repo / "data.txt").write_text("from the repository")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-q", "-m", "flow"]):
        subprocess.run([*git, *args], cwd=repo, check=True)

    workers("e2e-git", E2E_DIR=str(env))
    wait_for_pool(client, "e2e-git")
    flow_id = client.create_flow_from_name("from-git")
    steps = [
        {"prefect.deployments.steps.git_clone": {"id": "clone", "repository": str(repo)}},
        {"prefect.deployments.steps.run_shell_script": {"script": "echo cloned"}},
    ]
    deployment = client.create_deployment(
        flow_id,
        "git",
        work_pool_name="e2e-git",
        entrypoint="flows/git_flow.py:from_git",
        pull_steps=steps,
    )
    run = client.create_flow_run_from_deployment(deployment)
    done = wait_for_state(client, run.id, {"COMPLETED", "FAILED", "CRASHED"}, 60)
    assert done.state.type.value == "COMPLETED", done.state
    # the flow ran in the clone (the repository's name), read its file from there
    text, cwd = (env / "git.txt").read_text().split("|")
    assert text == "from the repository"
    assert Path(cwd).name == "repo" and Path(cwd) != repo


def test_an_entrypoint_that_names_no_flow_fails_the_run_with_the_reason(
    client: Any, env: Path, workers: Any
) -> None:
    workers("e2e-bad", E2E_DIR=str(env))
    wait_for_pool(client, "e2e-bad")
    missing = deploy(client, "e2e-bad", env, "flows.py:not_a_flow", name="not-a-flow")
    nofile = deploy(client, "e2e-bad", env, "nowhere.py:stamp", name="no-file")
    for deployment, reason in ((missing, "not a flow"), (nofile, "no file")):
        run = client.create_flow_run_from_deployment(deployment)
        done = wait_for_state(client, run.id, {"COMPLETED", "FAILED", "CRASHED"}, 60)
        assert done.state.type.value == "FAILED", done.state
        assert reason in (done.state.message or ""), done.state.message


def test_an_async_flow_is_cancelled_with_its_hook(client: Any, env: Path, workers: Any) -> None:
    from prefect.states import Cancelling

    worker = workers("e2e-async", E2E_DIR=str(env))
    wait_for_pool(client, "e2e-async")
    deployment = deploy(client, "e2e-async", env, "flows.py:waits_async")
    run = client.create_flow_run_from_deployment(deployment)
    wait_for(lambda: (env / "async-started").exists(), 60, "the async flow to start")
    result = client.set_flow_run_state(run.id, Cancelling())
    assert result.status.value == "ACCEPT"
    done = wait_for_state(client, run.id, {"CANCELLED", "CRASHED", "COMPLETED", "FAILED"}, 30)
    assert done.state.type.value == "CANCELLED", (done.state, worker.output())
    # hooks run once the final state is set: give the process the moment it needs
    hook = env / "async-hook.txt"
    assert wait_for(lambda: hook.exists() and hook.read_text(), 10, "the hook") == "Cancelled"


@pytest.mark.parametrize(
    "command", [None, "{python} -m prefect_console.cli._entry flow-run execute"]
)
def test_job_variables_of_the_deployment_and_the_run_reach_the_process(
    client: Any, env: Path, workers: Any, command: str | None
) -> None:
    import sys

    workers("e2e-vars", E2E_DIR=str(env))
    wait_for_pool(client, "e2e-vars")
    variables: dict[str, Any] = {
        "env": {"FROM_DEPLOYMENT": "d", "BOTH": "deployment"},
        "working_dir": str(env),
    }
    if command is not None:
        # a command of the template's own (the run's id comes in $PREFECT__FLOW_RUN_ID)
        variables["command"] = command.format(python=sys.executable)
    # no path, no pull steps: the entrypoint is found only in the working_dir
    deployment = client.create_deployment(
        client.create_flow_from_name("env-dump"),
        f"vars-{command is None}",
        work_pool_name="e2e-vars",
        entrypoint="flows.py:env_dump",
        job_variables=variables,
    )
    run = client.create_flow_run_from_deployment(
        deployment, job_variables={"env": {"FROM_RUN": "r", "BOTH": "run"}}
    )
    done = wait_for_state(client, run.id, {"COMPLETED", "FAILED", "CRASHED"}, 60)
    assert done.state.type.value == "COMPLETED", done.state
    seen = json.loads((env / "env.json").read_text())
    assert seen == {"FROM_DEPLOYMENT": "d", "FROM_RUN": "r", "BOTH": "run", "cwd": str(env)}
