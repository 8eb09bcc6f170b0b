"""Workloads run unchanged on this SDK and on Prefect 3 (tests/bench/bench_vs_prefect.py).

    python side_by_side.py seq N [--wait S]         N sequential trivial tasks
    python side_by_side.py map N [--wait S]         add.map(range(N))
    python side_by_side.py subflows N [--wait S]    N sequential subflows
    python side_by_side.py durability N [--wait S]  N tasks that each log one line
    python side_by_side.py count FLOW_RUN_ID        what the store holds of a run, read later

Each run prints one JSON line last: the flow's time after a warm-up flow, the time of an
empty flow (so per-unit cost = (flow - empty) / N), the peak RSS of this process, and how
many of the records the flow made were in the store the moment the call returned, then
after polling for at most S seconds. It talks to whatever the environment points at
(PREFECT_API_URL, or each SDK's default: our embedded store, Prefect's ephemeral server).
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, LogFilter

PAGE = 200


@task
def noop(i: int) -> int:
    return i


@task
def add(i: int) -> int:
    return i + 1


@task
def tick(i: int) -> int:
    get_run_logger().info("tick %d", i)
    return i


@flow
def empty() -> None:
    return None


@flow
def sequential(n: int) -> int:
    for i in range(n):
        noop(i)
    return n


@flow
def mapped(n: int) -> int:
    return sum(add.map(range(n)).result())


@flow
def child(i: int) -> int:
    return i


@flow
def parent(n: int) -> int:
    for i in range(n):
        child(i)
    return n


@flow
def logging_tasks(n: int) -> int:
    for i in range(n):
        tick(i)
    return n


def _pages(read: Any) -> list[Any]:
    rows: list[Any] = []
    while True:
        page = read(limit=PAGE, offset=len(rows))
        rows.extend(page)
        if len(page) < PAGE:
            return rows


def _by_run(flow_run_id: str) -> FlowRunFilter:
    return FlowRunFilter.model_validate({"id": {"any_": [flow_run_id]}})


def counts(client: Any, flow_run_id: str) -> dict[str, int]:
    """Task runs (all, completed), subflow runs, and log lines ('tick' lines, all) of a run."""
    runs = _pages(
        lambda limit, offset: client.read_task_runs(
            flow_run_filter=_by_run(flow_run_id), limit=limit, offset=offset
        )
    )
    completed = sum(
        1 for r in runs if r.state_type is not None and r.state_type.value == "COMPLETED"
    )
    subflows = client.count_flow_runs(
        flow_run_filter=FlowRunFilter.model_validate(
            {"parent_flow_run_id": {"any_": [flow_run_id]}}
        )
    )
    log_filter = LogFilter.model_validate({"flow_run_id": {"any_": [flow_run_id]}})
    logs = _pages(
        lambda limit, offset: client.read_logs(log_filter=log_filter, limit=limit, offset=offset)
    )
    ticks = sum(1 for log in logs if log.message.startswith("tick "))
    return {
        "task_runs": len(runs),
        "task_runs_completed": completed,
        "subflow_runs": int(subflows),
        "logs": len(logs),
        "tick_logs": ticks,
    }


# what a workload's records are, and how many of them a complete store holds
WORKLOADS: dict[str, tuple[Any, list[str]]] = {
    "seq": (sequential, ["task_runs_completed"]),
    "map": (mapped, ["task_runs_completed"]),
    "subflows": (parent, ["subflow_runs", "task_runs_completed"]),
    "durability": (logging_tasks, ["task_runs_completed", "tick_logs"]),
}


def run(kind: str, n: int, wait: float) -> dict[str, Any]:
    work, keys = WORKLOADS[kind]
    empty()  # warm-up: store created or migrated, imports done
    # the client is opened before the flow runs, so that "at return" means right then
    with get_client(sync_client=True) as client:
        t0 = time.perf_counter()
        empty()
        t_empty = time.perf_counter() - t0
        t0 = time.perf_counter()
        state = work(n, return_state=True)
        t_work = time.perf_counter() - t0
        returned_at = time.perf_counter()
        flow_run_id = str(state.state_details.flow_run_id)
        at_return = counts(client, flow_run_id)
        after, complete_after = at_return, None
        if all(at_return[k] >= n for k in keys):
            complete_after = 0.0
        while complete_after is None and time.perf_counter() - returned_at < wait:
            time.sleep(1.0)
            after = counts(client, flow_run_id)
            if all(after[k] >= n for k in keys):
                complete_after = time.perf_counter() - returned_at
    return {
        "kind": kind,
        "n": n,
        "state": state.type.value,
        "flow_run_id": flow_run_id,
        "flow_seconds": t_work,
        "empty_flow_seconds": t_empty,
        "per_unit_ms": (t_work - t_empty) / n * 1000,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "at_return": at_return,
        "after_wait": after,
        "waited_up_to_s": wait,
        "seconds_until_complete": complete_after,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=[*WORKLOADS, "count"])
    parser.add_argument("arg")
    parser.add_argument("--wait", type=float, default=0.0)
    args = parser.parse_args()
    if args.kind == "count":
        with get_client(sync_client=True) as client:
            print(json.dumps(counts(client, args.arg)))
        return
    print(json.dumps(run(args.kind, int(args.arg), args.wait)))


if __name__ == "__main__":
    main()
