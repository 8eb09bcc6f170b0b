"""`prefect.workers.kubernetes`: the Job a flow run gets, and the kubernetes worker's run.

The Job manifest is rendered from the real default kubernetes template with a deployment's
and a run's job variables. The worker runs against a real server process; in place of a
cluster (none runs here) it gets recording stand-ins for `BatchV1Api`, `CoreV1Api` and
`Watch` that answer with the client library's own model objects, and the tests check the
calls made and the states reported.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from kubernetes.client import (
    V1ContainerState,
    V1ContainerStateTerminated,
    V1ContainerStatus,
    V1Job,
    V1JobStatus,
    V1ObjectMeta,
    V1Pod,
    V1PodStatus,
)
from kubernetes.client.exceptions import ApiException
from prefect.client.orchestration import get_client
from prefect.schemas.objects import FlowRun
from prefect.states import Cancelling
from prefect.workers.kubernetes import KubeApi, KubernetesWorker, job_manifest
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
RUN_LABELS = {
    "prefect.io/flow-run-id": str(RUN_ID),
    "prefect.io/flow-run-name": "brave-otter",
    "prefect.io/deployment-id": str(DEPLOYMENT_ID),
    "prefect.io/flow-id": str(FLOW_ID),
}


def flow_run() -> FlowRun:
    return FlowRun(id=RUN_ID, name="brave-otter", flow_id=FLOW_ID, deployment_id=DEPLOYMENT_ID)


def rendered(deployment: dict[str, Any], run: dict[str, Any]) -> dict[str, Any]:
    template = default_base_job_template("kubernetes")
    return render_job_configuration(template, merge_job_variables(deployment, run))


def env_list(api_url: str, **extra: str) -> list[dict[str, str]]:
    values = {"PREFECT_API_URL": api_url, **extra, "PREFECT__FLOW_RUN_ID": str(RUN_ID)}
    return [{"name": k, "value": v} for k, v in values.items()]


# -- the manifest ------------------------------------------------------------------------------


def test_the_default_template_gives_a_job_that_runs_the_flow_run() -> None:
    manifest = job_manifest(rendered({}, {}), flow_run(), "http://prefect.svc:4200/api")
    assert manifest == {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "labels": RUN_LABELS,
            "namespace": "default",
            "generateName": "brave-otter-",
        },
        "spec": {
            "backoffLimit": 0,
            "template": {
                "spec": {
                    "parallelism": 1,
                    "completions": 1,
                    "restartPolicy": "Never",
                    "containers": [
                        {
                            "name": "prefect-job",
                            "env": env_list("http://prefect.svc:4200/api"),
                            "image": default_image(),
                            "imagePullPolicy": "IfNotPresent",
                            "args": ["prefect", "flow-run", "execute"],
                        }
                    ],
                }
            },
        },
    }


def test_deployment_and_run_variables_shape_the_job() -> None:
    deployment = {
        "namespace": "flows",
        "image": "registry.local/team/flows:3",
        "env": {"MODE": "deploy", "SHARED": "deployment"},
        "labels": {"team": "data"},
        "service_account_name": "runner",
        "finished_job_ttl": 600,
        "command": "python -m flows.main --fast",
    }
    run = {
        "env": {"SHARED": "run"},
        "name": "Nightly Load_2024",
        "image_pull_policy": "Always",
    }
    manifest = job_manifest(rendered(deployment, run), flow_run(), "http://prefect.svc/api")
    assert manifest == {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "labels": {"team": "data", **RUN_LABELS},
            "namespace": "flows",
            "generateName": "nightly-load-2024-",
        },
        "spec": {
            "backoffLimit": 0,
            "ttlSecondsAfterFinished": 600,
            "template": {
                "spec": {
                    "parallelism": 1,
                    "completions": 1,
                    "restartPolicy": "Never",
                    "serviceAccountName": "runner",
                    "containers": [
                        {
                            "name": "prefect-job",
                            "env": env_list("http://prefect.svc/api", MODE="deploy", SHARED="run"),
                            "image": "registry.local/team/flows:3",
                            "imagePullPolicy": "Always",
                            "args": ["python", "-m", "flows.main", "--fast"],
                        }
                    ],
                }
            },
        },
    }


def test_without_an_api_url_no_job_can_be_made() -> None:
    with pytest.raises(RuntimeError, match="PREFECT_API_URL"):
        job_manifest(rendered({}, {}), flow_run(), None)


# -- the worker's run, against a server --------------------------------------------------------

JOB_NAME = "brave-otter-x7k2p"
POD_NAME = JOB_NAME + "-abcde"


def _pod(phase: str, code: int | None = None) -> V1Pod:
    statuses = None
    if code is not None:
        terminated = V1ContainerStateTerminated(exit_code=code)
        statuses = [
            V1ContainerStatus(
                name="prefect-job",
                image="x",
                image_id="x",
                ready=False,
                restart_count=0,
                state=V1ContainerState(terminated=terminated),
            )
        ]
    return V1Pod(
        metadata=V1ObjectMeta(name=POD_NAME),
        status=V1PodStatus(phase=phase, container_statuses=statuses),
    )


def _job(status: V1JobStatus | None = None) -> V1Job:
    return V1Job(metadata=V1ObjectMeta(name=JOB_NAME, namespace="flows"), status=status)


class Cluster:
    """Records the calls the worker makes; its pod runs, then exits with `code` at once
    (or, with `runs=True`, only once its Job is deleted)."""

    def __init__(
        self, code: int = 0, runs: bool = False, pod_starts: bool = True, pod_gone: bool = False
    ) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.pod_gone = pod_gone
        self.code = code
        self.pod_starts = pod_starts
        self.deleted = threading.Event()
        self.running = threading.Event()
        if not runs:
            self.deleted.set()  # nothing to wait for
        self.runs = runs
        self.closed = False

    def api(self, cluster_config: dict[str, Any] | None) -> KubeApi:
        self.calls.append(("connect", cluster_config))
        return KubeApi(
            batch=_Batch(self), core=_Core(self), watch=lambda: _Watch(self), close=self.close
        )

    def close(self) -> None:
        self.closed = True

    def names(self) -> list[str]:
        return [call[0] for call in self.calls]


class _Batch:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    def create_namespaced_job(self, namespace: str, body: dict[str, Any]) -> V1Job:
        self.cluster.calls.append(("create_namespaced_job", namespace, body))
        return _job()

    def list_namespaced_job(self, **kwargs: Any) -> None:
        raise AssertionError("only watched")

    def delete_namespaced_job(self, **kwargs: Any) -> None:
        self.cluster.calls.append(("delete_namespaced_job", kwargs))
        self.cluster.deleted.set()


class _Core:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    def list_namespaced_pod(self, **kwargs: Any) -> None:
        raise AssertionError("only watched")

    def read_namespaced_pod(self, name: str, namespace: str) -> V1Pod:
        self.cluster.calls.append(("read_namespaced_pod", name, namespace))
        if self.cluster.pod_gone:
            raise ApiException(status=404, reason="Not Found")
        return _pod("Failed", self.cluster.code)

    def read_namespaced_pod_log(self, **kwargs: Any) -> Any:
        class Response:
            def stream(self) -> Iterator[bytes]:
                yield b"hello from the pod\n"

        return Response()


class _Watch:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    def stop(self) -> None:
        pass

    def stream(self, func: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
        self.cluster.calls.append(("watch", func.__name__, kwargs))
        if func.__name__ == "list_namespaced_pod":
            yield {"type": "ADDED", "object": _pod("Pending")}
            if self.cluster.pod_starts:
                self.cluster.running.set()
                yield {"type": "MODIFIED", "object": _pod("Running")}
            return
        if self.cluster.runs:
            assert self.cluster.deleted.wait(30), "the job was never deleted"
            yield {"type": "MODIFIED", "object": _job(V1JobStatus(active=1))}
            yield {"type": "DELETED", "object": _job()}
            return
        ended = datetime.now(UTC)
        status = V1JobStatus(failed=1) if self.cluster.code else V1JobStatus(succeeded=1)
        status.completion_time = ended if not self.cluster.code else None
        yield {"type": "MODIFIED", "object": _job(status)}


def pool_name() -> str:
    return f"k8s-{uuid.uuid4().hex[:8]}"


def _k8s_pool(name: str) -> Any:
    from prefect.schemas.work_pools import WorkPoolCreate

    return WorkPoolCreate(
        name=name, type="kubernetes", base_job_template=default_base_job_template("kubernetes")
    )


async def test_a_job_whose_container_fails_crashes_the_run_with_its_exit_code(
    api: str,  # noqa: F811
) -> None:
    cluster = Cluster(code=2)
    pool = pool_name()
    async with get_client() as client:
        await client.create_work_pool(_k8s_pool(pool))
        run = await deployment_run(
            client,
            pool,
            {"namespace": "flows", "pod_watch_timeout_seconds": 30},
            {"env": {"X": "1"}, "cluster_config": {"config": {"clusters": []}}},
        )
        worker = KubernetesWorker(pool, kubernetes_api=cluster.api)
        await run_worker_once(worker)
        after = await client.read_flow_run(run.id)
    assert after.state is not None and after.state.name == "Crashed"
    assert "non-zero status code 2" in (after.state.message or "")
    assert after.infrastructure_pid == f"flows:{JOB_NAME}"
    assert cluster.names() == [
        "connect",
        "create_namespaced_job",
        "watch",
        "watch",
        "read_namespaced_pod",
    ]
    assert cluster.calls[0] == ("connect", {"config": {"clusters": []}})
    _, namespace, body = cluster.calls[1]
    assert namespace == "flows" and body["metadata"]["namespace"] == "flows"
    container = body["spec"]["template"]["spec"]["containers"][0]
    env = {item["name"]: item["value"] for item in container["env"]}
    assert env == {"PREFECT_API_URL": api, "X": "1", "PREFECT__FLOW_RUN_ID": str(run.id)}
    assert cluster.calls[2] == (
        "watch",
        "list_namespaced_pod",
        {"namespace": "flows", "label_selector": f"job-name={JOB_NAME}", "timeout_seconds": 30},
    )
    assert cluster.calls[3] == (
        "watch",
        "list_namespaced_job",
        {"namespace": "flows", "field_selector": f"metadata.name={JOB_NAME}"},
    )
    assert cluster.calls[4] == ("read_namespaced_pod", POD_NAME, "flows")
    assert cluster.closed


async def test_a_pod_that_never_starts_crashes_the_run_after_the_pod_timeout(
    api: str,  # noqa: F811
) -> None:
    cluster = Cluster(pod_starts=False)
    pool = pool_name()
    async with get_client() as client:
        await client.create_work_pool(_k8s_pool(pool))
        run = await deployment_run(client, pool, {"pod_watch_timeout_seconds": 1}, {})
        worker = KubernetesWorker(pool, kubernetes_api=cluster.api)
        await run_worker_once(worker)
        after = await client.read_flow_run(run.id)
    assert after.state is not None and after.state.name == "Crashed"
    assert "did not start within 1 s" in (after.state.message or "")
    assert "read_namespaced_pod" not in cluster.names()


async def test_a_pod_removed_before_its_exit_code_is_read_crashes_the_run(
    api: str,  # noqa: F811
) -> None:
    cluster = Cluster(pod_gone=True)
    pool = pool_name()
    async with get_client() as client:
        await client.create_work_pool(_k8s_pool(pool))
        run = await deployment_run(client, pool, {}, {})
        await run_worker_once(KubernetesWorker(pool, kubernetes_api=cluster.api))
        after = await client.read_flow_run(run.id)
    assert after.state is not None and after.state.name == "Crashed"
    assert "without an exit code" in (after.state.message or "")
    assert cluster.closed


async def test_cancelling_a_run_deletes_its_job_in_the_foreground(
    api: str,  # noqa: F811
) -> None:
    cluster = Cluster(runs=True)
    pool = pool_name()
    async with get_client() as client:
        await client.create_work_pool(_k8s_pool(pool))
        run = await deployment_run(client, pool, {"namespace": "flows"}, {})
        worker = KubernetesWorker(pool, kubernetes_api=cluster.api, cancel_grace_seconds=9)
        serving = asyncio.create_task(run_worker_once(worker))
        assert await asyncio.to_thread(cluster.running.wait, 20)
        result = await client.set_flow_run_state(run.id, Cancelling())
        assert result.status.value == "ACCEPT"
        await serving
        after = await client.read_flow_run(run.id)
    assert after.state is not None and after.state.name == "Cancelled"
    deletes = [call for call in cluster.calls if call[0] == "delete_namespaced_job"]
    assert deletes == [
        (
            "delete_namespaced_job",
            {
                "name": JOB_NAME,
                "namespace": "flows",
                "propagation_policy": "Foreground",
                "grace_period_seconds": 9,
            },
        )
    ]
    assert "read_namespaced_pod" not in cluster.names()


async def test_a_worker_on_the_embedded_store_crashes_its_runs_saying_why(
    worker_log: list[str],  # noqa: F811 (the fixture imported above)
) -> None:
    cluster = Cluster()
    pool = pool_name()
    async with get_client() as client:
        assert client.api_url is None
        await client.create_work_pool(_k8s_pool(pool))
        run = await deployment_run(client, pool, {}, {})
        await run_worker_once(KubernetesWorker(pool, kubernetes_api=cluster.api))
        after = await client.read_flow_run(run.id)
    assert after.state is not None and after.state.name == "Crashed"
    assert "PREFECT_API_URL" in (after.state.message or "")
    # said at start, before any run
    assert any("uses the embedded store" in message for message in worker_log)
    assert cluster.calls == []


def test_the_registry_names_the_kubernetes_worker() -> None:
    assert worker_class("kubernetes") is KubernetesWorker


def test_without_the_kubernetes_package_the_registry_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    from prefect.workers.registry import UnknownWorkerType

    monkeypatch.setitem(sys.modules, "kubernetes", None)
    monkeypatch.delitem(sys.modules, "prefect.workers.kubernetes")
    with pytest.raises(UnknownWorkerType, match=r"prefect-console\[kubernetes\]") as info:
        worker_class("kubernetes")
    assert 'pip install "prefect-console[kubernetes]"' in str(info.value)
    assert "\n" not in str(info.value)
