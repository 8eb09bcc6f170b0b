"""The kubernetes worker: each flow run as a Kubernetes Job, through the official client
(extra `kubernetes`).

The job configuration's `job_manifest` (see `templates`) is completed for the run
(`job_manifest`): its namespace, the labels naming the run, a `generateName` from the
configured name or the run's, the container's environment as a list (PREFECT_API_URL, the
API key and PREFECT__FLOW_RUN_ID under the configured `env`) and its `args` (the
configured command, default `prefect flow-run execute`). The Job is created with
`BatchV1Api.create_namespaced_job`; the worker then watches for its pod to leave Pending
(for at most `pod_watch_timeout_seconds`), copies the pod's output with `stream_output`,
watches the Job until it has succeeded or failed (for at most `job_watch_timeout_seconds`,
no limit when empty) and reads the container's exit code from the pod. A pod that does
not start, a Job that does not finish in time or that someone deleted ends the run
Crashed with a message that says which.

`cluster_config` is a kubeconfig (as a dict, or `{"config": {...}, "context_name": ...}`
as Prefect's cluster config block holds it); without one the worker uses the in-cluster
service account, else `~/.kube/config`. Cancellation deletes the Job with Foreground
propagation (its pod goes first), giving the pod the grace period; `infrastructure_pid`
is "namespace:job-name".
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import math
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import kubernetes.client
import kubernetes.config
import kubernetes.watch
from kubernetes.client.exceptions import ApiException

from prefect.workers._remote import (
    command_of,
    prefect_labels,
    remote_environment,
    required_api_url,
    slug,
    warn_without_api_url,
)
from prefect.workers.base import BaseWorker, logger
from prefect.workers.runs import RunHandle

if TYPE_CHECKING:
    from prefect.schemas.objects import FlowRun

__all__ = ["KubeApi", "KubernetesWorker", "connect", "job_manifest"]

# a generated name gets 5 random characters; a Job's name has at most 63
_PREFIX_LIMIT = 57
# a watch the server ended before its timeout is renewed after this pause
_REWATCH_SECONDS = 0.2


@dataclass
class KubeApi:
    """The client objects the worker uses: `BatchV1Api`, `CoreV1Api` and the `Watch` class."""

    batch: Any
    core: Any
    watch: Callable[[], Any] = kubernetes.watch.Watch
    close: Callable[[], None] = field(default=lambda: None)


def connect(cluster_config: dict[str, Any] | None) -> KubeApi:
    """Clients for the cluster of `cluster_config`, or in-cluster, or of ~/.kube/config."""
    configuration = kubernetes.client.Configuration()
    if cluster_config:
        kubeconfig = cluster_config.get("config", cluster_config)
        kubernetes.config.load_kube_config_from_dict(  # type: ignore[no-untyped-call]
            kubeconfig,
            context=cluster_config.get("context_name"),
            client_configuration=configuration,
        )
    else:
        try:
            kubernetes.config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
        except kubernetes.config.ConfigException:
            kubernetes.config.load_kube_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
    api = kubernetes.client.ApiClient(configuration)
    return KubeApi(
        batch=kubernetes.client.BatchV1Api(api),
        core=kubernetes.client.CoreV1Api(api),
        close=api.close,
    )


def _dns_name(text: str) -> str:
    """`text` as the start of a DNS-1123 name (lowercase letters, digits, dashes)."""
    cleaned = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")
    return cleaned[:_PREFIX_LIMIT].rstrip("-") or "prefect-job"


def job_manifest(
    configuration: dict[str, Any], flow_run: FlowRun, api_url: str | None
) -> dict[str, Any]:
    """The Job to create for the run's rendered configuration."""
    url = required_api_url(api_url, "Kubernetes job")
    manifest = copy.deepcopy(configuration.get("job_manifest") or {})
    metadata = manifest.setdefault("metadata", {})
    metadata["namespace"] = metadata.get("namespace") or configuration.get("namespace") or "default"
    labels = {str(k): str(v) for k, v in (metadata.get("labels") or {}).items()}
    run_labels = {k: slug(v) for k, v in prefect_labels(flow_run).items()}
    metadata["labels"] = {**labels, **run_labels}
    if not metadata.get("name"):
        given = str(metadata.get("generateName") or "").rstrip("-")
        metadata["generateName"] = _dns_name(given or flow_run.name) + "-"
    pod = manifest.setdefault("spec", {}).setdefault("template", {}).setdefault("spec", {})
    containers = pod.setdefault("containers", [{"name": "prefect-job"}])
    container = containers[0]
    env = remote_environment(configuration, flow_run, url)
    given_env = container.get("env")
    if isinstance(given_env, list):  # a template's own list: ours adds what it lacks
        named = {item.get("name") for item in given_env if isinstance(item, dict)}
        container["env"] = given_env + [
            {"name": k, "value": v} for k, v in env.items() if k not in named
        ]
    else:
        container["env"] = [{"name": k, "value": v} for k, v in env.items()]
    args = container.get("args")
    if isinstance(args, str) and args.strip():
        container["args"] = command_of({"command": args})
    elif not args:
        container["args"] = command_of({})
    return manifest


