"""Task runners: where `task.submit()` and `task.map()` run the tasks of a flow run.

    from prefect import flow
    from prefect.task_runners import ThreadPoolTaskRunner

    @flow(task_runner=ThreadPoolTaskRunner(max_workers=4))
    def crawl(urls: list[str]):
        fetch.map(urls)                 # at most 4 fetches at a time

Each flow run gets a pool of its own, created on its first submission and joined before
the run ends, so a run never finishes with its tasks still running. Without a task runner
(or with `max_workers=None`) the pool holds up to `DEFAULT_MAX_WORKERS` threads.

Prefect 3's ProcessPoolTaskRunner is not provided yet; `DaskTaskRunner` lives in the
optional `prefect_dask` package when installed.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DEFAULT_MAX_WORKERS", "TaskRunner", "ThreadPoolTaskRunner"]

# threads per flow run when nothing says otherwise (Prefect 3 leaves it unbounded; a
# bound keeps `task.map` over 10,000 items from starting 10,000 threads)
DEFAULT_MAX_WORKERS = 32


class TaskRunner:
    """Base of the task runners a flow accepts as `task_runner=`."""

    @property
    def name(self) -> str:
        return type(self).__name__.replace("TaskRunner", "").lower() or "taskrunner"

    def duplicate(self) -> TaskRunner:
        """A runner with the same settings, for another flow run."""
        return type(self)()

    def thread_pool_size(self) -> int:
        """How many threads a flow run using this runner may run its tasks on."""
        return DEFAULT_MAX_WORKERS


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
