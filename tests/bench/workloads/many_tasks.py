"""N sequential trivial tasks in one flow; prints JSON figures (runs on real Prefect too).

Per-task overhead = (time of the N-task flow - time of an empty flow) / N, both measured
in this process after a warm-up flow. Then counts the task runs the store holds the
moment the flow returns, and how long it takes until all N are there.
"""

import json
import sys
import time

from prefect import flow, task
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000


@task
def noop(i: int) -> int:
    return i


@flow
def empty() -> None:
    return None


@flow
def many(n: int) -> int:
    for i in range(n):
        noop(i)
    return n


def count_task_runs(client, flow_run_id) -> int:  # type: ignore[no-untyped-def]
    flt = FlowRunFilter.model_validate({"id": {"any_": [str(flow_run_id)]}})
    total, offset = 0, 0
    while True:
        page = client.read_task_runs(flow_run_filter=flt, limit=200, offset=offset)
        total += len(page)
        offset += len(page)
        if len(page) < 200:
            return total


def main() -> None:
    empty()
    # the client is opened before the flow runs, so that "at return" means right then
    with get_client(sync_client=True) as client:
        t0 = time.perf_counter()
        empty()
        t_empty = time.perf_counter() - t0
        t0 = time.perf_counter()
        state = many(N, return_state=True)
        t_many = time.perf_counter() - t0
        flow_run_id = state.state_details.flow_run_id
        stored = count_task_runs(client, flow_run_id)
        returned_at = time.perf_counter()
        lag = 0.0
        while stored < N and time.perf_counter() - returned_at < 60:
            time.sleep(0.5)
            stored_now = count_task_runs(client, flow_run_id)
            lag = time.perf_counter() - returned_at
            if stored_now >= N:
                break
        final = count_task_runs(client, flow_run_id)
    print(
        json.dumps(
            {
                "n": N,
                "flow_seconds": t_many,
                "empty_flow_seconds": t_empty,
                "per_task_ms": (t_many - t_empty) / N * 1000,
                "stored_at_return": stored,
                "stored_after_wait": final,
                "seconds_until_all_stored": lag if stored < N else 0.0,
            }
        )
    )


if __name__ == "__main__":
    main()
