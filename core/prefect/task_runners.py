"""Task runners: where `task.submit()` and `task.map()` run the tasks of a flow run.

    from prefect import flow
    from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

    @flow(task_runner=ThreadPoolTaskRunner(max_workers=4))
    def crawl(urls: list[str]):
        fetch.map(urls)                 # at most 4 fetches at a time

    @flow(task_runner=ProcessPoolTaskRunner(max_workers=2))
    def crunch(chunks: list[bytes]):
        digest.map(chunks)              # in 2 worker processes, past the GIL

Each flow run gets a pool of its own, created on its first submission and joined before
the run ends, so a run never finishes with its tasks still running. Without a task runner
(or with `max_workers=None`) the thread pool holds up to `DEFAULT_MAX_WORKERS` threads.

`ProcessPoolTaskRunner` runs each submitted task in a worker process (started with
`spawn`, so scripts must call their flow under `if __name__ == "__main__":`). The task,
its arguments and its final state travel with cloudpickle; the worker runs the same task
engine and reports to the same API (or embedded store) as the flow. `DaskTaskRunner`
lives in the optional `prefect_dask` package (`pip install "prefect-console[dask]"`) and
runs them on a Dask cluster the same way.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import concurrent.futures

    from prefect.context import FlowRunContext
    from prefect.engine.remote_tasks import RemoteTaskPool

__all__ = [
    "DEFAULT_MAX_WORKERS",
    "ProcessPoolTaskRunner",
    "TaskRunner",
    "ThreadPoolTaskRunner",
]

# threads per flow run when nothing says otherwise (Prefect 3 leaves it unbounded; a
# bound keeps `task.map` over 10,000 items from starting 10,000 threads)
DEFAULT_MAX_WORKERS = 32


class TaskRunner:
    """Base of the task runners a flow accepts as `task_runner=`.

    A runner holds settings only; `open_pool` makes the pool of one flow run. The pool is
    a `ThreadPoolExecutor`: the flow run shuts it down (waiting) before it ends. A pool
    that runs tasks elsewhere also has `submit_task_run` (see
    `prefect.engine.remote_tasks.RemoteTaskPool`).
    """

    @property
    def name(self) -> str:
        return type(self).__name__.replace("TaskRunner", "").lower() or "taskrunner"

    def duplicate(self) -> TaskRunner:
        """A runner with the same settings, for another flow run."""
        return type(self)()

    def thread_pool_size(self) -> int:
        """How many threads a flow run using this runner may run its tasks on."""
        return DEFAULT_MAX_WORKERS

    def open_pool(self, flow_ctx: FlowRunContext) -> concurrent.futures.ThreadPoolExecutor:
        """The pool that runs the submitted tasks of the flow run `flow_ctx`."""
        from concurrent.futures import ThreadPoolExecutor

        return ThreadPoolExecutor(
            max_workers=self.thread_pool_size(),
            thread_name_prefix=f"{flow_ctx.flow_run.name}-task",
        )


class ThreadPoolTaskRunner(TaskRunner):
    """Runs submitted tasks on a pool of at most `max_workers` threads per flow run."""

    def __init__(self, max_workers: int | None = None) -> None:
        if max_workers is not None and max_workers < 1:
            raise ValueError(f"max_workers must be at least 1, not {max_workers}")
        self.max_workers = max_workers

    def duplicate(self) -> ThreadPoolTaskRunner:
        return type(self)(max_workers=self.max_workers)

    def thread_pool_size(self) -> int:
        return self.max_workers or DEFAULT_MAX_WORKERS

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, ThreadPoolTaskRunner) and other.max_workers == self.max_workers

    def __hash__(self) -> int:
        return hash((type(self), self.max_workers))

    def __repr__(self) -> str:
        return f"ThreadPoolTaskRunner(max_workers={self.max_workers!r})"


class ProcessPoolTaskRunner(TaskRunner):
    """Runs submitted tasks in at most `max_workers` worker processes per flow run
    (default: the machine's CPU count).

    Workers start on the first submission and are reused by the run's later tasks; each
    pays for importing the SDK and opening its client once (about a second). Task
    functions, arguments and return values must be picklable by cloudpickle.
    """

    def __init__(self, max_workers: int | None = None) -> None:
        if max_workers is not None and max_workers < 1:
            raise ValueError(f"max_workers must be at least 1, not {max_workers}")
        self.max_workers = max_workers

    def duplicate(self) -> ProcessPoolTaskRunner:
        return type(self)(max_workers=self.max_workers)

    def process_count(self) -> int:
        return self.max_workers or os.cpu_count() or 1

    def open_pool(self, flow_ctx: FlowRunContext) -> RemoteTaskPool:
        from prefect.engine.remote_tasks import ProcessBackend, RemoteTaskPool

        return RemoteTaskPool(
            ProcessBackend(self.process_count()),
            flow_ctx,
            # a dispatch thread waits for upstreams and hands a run over, then is free
            # again; one per process keeps every process fed
            dispatch_threads=self.process_count(),
        )

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, ProcessPoolTaskRunner) and other.max_workers == self.max_workers

    def __hash__(self) -> int:
        return hash((type(self), self.max_workers))

    def __repr__(self) -> str:
        return f"ProcessPoolTaskRunner(max_workers={self.max_workers!r})"
