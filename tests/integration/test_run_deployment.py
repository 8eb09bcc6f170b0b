"""`prefect.deployments.run_deployment` on the embedded store (SQLite and PostgreSQL):
the run it creates, how long it waits, the child link inside a flow, the async spelling.
Runs executing for real (served) are in tests/e2e/test_serve.py."""

from __future__ import annotations

import asyncio
import inspect
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prefect import flow
from prefect.deployments import run_deployment

from tests.integration._engine_helpers import Reader, reader, store  # noqa: F401


@flow(name="target")
def target(x: int = 1, y: str = "a") -> int:
    return x


def _deploy() -> Any:
    return target.to_deployment("rd", parameters={"y": "from-deployment"}, tags=["dep"]).apply()


def test_creates_the_run_with_its_options_and_does_not_wait_with_timeout_zero(
    reader: Reader,  # noqa: F811
) -> None:
    deployment_id = _deploy()
    when = datetime.now(UTC) + timedelta(hours=1)
    run = run_deployment(
        "target/rd",
        parameters={"x": 5},
        scheduled_time=when,
        flow_run_name="named-run",
        tags=["extra"],
        job_variables={"env": {"A": "1"}},
        timeout=0,
    )
    assert run.deployment_id == deployment_id
    assert run.name == "named-run"
    assert run.parameters == {"x": 5, "y": "from-deployment"}
    assert {"dep", "extra"} <= set(run.tags)
    assert run.job_variables == {"env": {"A": "1"}}
    assert run.state is not None and run.state.is_scheduled()
    assert abs((run.state.state_details.scheduled_time - when).total_seconds()) < 1
    assert run.parent_task_run_id is None
    # by id too (a UUID or its text)
    assert run_deployment(deployment_id, timeout=0).deployment_id == deployment_id
    assert run_deployment(str(deployment_id), timeout=0).deployment_id == deployment_id


def test_waits_until_the_timeout_then_returns_the_run_as_it_is(
    reader: Reader,  # noqa: F811
) -> None:
    _deploy()
    began = time.monotonic()
    run = run_deployment("target/rd", timeout=0.6, poll_interval=0.1)
    assert 0.5 <= time.monotonic() - began < 5
    assert run.state is not None and run.state.is_scheduled()  # nothing ran it
    with pytest.raises(ValueError, match="negative"):
        run_deployment("target/rd", timeout=-1)


def test_waits_for_a_final_state(reader: Reader) -> None:  # noqa: F811
    from prefect.client.orchestration import get_client
    from prefect.states import Completed

    deployment_id = _deploy()
    stop = threading.Event()

    def complete_runs() -> None:
        # stands for a worker: sets the deployment's scheduled runs Completed
        from prefect.schemas.filters import DeploymentFilter, DeploymentFilterId

        with get_client(sync_client=True) as client:
            while not stop.is_set():
                runs = client.read_flow_runs(
                    deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id]))
                )
                for r in runs:
                    if r.state is not None and r.state.is_scheduled():
                        client.set_flow_run_state(r.id, Completed(), force=True)
                time.sleep(0.1)

    thread = threading.Thread(target=complete_runs)
    thread.start()
    try:
        run = run_deployment("target/rd", poll_interval=0.1, timeout=30)
    finally:
        stop.set()
        thread.join()
    assert run.state is not None and run.state.is_completed()


def test_inside_a_flow_the_run_is_linked_as_a_child(reader: Reader) -> None:  # noqa: F811
    _deploy()

    @flow
    def parent() -> Any:
        return run_deployment("target/rd", timeout=0)

    child = parent()
    assert child.parent_task_run_id is not None
    stand_in = reader.client.read_task_run(child.parent_task_run_id)
    assert stand_in.name == "rd"
    parent_runs = [r for r in reader.flow_runs() if r.deployment_id is None]
    assert stand_in.flow_run_id in {r.id for r in parent_runs}

    @flow
    def not_linked() -> Any:
        return run_deployment("target/rd", timeout=0, as_subflow=False)

    assert not_linked().parent_task_run_id is None


def test_returns_a_coroutine_in_async_code(reader: Reader) -> None:  # noqa: F811
    deployment_id = _deploy()

    async def main() -> Any:
        pending = run_deployment("target/rd", timeout=0)
        assert inspect.iscoroutine(pending)
        return await pending

    assert asyncio.run(main()).deployment_id == deployment_id

    @flow
    async def async_parent() -> Any:
        return await run_deployment("target/rd", timeout=0)

    child = asyncio.run(async_parent())
    assert child.deployment_id == deployment_id and child.parent_task_run_id is not None
