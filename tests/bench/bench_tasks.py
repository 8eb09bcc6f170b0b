"""Per-task overhead of the engine: a sync flow calling N trivial sync tasks in sequence.

    .venv/bin/python tests/bench/bench_tasks.py [N] [--profile]

Runs on the embedded store in a temporary PREFECT_HOME (SQLite) unless PREFECT_API_URL or
PREFECT_SERVER_DATABASE_CONNECTION_URL say otherwise. Prints three figures per run:

- in-flow: time spent inside the flow function divided by N (the hot path the user waits
  on while tasks run),
- per call: the whole flow call (creation, states, flushing every task run to the store)
  divided by N,
- a baseline: the same loop over the bare function.

A first flow run warms up the store (migrations, imports) and is not counted. Console
logging is set to WARNING so that printing 1,000 lines does not dominate the figure.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time


def main() -> None:
    n = int(next((a for a in sys.argv[1:] if a.isdigit()), "1000"))
    profile = "--profile" in sys.argv
    if "PREFECT_HOME" not in os.environ:
        os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="prefect-bench-")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

    from prefect import flow, task

    @task
    def noop(i: int) -> int:
        return i

    inside: list[float] = []

    @flow
    def many(count: int) -> int:
        start = time.perf_counter()
        for i in range(count):
            noop(i)
        inside.append(time.perf_counter() - start)
        return count

    many(10)  # warm-up: opens the store, runs migrations
    inside.clear()

    def bare(i: int) -> int:
        return i

    start = time.perf_counter()
    for i in range(n):
        bare(i)
    baseline = time.perf_counter() - start

    if profile:
        import cProfile
        import pstats

        with cProfile.Profile() as prof:
            many(n)
        pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
        return

    for _ in range(3):
        start = time.perf_counter()
        many(n)
        total = time.perf_counter() - start
        print(
            f"{n} tasks: in-flow {inside[-1] / n * 1e3:.3f} ms/task, "
            f"whole call {total / n * 1e3:.3f} ms/task ({total:.2f} s), "
            f"bare function {baseline / n * 1e6:.2f} us/call"
        )


if __name__ == "__main__":
    main()
