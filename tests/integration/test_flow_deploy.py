"""`flow.deploy`, `to_deployment(...).apply()`, `prefect.deploy` and `Flow.from_source`
(a folder, a git repository) registering deployments in the embedded store (SQLite and
PostgreSQL)."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path
from typing import Any

import prefect
import pytest
from prefect import Flow, flow

from tests.integration._engine_helpers import Reader, reader, store  # noqa: F401

SOURCE = """
from prefect import flow

@flow(name="from-source")
def sourced(n: int = 1) -> int:
    return n
"""


@flow(name="deployable")
def deployable(n: int = 1) -> int:
    return n


def _pool(reader: Reader, name: str) -> None:  # noqa: F811
    from prefect.schemas.work_pools import WorkPoolCreate

    reader.client.create_work_pool(WorkPoolCreate(name=name, type="process"))


def test_apply_registers_without_a_pool_and_updates_in_place(reader: Reader) -> None:  # noqa: F811
    first = deployable.to_deployment("d", interval=60, parameters={"n": 2}).apply()
    stored = reader.client.read_deployment(first)
    assert stored.work_pool_name is None
    assert stored.entrypoint == "test_flow_deploy.py:deployable"
    assert stored.parameters == {"n": 2}
    assert stored.schedules[0].schedule.interval.total_seconds() == 60
    again = deployable.to_deployment("d", parameters={"n": 3}).apply()
    assert again == first
    assert reader.client.read_deployment(first).parameters == {"n": 3}


def test_deploy_needs_an_existing_pool_and_records_the_image(reader: Reader) -> None:  # noqa: F811
    with pytest.raises(ValueError, match="Could not find work pool 'missing'"):
        deployable.deploy("d", work_pool_name="missing")
    _pool(reader, "deploy-pool")
    deployment_id = deployable.deploy(
        "d", work_pool_name="deploy-pool", image="org/flows:1", cron="0 * * * *"
    )
    stored = reader.client.read_deployment(deployment_id)
    assert stored.work_pool_name == "deploy-pool"
    assert stored.job_variables == {"image": "org/flows:1"}
    assert stored.schedules[0].schedule.cron == "0 * * * *"

    # prefect.deploy(*deployments): several at once, sync and async
    ids = prefect.deploy(
        deployable.to_deployment("a"), deployable.to_deployment("b"), work_pool_name="deploy-pool"
    )
    assert [reader.client.read_deployment(i).name for i in ids] == ["a", "b"]
    with pytest.raises(ValueError, match="needs a work pool"):
        prefect.deploy(deployable.to_deployment("c"))

    async def main() -> Any:
        return await deployable.deploy("e", work_pool_name="deploy-pool")

    assert reader.client.read_deployment(asyncio.run(main())).name == "e"


def test_from_source_a_folder(reader: Reader, tmp_path: Path) -> None:  # noqa: F811
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "flows.py").write_text(SOURCE)
    loaded = Flow.from_source(str(tmp_path), "pkg/flows.py:sourced")
    assert isinstance(loaded, Flow) and loaded.name == "from-source"
    assert loaded(n=4) == 4
    deployment_id = loaded.to_deployment("folder").apply()
    stored = reader.client.read_deployment(deployment_id)
    assert stored.entrypoint == "pkg/flows.py:sourced"
    assert stored.path == str(tmp_path.resolve())
    assert stored.pull_steps == [
        {"prefect.deployments.steps.set_working_directory": {"directory": str(tmp_path.resolve())}}
    ]
    with pytest.raises(ValueError, match="neither a folder nor a git"):
        Flow.from_source(str(tmp_path / "nothing"), "flows.py:sourced")


def test_from_source_a_git_repository(reader: Reader, tmp_path: Path) -> None:  # noqa: F811
    repo = tmp_path / "repo"
    (repo / "flows").mkdir(parents=True)
    (repo / "flows" / "etl.py").write_text(SOURCE)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "flows"]):
        subprocess.run([*git, *args], cwd=repo, check=True, capture_output=True)
    url = f"file://{repo}"
    loaded = Flow.from_source(url, "flows/etl.py:sourced")
    assert loaded.name == "from-source" and loaded(n=7) == 7
    _pool(reader, "git-pool")
    stored = reader.client.read_deployment(loaded.deploy("git", work_pool_name="git-pool"))
    assert stored.entrypoint == "flows/etl.py:sourced"
    assert stored.path is None
    assert stored.pull_steps == [{"prefect.deployments.steps.git_clone": {"repository": url}}]

    # what a worker does with it: the pull step clones it and the entrypoint loads
    import os

    from prefect.deployments.execute import load_deployment_flow

    previous = os.getcwd()
    (tmp_path / "worker").mkdir()
    os.chdir(tmp_path / "worker")
    try:
        assert load_deployment_flow(stored).name == "from-source"
        assert Path.cwd() == (tmp_path / "worker" / "repo").resolve()
    finally:
        os.chdir(previous)
