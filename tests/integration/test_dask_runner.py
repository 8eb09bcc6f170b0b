"""`prefect_dask.DaskTaskRunner` on a real `distributed.LocalCluster`: a temporary cluster
per flow run (threads in this process, or worker processes), or a running scheduler by
address; the task runs are stored as for the thread runner (SQLite and PostgreSQL).

Clusters are kept tiny (one or two workers) to stay fast on a small machine.
"""

from __future__ import annotations

import os
import threading
import uuid
from typing import Any

import pytest
from prefect import flow, get_run_logger, task
from prefect.context import get_run_context
from prefect.schemas.objects import StateType
from prefect_dask import DaskTaskRunner

from tests.integration._engine_helpers import Reader, reader, store  # noqa: F401

distributed = pytest.importorskip("distributed")

# no dashboard: nothing listens beyond the scheduler and workers, on 127.0.0.1
TINY = {"n_workers": 1, "threads_per_worker": 2, "dashboard_address": None}


@task
def where(x: int) -> dict[str, Any]:
    get_run_logger().info("placing %d", x)
    return {"value": x * 10, "pid": os.getpid(), "thread": threading.current_thread().name}


@task
def add(a: dict[str, Any], b: dict[str, Any]) -> int:
    return int(a["value"] + b["value"])


@task
def explode() -> None:
    raise KeyError("missing")


@task(retries=1)
def second_time_lucky() -> int:
    run_count: int = get_run_context().task_run.run_count  # type: ignore[union-attr]
    if run_count < 2:
        raise RuntimeError("first attempt")
    return run_count


def on_dask() -> dict[str, Any]:
    seen: dict[str, Any] = {"flow_pid": os.getpid()}
    placed = where.map(range(3))
    seen["placed"] = placed.result()
    seen["sum"] = add.submit(placed[1], placed[2]).result()
    failed = explode.submit()
    failed.wait()
    seen["failed"] = failed.state.type
    with pytest.raises(KeyError, match="missing"):
        failed.result()
    seen["retried"] = second_time_lucky.submit().result()
    seen["flow_run_id"] = get_run_context().flow_run.id  # type: ignore[union-attr]
    return seen


def _check_stored(reader: Reader, seen: dict[str, Any]) -> None:  # noqa: F811
    run_id: uuid.UUID = seen["flow_run_id"]
    assert reader.flow_run(run_id).state_type is StateType.COMPLETED
    runs = {r.name: r for r in reader.task_runs(run_id)}
    assert set(runs) == {
        "where-0",
        "where-1",
        "where-2",
        "add-0",
        "explode-0",
        "second_time_lucky-0",
    }
    states = [s.name for s in reader.task_run_states(runs["where-0"].id)]
    assert states == ["Pending", "Running", "Completed"]
    assert runs["explode-0"].state_type is StateType.FAILED
    retried = [s.name for s in reader.task_run_states(runs["second_time_lucky-0"].id)]
    assert retried == ["Pending", "Running", "AwaitingRetry", "Retrying", "Completed"]
    placing = [log for log in reader.logs(run_id) if log.message == "placing 2"]
    assert [log.task_run_id for log in placing] == [runs["where-2"].id]


def _check_results(seen: dict[str, Any]) -> None:
    assert [p["value"] for p in seen["placed"]] == [0, 10, 20]
    assert seen["sum"] == 30
    assert seen["failed"] is StateType.FAILED
    assert seen["retried"] == 2


@pytest.mark.parametrize("processes", [False, True], ids=["threads", "processes"])
def test_temporary_local_cluster(reader: Reader, processes: bool) -> None:  # noqa: F811
    clusters: list[Any] = []

    @flow(task_runner=DaskTaskRunner(cluster_kwargs={**TINY, "processes": processes}))
    def temporary() -> dict[str, Any]:
        seen = on_dask()
        clusters.append(get_run_context().task_runner.backend._cluster)  # type: ignore[union-attr]
        return seen

    seen = temporary()
    _check_results(seen)
    pids = {p["pid"] for p in seen["placed"]}
    threads = {p["thread"] for p in seen["placed"]}
    if processes:
        assert seen["flow_pid"] not in pids
    else:
        # in this process, on the Dask worker's threads
        assert pids == {seen["flow_pid"]}
        assert not any(t.startswith("MainThread") for t in threads)
    _check_stored(reader, seen)
    # the run's own cluster is a LocalCluster, closed when the run ended
    [cluster] = clusters
    assert isinstance(cluster, distributed.LocalCluster)
    assert cluster.status.name == "closed"


def test_running_scheduler_by_address(reader: Reader) -> None:  # noqa: F811
    with distributed.LocalCluster(**TINY, processes=False) as cluster:

        @flow(task_runner=DaskTaskRunner(address=cluster.scheduler_address))
        def by_address() -> dict[str, Any]:
            return on_dask()

        seen = by_address()
        _check_results(seen)
        _check_stored(reader, seen)
        # not the run's to close: it still takes work
        with distributed.Client(cluster) as client:
            assert client.submit(sum, [1, 2]).result() == 3


def test_runner_settings() -> None:
    with pytest.raises(ValueError, match="address or a cluster"):
        DaskTaskRunner(address="tcp://127.0.0.1:8786", cluster=object())
    with pytest.raises(ValueError, match="cannot be used with an existing one"):
        DaskTaskRunner(address="tcp://127.0.0.1:8786", cluster_kwargs={"n_workers": 1})
    runner = DaskTaskRunner(
        cluster_class="distributed.LocalCluster",
        cluster_kwargs={"n_workers": 1},
        adapt_kwargs={"maximum": 2},
    )
    assert runner.duplicate() == runner
    assert runner != DaskTaskRunner()

    @flow(task_runner=DaskTaskRunner)
    def by_class() -> None:
        pass

    assert by_class.task_runner == DaskTaskRunner()
    assert not by_class.unsupported_options
    assert by_class.with_options(name="copy").task_runner == DaskTaskRunner()


def test_cluster_class_by_path_and_adaptive(store: str) -> None:  # noqa: F811
    runner = DaskTaskRunner(
        cluster_class="distributed.LocalCluster",
        cluster_kwargs={**TINY, "n_workers": 0, "processes": False},
        adapt_kwargs={"minimum": 1, "maximum": 1},
    )

    @flow(task_runner=runner)
    def adaptive() -> tuple[int, bool]:
        # the adaptive cluster starts a worker for the work it is given
        value = where.submit(4).result()["value"]
        cluster = get_run_context().task_runner.backend._cluster  # type: ignore[union-attr]
        return value, cluster._adaptive is not None

    assert adaptive() == (40, True)
