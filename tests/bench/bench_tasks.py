"""The engine's overhead: sequential tasks, mapped tasks, subflows, and memory.

    .venv/bin/python tests/bench/bench_tasks.py [N] [--mode seq|map|subflows] [--profile]
    .venv/bin/python tests/bench/bench_tasks.py 10000 --mode map --json   # one JSON line

Runs on the embedded store in a temporary PREFECT_HOME (SQLite) unless PREFECT_API_URL or
PREFECT_SERVER_DATABASE_CONNECTION_URL say otherwise, with the default logging level
(INFO: every task run logs "Finished in state ..."; the console lines go to /dev/null, so
that a terminal's speed is not measured; they are still formatted and written). Modes:

- seq: a sync flow calling N trivial sync tasks in sequence,
- map: a flow calling `add.map(range(N))` and reading the results,
- subflows: a flow calling N trivial subflows in sequence.

Figures per task (or per subflow), medians of `--repeat` runs after a warm-up flow:

- in-flow: time inside the flow function (the hot path the user waits on),
- whole call: the flow call as a whole (creation, states, and every task run and log
  line stored before it returns) minus an empty flow's call,
- cpu: the process's CPU time for the whole call (all threads) minus the empty flow's,
  steadier than wall time on a machine shared with other work,
- peak RSS of the process (after all runs), and whether every task run was stored when
  the flow returned.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import tempfile
import time
from typing import Any


def _arg(name: str, default: str) -> str:
    if name in sys.argv:
        return sys.argv[sys.argv.index(name) + 1]
    return default


def main() -> None:
    n = int(next((a for a in sys.argv[1:] if a.isdigit()), "1000"))
    mode = _arg("--mode", "seq")
    repeat = int(_arg("--repeat", "3"))
    profile = "--profile" in sys.argv
    as_json = "--json" in sys.argv
    if "PREFECT_HOME" not in os.environ:
        os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="prefect-bench-")

    from prefect import flow, task
    from prefect.client.orchestration import get_client

    # the names Prefect 3 has too, so that `run_bench.py --vs-prefect` can run this file
    from prefect.client.schemas.filters import FlowRunFilter

    @task
    def add(i: int) -> int:
        return i + 1

    @flow
    def child(i: int) -> int:
        return i

    inside: list[float] = []

    @flow
    def workload(count: int) -> int:
        start = time.perf_counter()
        if mode == "map":
            add.map(range(count)).result()
        elif mode == "subflows":
            for i in range(count):
                child(i)
        else:
            for i in range(count):
                add(i)
        inside.append(time.perf_counter() - start)
        return count

    @flow
    def empty() -> None:
        return None

    # the console lines are made and written, to a sink instead of the terminal
    sink = open(os.devnull, "w")  # noqa: SIM115 - open for the whole run
    real_stderr, sys.stderr = sys.stderr, sink
    try:
        workload(10)  # warm-up: opens the store, runs migrations
        empty()
        inside.clear()
        if profile:
            import cProfile
            import pstats

            with cProfile.Profile() as prof:
                workload(n)
            sys.stderr = real_stderr
            pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
            return
        rows: list[dict[str, float]] = []
        for _ in range(repeat):
            wall0, cpu0 = time.perf_counter(), time.process_time()
            empty()
            empty_wall, empty_cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            wall0, cpu0 = time.perf_counter(), time.process_time()
            state: Any = workload(n, return_state=True)
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            stored = -1
            if mode != "subflows":
                flow_run_id = state.state_details.flow_run_id
                flt = FlowRunFilter.model_validate({"id": {"any_": [str(flow_run_id)]}})
                with get_client(sync_client=True) as client:
                    stored = _count_task_runs(client, flt)
            rows.append(
                {
                    "in_flow_ms": inside[-1] / n * 1e3,
                    "whole_ms": (wall - empty_wall) / n * 1e3,
                    "cpu_ms": (cpu - empty_cpu) / n * 1e3,
                    "stored_at_return": stored,
                }
            )
    finally:
        sys.stderr = real_stderr
        sink.close()

    figures = {
        "mode": mode,
        "n": n,
        "in_flow_ms": statistics.median(r["in_flow_ms"] for r in rows),
        "whole_ms": statistics.median(r["whole_ms"] for r in rows),
        "cpu_ms": statistics.median(r["cpu_ms"] for r in rows),
        "stored_at_return": min(r["stored_at_return"] for r in rows),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if as_json:
        print(json.dumps(figures))
        return
    unit = "subflow" if mode == "subflows" else "task"
    where = "" if mode == "subflows" else f", {figures['stored_at_return']} of {n} stored"
    print(
        f"{mode} x{n} (median of {repeat}): in-flow {figures['in_flow_ms']:.3f} ms/{unit}, "
        f"whole call {figures['whole_ms']:.3f} ms/{unit}, cpu {figures['cpu_ms']:.3f} "
        f"ms/{unit}; peak RSS {figures['peak_rss_mb']:.0f} MB{where} at return"
    )


def _count_task_runs(client: Any, flow_run_filter: Any) -> int:
    total = 0
    while True:
        page = client.read_task_runs(flow_run_filter=flow_run_filter, limit=200, offset=total)
        total += len(page)
        if len(page) < 200:
            return total


if __name__ == "__main__":
    main()
