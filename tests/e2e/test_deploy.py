"""`prefect deploy` and `prefect deployment run --watch` for real: a `prefect server start`,
a `prefect worker start -p POOL`, the CLI in subprocesses from the flows' folder. The watch
exits 0 when the run Completes and 1 when it Fails, after printing its logs and states."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e._worker_env import PREFECT, Server, Worker, clean_env, wait_for_pool

pytestmark = pytest.mark.e2e

FLOWS = """
from pathlib import Path
from prefect import flow, get_run_logger

@flow(name="greet")
def greet(name: str, out: str) -> str:
    get_run_logger().info("greeting %s", name)
    Path(out).write_text(f"hello {name}")
    return name

@flow(name="fails")
def fails() -> None:
    raise ValueError("expected failure")
"""

POOL = "e2e-deploy"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("deploy-server"))
    yield server
    server.stop()


@pytest.fixture
def folder(server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The flows' folder, with a worker of the pool running."""
    monkeypatch.setenv("PREFECT_API_URL", server.api_url)
    folder = tmp_path / "flows"
    folder.mkdir()
    (folder / "flows.py").write_text(FLOWS)
    worker = Worker(server, tmp_path, POOL)
    try:
        from prefect.client.orchestration import get_client

        with get_client(sync_client=True) as client:
            wait_for_pool(client, POOL)
        yield folder
    finally:
        worker.stop()


def cli(folder: Path, server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    env = clean_env(folder.parent / "home", PREFECT_API_URL=server.api_url)
    return subprocess.run(
        [PREFECT, *args], env=env, cwd=folder, capture_output=True, text=True, timeout=120,
        check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def test_deploy_then_run_watch_exit_codes(folder: Path, server: Server) -> None:
    done = cli(folder, server, "deploy", "flows.py:greet", "-n", "e2e", "-p", POOL,
               "--param", "name=ada")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "prefect deployment run 'greet/e2e'" in done.stdout
    out = folder / "out.txt"
    watched: Any = cli(folder, server, "deployment", "run", "greet/e2e", "-p", f"out={out}",
                       "--watch", "--watch-interval", "0.2")  # fmt: skip
    assert watched.returncode == 0, (watched.stdout, watched.stderr)
    assert out.read_text() == "hello ada"
    lines = watched.stdout.splitlines()
    assert any("greeting ada" in line for line in lines), watched.stdout
    assert "Completed" in lines[-1], watched.stdout

    # a flow's name runs its (only) deployment
    again = cli(folder, server, "flow-run", "create", "greet", "-p", "name=bob",
                "-p", f"out={out}", "--watch")  # fmt: skip
    assert again.returncode == 0, (again.stdout, again.stderr)
    assert out.read_text() == "hello bob"

    assert cli(folder, server, "deploy", "flows.py:fails", "-n", "e2e", "-p", POOL).returncode == 0
    failed = cli(folder, server, "deployment", "run", "fails/e2e", "--watch",
                 "--watch-interval", "0.2")  # fmt: skip
    assert failed.returncode == 1, (failed.stdout, failed.stderr)
    assert "Failed" in failed.stdout.splitlines()[-1]
    assert failed.stderr.strip().startswith("Error: ") and "Failed" in failed.stderr


def test_deploy_to_a_missing_pool_is_refused(folder: Path, server: Server) -> None:
    done = cli(folder, server, "deploy", "flows.py:greet", "-n", "x", "-p", "no-such-pool")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert "'no-such-pool' does not exist" in done.stderr


def test_prefect_yaml_deployment_runs_through_its_pull_steps(folder: Path, server: Server) -> None:
    import yaml

    project = folder.parent / "project"
    (project / "jobs").mkdir(parents=True)
    (project / "jobs" / "greeting.py").write_text(FLOWS)
    assert cli(project, server, "init").returncode == 0
    spec = yaml.safe_load((project / "prefect.yaml").read_text())
    spec["deployments"][0].update(
        name="from-yaml", entrypoint="jobs/greeting.py:greet", parameters={"name": "yml"}
    )
    spec["deployments"][0]["work_pool"]["name"] = POOL
    (project / "prefect.yaml").write_text(yaml.safe_dump(spec))
    done = cli(project, server, "deploy", "--all")
    assert done.returncode == 0, done.stderr
    out = folder / "yaml-out.txt"
    watched = cli(folder, server, "deployment", "run", "greet/from-yaml", "-p", f"out={out}",
                  "--watch", "--watch-interval", "0.2")  # fmt: skip
    assert watched.returncode == 0, (watched.stdout, watched.stderr)
    assert out.read_text() == "hello yml"