class KubernetesWorker(BaseWorker):
    """Runs each flow run as a Kubernetes Job."""

    type: ClassVar[str] = "kubernetes"

    def __init__(
        self,
        *args: Any,
        kubernetes_api: Callable[[dict[str, Any] | None], KubeApi] | None = None,
        **kwargs: Any,
    ) -> None:
        """`kubernetes_api` makes the clients from `cluster_config` (default: `connect`)."""
        super().__init__(*args, **kwargs)
        self._connect = kubernetes_api or connect

    async def setup_pool(self) -> None:
        await super().setup_pool()
        warn_without_api_url(self.client.api_url, "Kubernetes job")

    async def start(self, handle: RunHandle, configuration: dict[str, Any]) -> None:
        manifest = job_manifest(configuration, handle.flow_run, self.client.api_url)
        namespace = manifest["metadata"]["namespace"]
        api = await asyncio.to_thread(self._connect, configuration.get("cluster_config"))
        try:
            job = await asyncio.to_thread(
                api.batch.create_namespaced_job, namespace=namespace, body=manifest
            )
        except BaseException:
            api.close()
            raise
        handle.infrastructure = _Job(api, namespace, job.metadata.name, configuration)
        logger.info("Flow run %s: created job %s/%s", handle.id, namespace, job.metadata.name)

    async def wait(self, handle: RunHandle) -> int:
        job = _job(handle)
        try:
            return await self._watch(handle, job)
        except Exception as exc:  # the API failed: nobody watches the run any more
            if not handle.killed:
                await self._propose_crashed(
                    handle, f"The worker lost track of job {job.namespace}/{job.name}: {exc}"
                )
            return 1
        finally:
            job.api.close()

    async def _watch(self, handle: RunHandle, job: _Job) -> int:
        pod_timeout = job.configuration.get("pod_watch_timeout_seconds") or 60
        pod = await asyncio.to_thread(job.started_pod, float(pod_timeout))
        if pod is None:
            if not handle.killed:
                await self._propose_crashed(
                    handle, f"The job's pod did not start within {pod_timeout} s."
                )
            return 1
        if job.configuration.get("stream_output", True) is not False:
            threading.Thread(target=job.copy_output, args=(pod.metadata.name,), daemon=True).start()
        job_timeout = job.configuration.get("job_watch_timeout_seconds")
        ended = await asyncio.to_thread(job.finished, float(job_timeout) if job_timeout else None)
        if handle.killed:
            return 143  # deleted on cancellation: _report_exit ends the run Cancelled
        if ended == "timeout":
            await self._propose_crashed(
                handle, f"The job did not finish within {job_timeout} s; it was left running."
            )
            return 1
        if ended == "deleted":
            await self._propose_crashed(handle, "The job was deleted before it finished.")
            return 1
        code = await asyncio.to_thread(job.exit_code, pod.metadata.name)
        if code is None:
            await self._propose_crashed(handle, "The job's container ended without an exit code.")
            return 1
        return code

    async def kill(self, handle: RunHandle, grace_seconds: float) -> None:
        """Delete the Job, its pod first (Foreground), giving the pod the grace period."""
        job = _job(handle)
        try:
            await asyncio.to_thread(
                job.api.batch.delete_namespaced_job,
                name=job.name,
                namespace=job.namespace,
                propagation_policy="Foreground",
                grace_period_seconds=max(int(grace_seconds), 0),
            )
        except ApiException as exc:
            if exc.status != 404:
                raise
        job.stop_watching()

    def infrastructure_pid(self, handle: RunHandle) -> str | None:
        infra = handle.infrastructure
        return f"{infra.namespace}:{infra.name}" if isinstance(infra, _Job) else None


