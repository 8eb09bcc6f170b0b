"""`prefect.workers.docker`: the container a flow run gets, and the docker worker's run.

The container's arguments are rendered from the real default docker template with a
deployment's and a run's job variables. The worker runs against a real server process; in
place of the Docker engine (none runs here) it gets a recording stand-in for the Docker
SDK's client, and the tests check the calls it makes and the states it reports.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from typing import Any

import docker.errors  # type: ignore[import-untyped]
import pytest
from prefect.client.orchestration import get_client
from prefect.schemas.objects import FlowRun
from prefect.states import Cancelling
from prefect.workers.docker import DockerWorker, container_kwargs, should_pull
from prefect.workers.registry import worker_class
from prefect.workers.templates import (
    default_base_job_template,
    default_image,
    merge_job_variables,
    render_job_configuration,
)

from tests.core._remote_workers import (  # noqa: F401
    api,
    deployment_run,
    run_worker_once,
    server,
    worker_log,
)

RUN_ID = uuid.UUID("00000000-0000-0000-0000-000000000001")
FLOW_ID = uuid.UUID("00000000-0000-0000-0000-000000000002")
DEPLOYMENT_ID = uuid.UUID("00000000-0000-0000-0000-000000000003")


def flow_run() -> FlowRun:
    return FlowRun(id=RUN_ID, name="brave-otter", flow_id=FLOW_ID, deployment_id=DEPLOYMENT_ID)


def rendered(deployment: dict[str, Any], run: dict[str, Any]) -> dict[str, Any]:
    template = default_base_job_template("docker")
    return render_job_configuration(template, merge_job_variables(deployment, run))


RUN_LABELS = {
    "prefect.io/flow-run-id": str(RUN_ID),
    "prefect.io/flow-run-name": "brave-otter",
    "prefect.io/deployment-id": str(DEPLOYMENT_ID),
    "prefect.io/flow-id": str(FLOW_ID),
}


# -- the container's arguments ---------------------------------------------------------------


def test_default_template_gives_the_default_image_command_and_api_environment() -> None:
    kwargs = container_kwargs(rendered({}, {}), flow_run(), "https://api.example.com/api")
    assert kwargs == {
        "image": default_image(),
        "command": ["prefect", "flow-run", "execute"],
        "environment": {
            "PREFECT_API_URL": "https://api.example.com/api",
            "PREFECT__FLOW_RUN_ID": str(RUN_ID),
        },
        "name": "brave-otter",
        "labels": RUN_LABELS,
        "detach": True,
        "auto_remove": False,
        "privileged": False,
    }


def test_deployment_and_run_variables_shape_the_container() -> None:
    deployment = {
        "image": "registry.local:5000/team/flows:1.2",
        "env": {"MODE": "deploy", "SHARED": "deployment"},
        "labels": {"team": "data"},
        "networks": ["backend", "metrics"],
        "volumes": ["/srv/data:/data:ro"],
        "mem_limit": "512m",
        "command": "python -m flows.main --fast",
    }
    run = {
        "env": {"SHARED": "run", "EXTRA": "1"},
        "name": "nightly load/2024",
        "auto_remove": True,
        "privileged": True,
        "container_create_kwargs": {"cpu_shares": 512},
    }
    kwargs = container_kwargs(rendered(deployment, run), flow_run(), "http://10.0.0.5:4200/api")
    assert kwargs == {
        "image": "registry.local:5000/team/flows:1.2",
        "command": ["python", "-m", "flows.main", "--fast"],
        "environment": {
            "PREFECT_API_URL": "http://10.0.0.5:4200/api",
            "MODE": "deploy",
            "SHARED": "run",
            "EXTRA": "1",
            "PREFECT__FLOW_RUN_ID": str(RUN_ID),
        },
        "name": "nightly-load-2024",
        "labels": {"team": "data", **RUN_LABELS},
        "detach": True,
        "network": "backend",
        "volumes": ["/srv/data:/data:ro"],
        "auto_remove": True,
        "mem_limit": "512m",
        "privileged": True,
        "cpu_shares": 512,
    }


def test_a_local_api_url_is_reached_through_the_host_alias_unless_on_the_host_network() -> None:
    kwargs = container_kwargs(rendered({}, {}), flow_run(), "http://127.0.0.1:4200/api")
    assert kwargs["environment"]["PREFECT_API_URL"] == "http://host.docker.internal:4200/api"
    assert kwargs["extra_hosts"] == {"host.docker.internal": "host-gateway"}
    host = container_kwargs(
        rendered({}, {"network_mode": "host"}), flow_run(), "http://localhost:4200/api"
    )
    assert host["environment"]["PREFECT_API_URL"] == "http://localhost:4200/api"
    assert host["network_mode"] == "host" and "extra_hosts" not in host


def test_without_an_api_url_the_container_cannot_be_made() -> None:
    with pytest.raises(RuntimeError, match="PREFECT_API_URL"):
        container_kwargs(rendered({}, {}), flow_run(), None)


class Images:
    def __init__(self, present: set[str]) -> None:
        self.present = present

    def get(self, image: str) -> object:
        if image not in self.present:
            raise docker.errors.ImageNotFound(image)
        return object()


class ImagesClient:
    def __init__(self, *present: str) -> None:
        self.images = Images(set(present))


@pytest.mark.parametrize(
    ("image", "policy", "present", "pull"),
    [
        ("app:1", "Always", True, True),
        ("app:1", "Never", False, False),
        ("app:1", "IfNotPresent", True, False),
        ("app:1", "IfNotPresent", False, True),
        ("app:1", None, True, False),
        ("app:1", None, False, True),
        ("app:latest", None, True, True),
        ("app", None, True, True),
        ("app", "IfNotPresent", True, False),
    ],
)
def test_pull_policy(image: str, policy: str | None, present: bool, pull: bool) -> None:
    client = ImagesClient(image) if present else ImagesClient()
    assert should_pull(client, image, policy) is pull


# -- the worker's run, against a server --------------------------------------------------------


class Recorder:
    """A stand-in for `docker.DockerClient`: it records every call, and its container
    exits with `code` when told to (or at once), or when stopped."""

    def __init__(
        self,
        code: int = 0,
        exit_at_once: bool = True,
        taken: set[str] | None = None,
        engine_gone: bool = False,
    ) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.taken = taken or set()
        self.engine_gone = engine_gone
        self.code = code
        self.exited = threading.Event()
        self.started = threading.Event()
        if exit_at_once:
            self.exited.set()
        self.images = _RecImages(self)
        self.containers = _RecContainers(self)
        self.networks = _RecNetworks(self)

    def close(self) -> None:
        self.calls.append(("close",))

    def names(self) -> list[str]:
        return [call[0] for call in self.calls]


class _RecImages:
    def __init__(self, rec: Recorder) -> None:
        self.rec = rec

    def get(self, image: str) -> object:
        self.rec.calls.append(("images.get", image))
        raise docker.errors.ImageNotFound(image)

    def pull(self, repository: str, tag: str | None = None) -> None:
        self.rec.calls.append(("images.pull", repository, tag))


class _RecNetworks:
    def __init__(self, rec: Recorder) -> None:
        self.rec = rec

    def get(self, name: str) -> Any:
        rec = self.rec

        class Network:
            def connect(self, container: Any) -> None:
                rec.calls.append(("networks.connect", name, container.id))

        return Network()


class _RecContainers:
    def __init__(self, rec: Recorder) -> None:
        self.rec = rec

    def create(self, **kwargs: Any) -> Any:
        self.rec.calls.append(("containers.create", kwargs))
        if kwargs.get("name") in self.rec.taken:
            raise docker.errors.APIError("Conflict", response=_Response(409))
        return _RecContainer(self.rec)


class _Response:
    def __init__(self, status_code: int) -> None:
        self.status_code = status_code
        self.reason = "Conflict"


class _RecContainer:
    id = "c0ffee" * 10

    def __init__(self, rec: Recorder) -> None:
        self.rec = rec

    def start(self) -> None:
        self.rec.calls.append(("start",))
        self.rec.started.set()

    def logs(self, stream: bool, follow: bool) -> Any:
        yield b"hello from the container\n"
        self.rec.exited.wait(30)

    def wait(self) -> dict[str, int]:
        self.rec.calls.append(("wait",))
        if self.rec.engine_gone:
            raise docker.errors.APIError("the engine went away")
        assert self.rec.exited.wait(30), "the container was never stopped"
        return {"StatusCode": self.rec.code}

    def stop(self, timeout: int) -> None:
        self.rec.calls.append(("stop", timeout))
        self.rec.code = 143
        self.rec.exited.set()

    def remove(self, force: bool) -> None:
        self.rec.calls.append(("remove", force))


def pool_name() -> str:
    return f"docker-{uuid.uuid4().hex[:8]}"


async def test_a_container_that_exits_without_a_final_state_crashes_the_run_with_its_code(
    api: str,  # noqa: F811
) -> None:
    rec = Recorder(code=3)
    pool = pool_name()
    async with get_client() as client:
        await client.create_work_pool(_docker_pool(pool))
        run = await deployment_run(
            client, pool, {"image": "team/flows:2", "networks": ["a", "b"]}, {"env": {"X": "1"}}
        )
        worker = DockerWorker(pool, docker_client=lambda: rec, cancel_grace_seconds=4)
        await run_worker_once(worker)
        after = await client.read_flow_run(run.id)
    assert after.state is not None and after.state.name == "Crashed"
    assert "non-zero status code 3" in (after.state.message or "")
    assert after.infrastructure_pid == _RecContainer.id
    assert rec.names() == [
        "images.get",
        "images.pull",
        "containers.create",
        "networks.connect",
        "start",
        "wait",
        "close",
    ]
    assert rec.calls[1] == ("images.pull", "team/flows", "2")
    created = rec.calls[2][1]
    assert created["image"] == "team/flows:2" and created["network"] == "a"
    assert rec.calls[3] == ("networks.connect", "b", _RecContainer.id)
    assert created["environment"]["PREFECT_API_URL"] == api.replace(
        "127.0.0.1", "host.docker.internal"
    )
    assert created["environment"]["PREFECT__FLOW_RUN_ID"] == str(run.id)
    assert created["environment"]["X"] == "1"
    assert created["labels"]["prefect.io/flow-run-id"] == str(run.id)


async def test_a_taken_container_name_gets_a_suffix(api: str) -> None:  # noqa: F811
    rec = Recorder(taken={"nightly", "nightly-1"})
    pool = pool_name()
    async with get_client() as client:
        await client.create_work_pool(_docker_pool(pool))
        await deployment_run(client, pool, {"name": "nightly", "image_pull_policy": "Never"}, {})
        await run_worker_once(DockerWorker(pool, docker_client=lambda: rec))
    names = [call[1]["name"] for call in rec.calls if call[0] == "containers.create"]
    assert names == ["nightly", "nightly-1", "nightly-2"]
    assert rec.names()[-3:] == ["start", "wait", "close"]


async def test_losing_the_engine_while_waiting_crashes_the_run_saying_so(
    api: str,  # noqa: F811
) -> None:
    rec = Recorder(engine_gone=True)
    pool = pool_name()
    async with get_client() as client:
        await client.create_work_pool(_docker_pool(pool))
        run = await deployment_run(client, pool, {"image_pull_policy": "Never"}, {})
        await run_worker_once(DockerWorker(pool, docker_client=lambda: rec))
        after = await client.read_flow_run(run.id)
    assert after.state is not None and after.state.name == "Crashed"
    assert "lost track of container" in (after.state.message or "")


async def test_cancelling_a_run_stops_its_container_and_ends_it_cancelled(
    api: str,  # noqa: F811
) -> None:
    rec = Recorder(exit_at_once=False)
    pool = pool_name()
    async with get_client() as client:
        await client.create_work_pool(_docker_pool(pool))
        run = await deployment_run(client, pool, {"image_pull_policy": "Never"}, {})
        worker = DockerWorker(pool, docker_client=lambda: rec, cancel_grace_seconds=7)
        serving = asyncio.create_task(run_worker_once(worker))
        assert await asyncio.to_thread(rec.started.wait, 20)
        result = await client.set_flow_run_state(run.id, Cancelling())
        assert result.status.value == "ACCEPT"
        await serving
        after = await client.read_flow_run(run.id)
    assert after.state is not None and after.state.name == "Cancelled"
    assert rec.names() == ["containers.create", "start", "wait", "stop", "close"]
    assert ("stop", 7) in rec.calls


async def test_a_worker_on_the_embedded_store_crashes_its_runs_saying_why(
    worker_log: list[str],  # noqa: F811 (the fixture imported above)
) -> None:
    rec = Recorder()
    pool = pool_name()
    async with get_client() as client:
        assert client.api_url is None
        await client.create_work_pool(_docker_pool(pool))
        run = await deployment_run(client, pool, {}, {})
        worker = DockerWorker(pool, docker_client=lambda: rec)
        await run_worker_once(worker)
        after = await client.read_flow_run(run.id)
    assert after.state is not None and after.state.name == "Crashed"
    assert "PREFECT_API_URL" in (after.state.message or "")
    # said at start, before any run
    assert any("uses the embedded store" in message for message in worker_log)
    assert rec.calls == []


def test_the_registry_names_the_docker_worker() -> None:
    assert worker_class("docker") is DockerWorker


def test_without_the_docker_package_the_registry_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    from prefect.workers.registry import UnknownWorkerType

    monkeypatch.setitem(sys.modules, "docker", None)
    monkeypatch.delitem(sys.modules, "prefect.workers.docker")
    with pytest.raises(UnknownWorkerType, match=r"prefect-console\[docker\]") as info:
        worker_class("docker")
    assert 'pip install "prefect-console[docker]"' in str(info.value)
    assert "\n" not in str(info.value)


def _docker_pool(name: str) -> Any:
    from prefect.schemas.work_pools import WorkPoolCreate

    return WorkPoolCreate(
        name=name, type="docker", base_job_template=default_base_job_template("docker")
    )
