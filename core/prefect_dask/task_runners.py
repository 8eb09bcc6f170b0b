"""`DaskTaskRunner`: a flow run's submitted tasks run on a Dask cluster.

With no arguments, each flow run starts a temporary `distributed.LocalCluster` on its
first submission and closes it before the run ends (`cluster_kwargs` go to the cluster,
`adapt_kwargs` make it adaptive). `address="tcp://host:8786"` uses a scheduler that is
already running, and `cluster=` a cluster object; neither is closed by the run.

Each task run is shipped to a Dask worker as pickled bytes and run there by the SDK's own
task engine (`prefect.engine.remote_tasks`), which reports its states and logs to the API
the flow uses; so the workers need this package installed and must reach that API (for
the embedded store: the same machine and PREFECT_HOME; else set PREFECT_API_URL).
`distributed` is imported only when a cluster is needed.
"""

from __future__ import annotations

import concurrent.futures
import importlib
import os
import threading
import uuid
from typing import TYPE_CHECKING, Any

from prefect.task_runners import DEFAULT_MAX_WORKERS, TaskRunner

if TYPE_CHECKING:
    from prefect.context import FlowRunContext
    from prefect.engine.remote_tasks import RemoteTaskPool

__all__ = ["DaskNotInstalled", "DaskTaskRunner"]


class DaskNotInstalled(ImportError):
    """`distributed` is missing: install the `dask` extra."""


class DaskTaskRunner(TaskRunner):
    """Runs submitted tasks on a Dask cluster: a temporary local one by default.

    cluster_class: the cluster to start (a class, or its import path as a string;
        default `distributed.LocalCluster`), with `cluster_kwargs`
        (e.g. `{"n_workers": 2, "processes": False, "threads_per_worker": 1}`).
    adapt_kwargs: passed to `cluster.adapt(...)` (e.g. `{"minimum": 1, "maximum": 4}`).
    address: a running scheduler to connect to instead; `cluster`: a cluster object.
    client_kwargs: passed to `distributed.Client`.
    """

    def __init__(
        self,
        cluster: Any = None,
        address: str | None = None,
        cluster_class: str | type[Any] | None = None,
        cluster_kwargs: dict[str, Any] | None = None,
        adapt_kwargs: dict[str, Any] | None = None,
        client_kwargs: dict[str, Any] | None = None,
    ) -> None:
        if address is not None and cluster is not None:
            raise ValueError("Pass either an address or a cluster, not both")
        if (address is not None or cluster is not None) and (
            cluster_class is not None or cluster_kwargs or adapt_kwargs
        ):
            raise ValueError(
                "cluster_class, cluster_kwargs and adapt_kwargs make a new cluster; they "
                "cannot be used with an existing one (address or cluster)"
            )
        self.cluster = cluster
        self.address = address
        self.cluster_class = cluster_class
        self.cluster_kwargs = dict(cluster_kwargs or {})
        self.adapt_kwargs = dict(adapt_kwargs or {})
        self.client_kwargs = dict(client_kwargs or {})

    def duplicate(self) -> DaskTaskRunner:
        return type(self)(
            cluster=self.cluster,
            address=self.address,
            cluster_class=self.cluster_class,
            cluster_kwargs=self.cluster_kwargs,
            adapt_kwargs=self.adapt_kwargs,
            client_kwargs=self.client_kwargs,
        )

    def open_pool(self, flow_ctx: FlowRunContext) -> RemoteTaskPool:
        from prefect.engine.remote_tasks import RemoteTaskPool

        # the cluster starts now, in the flow's thread: a cluster that cannot start
        # fails the submission where the flow can see it
        return RemoteTaskPool(DaskBackend(self), flow_ctx, dispatch_threads=DEFAULT_MAX_WORKERS)

    def _settings(self) -> tuple[Any, ...]:
        return (
            self.cluster,
            self.address,
            self.cluster_class,
            self.cluster_kwargs,
            self.adapt_kwargs,
            self.client_kwargs,
        )

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, DaskTaskRunner) and other._settings() == self._settings()

    def __hash__(self) -> int:
        return hash((type(self), self.address, repr(self.cluster_class)))

    def __repr__(self) -> str:
        if self.address is not None:
            return f"DaskTaskRunner(address={self.address!r})"
        if self.cluster is not None:
            return f"DaskTaskRunner(cluster={self.cluster!r})"
        return f"DaskTaskRunner(cluster_kwargs={self.cluster_kwargs!r})"


def _distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise DaskNotInstalled(
            'DaskTaskRunner needs the "distributed" package: pip install "prefect-console[dask]"'
        ) from exc
    return distributed


def _cluster_class(value: str | type[Any] | None, distributed: Any) -> Any:
    if value is None:
        return distributed.LocalCluster
    if isinstance(value, str):
        module, _, name = value.rpartition(".")
        if not module:
            raise ValueError(f"cluster_class {value!r} is not an import path (module.Class)")
        return getattr(importlib.import_module(module), name)
    return value


class DaskBackend:
    """One flow run's connection to a cluster: a Client, and the cluster if it made one."""

    def __init__(self, runner: DaskTaskRunner) -> None:
        distributed = _distributed()
        self._cluster: Any = None
        if runner.address is not None:
            target: Any = runner.address
        elif runner.cluster is not None:
            target = runner.cluster
        else:
            cls = _cluster_class(runner.cluster_class, distributed)
            self._cluster = target = cls(**runner.cluster_kwargs)
            if runner.adapt_kwargs:
                self._cluster.adapt(**runner.adapt_kwargs)
        try:
            self.client = distributed.Client(target, **runner.client_kwargs)
        except BaseException:
            if self._cluster is not None:
                self._cluster.close()
            raise
        self._lock = threading.Lock()
        # a Dask future that nobody holds is forgotten (and its task cancelled)
        self._running: set[Any] = set()

    def submit(self, shipment: bytes, label: str) -> concurrent.futures.Future[bytes]:
        from prefect.engine.remote_tasks import run_shipment

        done: concurrent.futures.Future[bytes] = concurrent.futures.Future()
        # the key names the run on Dask's dashboard; the suffix keeps keys unique
        remote = self.client.submit(
            run_shipment, shipment, key=f"{label}-{uuid.uuid4().hex[:8]}", pure=False
        )
        with self._lock:
            self._running.add(remote)

        def copy(finished: Any) -> None:
            try:
                done.set_result(finished.result())
            except BaseException as exc:
                done.set_exception(exc)
            finally:
                with self._lock:
                    self._running.discard(finished)

        remote.add_done_callback(copy)
        return done

    def close(self) -> None:
        try:
            if self._cluster is not None:
                # workers of the cluster this run made close their clients first; the
                # flow process's own (in-process workers share it) stays open
                self.client.run(_release_worker_client, os.getpid())
        finally:
            self.client.close()
            if self._cluster is not None:
                self._cluster.close()


def _release_worker_client(flow_pid: int) -> None:
    if os.getpid() != flow_pid:
        from prefect.engine.remote_tasks import close_worker_client

        close_worker_client()
