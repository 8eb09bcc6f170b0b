"""Shared by the docker and kubernetes worker tests: a real server process, a deployment
with job variables and a run of it with its own, and driving a worker once.

No Docker engine or Kubernetes cluster runs here, so the tests give the workers a recording
stand-in for the client library's objects; everything else (the API, the pool and its
default template, the state reports) is real.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration._server_process import ServerProcess


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("remote-worker-server"))
    proc.wait_healthy()
    yield proc
    proc.stop()


@pytest.fixture
def api(server: ServerProcess, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PREFECT_API_URL", server.api_url)
    return server.api_url


async def deployment_run(
    client: Any,
    pool: str,
    deployment_variables: dict[str, Any],
    run_variables: dict[str, Any],
) -> Any:
    """A deployment of `pool` and a run of it, due now."""
    flow_id = await client.create_flow_from_name(f"remote-{uuid.uuid4().hex[:8]}")
    deployment_id = await client.create_deployment(
        flow_id,
        "dep",
        work_pool_name=pool,
        entrypoint="flows.py:f",
        job_variables=deployment_variables,
    )
    return await client.create_flow_run_from_deployment(
        deployment_id, job_variables=run_variables, name="brave-otter"
    )


async def run_worker_once(worker: Any, timeout: float = 30) -> None:
    await asyncio.wait_for(worker.run(run_once=True), timeout)


@pytest.fixture
def worker_log() -> Iterator[list[str]]:
    """The messages the workers' logger emits during the test, read at the logger itself:
    once the SDK's logging is configured (by any earlier test) its records no longer
    reach pytest's caplog through the root logger."""
    import logging

    messages: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    handler = Keep(level=logging.DEBUG)
    logger = logging.getLogger("prefect.worker")
    logger.addHandler(handler)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