class _Job:
    """A run's Job and the blocking calls that watch it (run in threads)."""

    def __init__(
        self, api: KubeApi, namespace: str, name: str, configuration: dict[str, Any]
    ) -> None:
        self.api = api
        self.namespace = namespace
        self.name = name
        self.configuration = configuration
        self._watches: list[Any] = []
        self._stopped = threading.Event()

    def _stream(self, func: Any, timeout: float | None, **kwargs: Any) -> Iterator[Any]:
        """Events of `func` until `timeout` (a watch the server ends early is renewed)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._stopped.is_set():
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return
            watch = self.api.watch()
            self._watches.append(watch)
            if left is not None:
                kwargs["timeout_seconds"] = max(math.ceil(left), 1)
            try:
                yield from watch.stream(func, namespace=self.namespace, **kwargs)
            except ApiException as exc:
                if exc.status != 410:  # 410: the watch expired; a new one goes on
                    raise
            finally:
                watch.stop()
                self._watches.remove(watch)
            # the server ended the watch early: do not hammer it
            self._stopped.wait(_REWATCH_SECONDS)

    def started_pod(self, timeout: float) -> Any:
        """The Job's pod once it is out of Pending; None when none is within `timeout`."""
        for event in self._stream(
            self.api.core.list_namespaced_pod, timeout, label_selector=f"job-name={self.name}"
        ):
            pod = event["object"]
            if pod.status is not None and pod.status.phase not in (None, "Pending"):
                return pod
        return None

    def finished(self, timeout: float | None) -> str:
        """ "finished", "deleted", or "timeout"."""
        for event in self._stream(
            self.api.batch.list_namespaced_job, timeout, field_selector=f"metadata.name={self.name}"
        ):
            if event["type"] == "DELETED":
                return "deleted"
            status = event["object"].status
            if status is not None and (status.completion_time or status.succeeded or status.failed):
                return "finished"
        return "deleted" if self._stopped.is_set() else "timeout"

    def exit_code(self, pod_name: str) -> int | None:
        try:
            pod = self.api.core.read_namespaced_pod(name=pod_name, namespace=self.namespace)
        except ApiException as exc:
            if exc.status == 404:  # removed already (finished_job_ttl, or by hand)
                return None
            raise
        for status in (pod.status.container_statuses or []) if pod.status else []:
            terminated = status.state.terminated if status.state else None
            if terminated is not None:
                return int(terminated.exit_code)
        return None

    def copy_output(self, pod_name: str) -> None:
        try:
            response = self.api.core.read_namespaced_pod_log(
                name=pod_name, namespace=self.namespace, follow=True, _preload_content=False
            )
            for chunk in response.stream():
                sys.stdout.write(chunk.decode(errors="replace"))
                sys.stdout.flush()
        except Exception as exc:  # the run goes on without its output
            logger.debug("Output of pod %s stopped: %s", pod_name, exc)

    def stop_watching(self) -> None:
        self._stopped.set()
        for watch in list(self._watches):
            with contextlib.suppress(Exception):
                watch.stop()


def _job(handle: RunHandle) -> _Job:
    infra = handle.infrastructure
    if not isinstance(infra, _Job):
        raise RuntimeError(f"Flow run {handle.id} has no job")
    return infra
