"""Batching of task-run reports and log rows to the API, off the hot path.

Producers (task engines in any thread, the API log handler) call `report()` / `put()`:
a lock, a dict or list append, and, only when the sender was idle, one wake-up handed to
the API loop. The loop waits `interval` seconds so that a burst of calls coalesces, then
sends everything queued, in chunks of `max_batch`, one request at a time (so a later
snapshot of a task run never overtakes an earlier one).

Task-run reports coalesce per run: a task that went Pending -> Running -> Completed
between two sends is one `TaskRunReport` carrying its final snapshot and three states.

Two things keep a flow of many small tasks fast and its memory bounded:

- A `SendGate` shared by the senders: while a batch goes to the embedded store (which
  parses and writes it in this process), task threads that report a state wait for it
  instead of competing for the GIL. SQLite gives the GIL up and takes it back for every
  row it writes; against busy task threads each of those waits could last a whole switch
  interval, which made a send several times slower than the same work done alone.
- Backpressure: past `high_water` queued runs, a producer outside any event loop sends
  the backlog itself (and the others wait at the gate), so the runs and states waiting
  for the API stay bounded whatever the API's speed.

`flush()` sends what is queued now and returns when the API has it; the flow engine calls
it before proposing a flow run's final state, and the exit hook calls it too.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from prefect.client._loop import get_api_loop, in_api_loop, run_async, run_sync
from prefect.schemas.actions import LogCreate, TaskRunReport
from prefect.schemas.objects import State, TaskRun

__all__ = ["BatchSender", "LogSender", "SendGate", "TaskRunReporter"]

T = TypeVar("T")

# the engine's own troubles are printed, never sent to the API (that could loop forever)
_log = logging.getLogger("prefect.engine.reporter")

# a producer never waits longer than this at the gate, whatever happens to the API loop
_GATE_TIMEOUT = 60.0


def _may_block() -> bool:
    """Whether this thread may wait for a send: not the API loop, nor any event loop."""
    if in_api_loop():
        return False
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return True
    return False


class SendGate:
    """Closed while a sender hands a batch to the embedded store; see the module."""

    def __init__(self, applies: Callable[[], bool] = lambda: True) -> None:
        # whether sends close the gate now (the engine: only with the embedded store)
        self.applies = applies
        self._lock = threading.Lock()
        self._closed_by = 0
        self._open = threading.Event()
        self._open.set()

    def close(self) -> None:
        with self._lock:
            self._closed_by += 1
            self._open.clear()

    def reopen(self) -> None:
        with self._lock:
            self._closed_by -= 1
            if self._closed_by == 0:
                self._open.set()

    def wait(self) -> None:
        """Wait until no batch is being sent (a no-op where this thread may not block)."""
        if not self._open.is_set() and _may_block():
            self._open.wait(_GATE_TIMEOUT)


class BatchSender(Generic[T]):
    """Queue items from any thread; send them from the API loop in batches."""

    def __init__(
        self,
        send: Callable[[list[T]], Awaitable[Any]],
        *,
        interval: float = 0.5,
        max_batch: int = 500,
        what: str = "items",
        gate: SendGate | None = None,
    ) -> None:
        self._send = send
        self.interval = interval
        self.max_batch = max_batch
        self._what = what
        self.gate = gate
        self._lock = threading.Lock()
        self._wakeup_pending = False
        self._send_lock: asyncio.Lock | None = None
        self.sent_batches = 0
        self.sent_items = 0

    # -- producer side (any thread) --------------------------------------------------------

    def _enqueue(self, item: T) -> None:
        raise NotImplementedError

    def _take(self) -> list[T]:
        """Everything queued so far, in order; called under the lock."""
        raise NotImplementedError

    def _queued(self) -> int:
        raise NotImplementedError

    def _add(self, item: T) -> None:
        with self._lock:
            self._enqueue(item)
            if self._wakeup_pending:
                return
            self._wakeup_pending = True
        self._wake()

    def _wake(self) -> None:
        loop = get_api_loop()
        loop.call_soon_threadsafe(self._schedule, loop)

    def _schedule(self, loop: asyncio.AbstractEventLoop) -> None:
        loop.call_later(self.interval, lambda: loop.create_task(self.drain()))

    # -- sender side (API loop) -------------------------------------------------------------

    async def drain(self) -> None:
        """Send everything queued, batch by batch; errors are logged, not raised."""
        if self._send_lock is None:
            self._send_lock = asyncio.Lock()
        async with self._send_lock:
            while True:
                with self._lock:
                    items = self._take()
                    self._wakeup_pending = False
                if not items:
                    return
                gate = self.gate if self.gate is not None and self.gate.applies() else None
                if gate is not None:
                    gate.close()
                try:
                    await self._send_all(items)
                finally:
                    if gate is not None:
                        gate.reopen()

    async def _send_all(self, items: list[T]) -> None:
        for start in range(0, len(items), self.max_batch):
            chunk = items[start : start + self.max_batch]
            try:
                await self._send(chunk)
            except Exception as exc:
                # The client has already retried transient errors; keeping the items
                # would only fail again and hold the flow run's end hostage.
                _log.error("Failed to send %d %s to the API: %s", len(chunk), self._what, exc)
            else:
                self.sent_batches += 1
                self.sent_items += len(chunk)

    def flush(self) -> None:
        """Send what is queued and wait until it is sent (from a synchronous caller)."""
        if in_api_loop():
            raise RuntimeError("flush() called from the API loop; await drain() instead")
        if self.pending():
            run_sync(self.drain())

    async def aflush(self) -> None:
        """Like `flush`, for a coroutine on any loop."""
        if self.pending():
            await run_async(self.drain())

    def pending(self) -> int:
        with self._lock:
            return self._queued()


class TaskRunReporter(BatchSender[TaskRunReport]):
    """Collects task runs and their new states; sends them as `TaskRunReport`s."""

    def __init__(
        self,
        send: Callable[[list[TaskRunReport]], Awaitable[Any]],
        *,
        high_water: int = 2000,
        **kw: Any,
    ) -> None:
        super().__init__(send, what="task run reports", **kw)
        self.high_water = high_water
        # task run id -> (the live TaskRun, states not reported yet); dicts keep order
        self._runs: dict[uuid.UUID, tuple[TaskRun, list[State]]] = {}

    def report(self, task_run: TaskRun, state: State) -> None:
        """Queue `state` (now the run's current state) for `task_run`. Cheap; any thread
        (it waits while a batch is sent, or sends a backlog itself: see the module)."""
        if self.gate is not None:
            self.gate.wait()
        with self._lock:
            entry = self._runs.get(task_run.id)
            if entry is None:
                self._runs[task_run.id] = (task_run, [state])
                backlog = len(self._runs) > self.high_water
            else:
                entry[1].append(state)
                backlog = False
            if self._wakeup_pending and not backlog:
                return
            wake = not self._wakeup_pending
            self._wakeup_pending = True
        if backlog and _may_block():
            try:
                self.flush()
            except Exception as exc:  # reporting must never fail the task that reports
                _log.error("Failed to send the queued task run reports: %s", exc)
                if wake:
                    self._wake()  # what is still queued goes at the next interval
        elif wake:
            self._wake()

    def _take(self) -> list[TaskRunReport]:
        from prefect.engine._models import construct

        runs, self._runs = self._runs, {}
        # the snapshot is taken here, on the API loop: copying it keeps a concurrent
        # update by the task's thread from mixing into the serialized report
        reports = []
        for run, states in runs.values():
            snapshot = run.model_copy()
            if snapshot.state is states[-1]:
                # sent once, as the last of `states`: the server takes the run's current
                # state from its state_id/state_type/state_name (a fifth of the bytes
                # and of the server's parsing, for a run reported whole)
                snapshot.__dict__["state"] = None
            reports.append(construct(TaskRunReport, task_run=snapshot, states=states))
        return reports

    def _queued(self) -> int:
        return len(self._runs)

    def holds_runs_of(self, flow_run_id: uuid.UUID) -> bool:
        """Whether task runs of the flow run `flow_run_id` wait to be sent."""
        with self._lock:
            return any(run.flow_run_id == flow_run_id for run, _ in self._runs.values())


class LogSender(BatchSender[LogCreate]):
    """Collects `LogCreate` rows; sends them with `create_logs`."""

    def __init__(self, send: Callable[[list[LogCreate]], Awaitable[Any]], **kw: Any) -> None:
        super().__init__(send, what="log records", **kw)
        self._items: list[LogCreate] = []

    def put(self, log: LogCreate) -> None:
        self._add(log)

    def _enqueue(self, item: LogCreate) -> None:
        self._items.append(item)

    def _take(self) -> list[LogCreate]:
        items, self._items = self._items, []
        return items

    def _queued(self) -> int:
        return len(self._items)
