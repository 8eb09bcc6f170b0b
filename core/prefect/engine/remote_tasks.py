"""Task runs that run in another process: a worker process of the flow's pool, or a Dask
worker. Used by `ProcessPoolTaskRunner` and `prefect_dask.DaskTaskRunner`.

The flow process makes the run as for a thread (`_prepare`: name, dynamic key, inputs,
Pending) and keeps its `PrefectFuture`. A dispatch thread waits for the run's `wait_for`
upstreams, stores the Pending (so the worker's later Running cannot be overtaken by it),
and hands a *shipment* to the backend: the task, its resolved parameters, the run record,
what the worker needs to know of the flow run, the settings in force and where the API
is, pickled with cloudpickle. The worker adopts the run and drives it with the same task
engine (retries, caching, hooks, timeouts, logs), reports to the same API, flushes its
reports, and sends the final state back. Nothing holds a thread of the flow process
while a task runs in a worker.

    backend.submit(shipment: bytes, label: str) -> concurrent.futures.Future[bytes]
    backend.close()                       # after the flow run's tasks have finished
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import copy
import functools
import threading
import uuid
from typing import TYPE_CHECKING, Any, Protocol

from prefect.context import FlowRunContext

if TYPE_CHECKING:
    from prefect.engine.task_engine import TaskRunEngine
    from prefect.flows import Flow
    from prefect.schemas.objects import State, TaskRun
    from prefect.tasks import Task

__all__ = [
    "Backend",
    "ProcessBackend",
    "RemoteTaskPool",
    "close_worker_client",
    "run_shipment",
    "settings_to_ship",
]


class Backend(Protocol):
    """Where shipments run: a process pool, a Dask cluster."""

    def submit(self, shipment: bytes, label: str) -> concurrent.futures.Future[bytes]: ...

    def close(self) -> None: ...


# -- the flow process's side ----------------------------------------------------------------


class RemoteTaskPool(concurrent.futures.ThreadPoolExecutor):
    """A flow run's pool for tasks that run elsewhere.

    It is a thread pool (the flow engine shuts it down like the thread runner's) whose
    threads only dispatch; `submit_task_run` returns the future of the run's final state.
    """

    def __init__(self, backend: Backend, flow_ctx: FlowRunContext, dispatch_threads: int) -> None:
        from prefect.engine import api

        super().__init__(
            max_workers=max(4, dispatch_threads),
            thread_name_prefix=f"{flow_ctx.flow_run.name}-dispatch",
        )
        self.backend = backend
        self.flow_ctx = flow_ctx
        # read here, in the flow's thread, where temporary_settings apply
        self._settings = settings_to_ship()
        self._target = api.target_key()
        self._flow_part: bytes | None = None
        self._lock = threading.Lock()
        self._runs: set[concurrent.futures.Future[State]] = set()

    def submit_task_run(
        self, engine: TaskRunEngine, wait_for: Any, context: contextvars.Context
    ) -> concurrent.futures.Future[State]:
        outcome: concurrent.futures.Future[State] = concurrent.futures.Future()
        with self._lock:
            self._runs.add(outcome)
        outcome.add_done_callback(self._forget)
        self.submit(context.run, self._dispatch, engine, wait_for, outcome)
        return outcome

    def _forget(self, outcome: concurrent.futures.Future[State]) -> None:
        with self._lock:
            self._runs.discard(outcome)

    def _dispatch(
        self, engine: TaskRunEngine, wait_for: Any, outcome: concurrent.futures.Future[State]
    ) -> None:
        from prefect.client._loop import run_sync
        from prefect.engine.api import reporter
        from prefect.futures import first_upstream_not_completed

        try:
            if wait_for is not None:
                upstream = first_upstream_not_completed(wait_for)
                if upstream is not None:
                    outcome.set_result(engine.not_ready(upstream.task_run_id))
                    return
            shipment = self._pack(engine)
            # the worker reports Running and the rest; the API keeps the last report of a
            # run as its current state, so the Pending sent from here must land first
            run_sync(reporter().drain())
            sent = self.backend.submit(shipment, engine.task_run.name)
        except BaseException as exc:
            _resolve(outcome, _not_sent, engine, exc)
            return
        sent.add_done_callback(functools.partial(_resolve, outcome, _received, engine))

    def _pack(self, engine: TaskRunEngine) -> bytes:
        import cloudpickle

        if self._flow_part is None:
            self._flow_part = _pack_flow_part(self.flow_ctx)
        shipment = (
            self._flow_part,
            engine.task,
            engine.parameters,
            engine.task_run,
            self._settings,
            self._target,
        )
        data: bytes = cloudpickle.dumps(shipment)
        return data

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        # dispatching first (nothing new reaches the backend after it), then the runs
        # under way, then the backend itself
        super().shutdown(wait=wait, cancel_futures=cancel_futures)
        if wait and not cancel_futures:  # runs cancelled before dispatch never settle
            with self._lock:
                runs = list(self._runs)
            concurrent.futures.wait(runs)
        self.backend.close()


def settings_to_ship() -> dict[str, Any]:
    """The settings not left at their defaults here (environment, profile, overrides).

    A worker applies them on top of its own: a worker process inherits the environment
    but not `temporary_settings`, and a Dask worker on another machine has neither.
    """
    from prefect.settings import get_current_settings

    settings = get_current_settings()
    return {
        name: value
        for name, value in settings.as_dict().items()
        if settings.source_of(name) != "default"
    }


def _pack_flow_part(flow_ctx: FlowRunContext) -> bytes:
    import cloudpickle

    def pack(parameters: dict[str, Any]) -> bytes:
        data: bytes = cloudpickle.dumps(
            (
                _flow_for_workers(flow_ctx.flow),
                flow_ctx.flow_run,
                parameters,
                flow_ctx.log_prints,
                flow_ctx.result_settings,
                flow_ctx.parent_flow_run_id,
                flow_ctx.root_flow_run_id,
            )
        )
        return data

    try:
        return pack(flow_ctx.parameters)
    except Exception:
        # the flow's own parameters only feed `prefect.runtime.flow_run.parameters` in
        # the worker: one that cannot be pickled must not stop every task from running
        return pack({})


def _flow_for_workers(flow: Flow[..., Any]) -> Flow[..., Any]:
    """The flow as a worker sees it: its name, version and settings, without its function,
    hooks or other options (which need not pickle), and submitting to threads (a worker
    is no place to start another pool of processes or a cluster)."""
    from prefect.task_runners import ThreadPoolTaskRunner

    light = copy.copy(flow)
    light.fn = _not_called
    light.__wrapped__ = _not_called
    light.on_completion_hooks = []
    light.on_failure_hooks = []
    light.on_cancellation_hooks = []
    light.on_crashed_hooks = []
    light.on_running_hooks = []
    light.unsupported_options = {}
    light.task_runner = ThreadPoolTaskRunner()
    return light


def _not_called(*args: Any, **kwargs: Any) -> None:
    raise RuntimeError("a flow's function is not called in a task worker")


def _resolve(outcome: concurrent.futures.Future[State], how: Any, *args: Any) -> None:
    """Settle `outcome` with `how(*args)`; whatever happens, the flow is not left waiting."""
    try:
        state = how(*args)
    except BaseException as exc:
        outcome.set_exception(exc)
    else:
        outcome.set_result(state)


def _not_sent(engine: TaskRunEngine, exc: BaseException) -> State:
    """The run could not be handed to a worker: Failed with the error when its task or
    arguments do not pickle, Crashed when the backend is broken."""
    from prefect.engine.outcomes import crashed_state, failed_state

    engine._logger().error(
        "Task run could not be sent to a worker: %s: %s", type(exc).__name__, exc
    )
    if isinstance(exc, concurrent.futures.BrokenExecutor):
        return engine._apply(crashed_state(exc, "Task", engine._details()))
    return engine._apply(failed_state(exc, "Task", engine._details()))


def _received(engine: TaskRunEngine, sent: concurrent.futures.Future[bytes]) -> State:
    """The final state a worker sent back (the worker has stored it already)."""
    import cloudpickle

    try:
        state: State = cloudpickle.loads(sent.result())
    except BaseException as exc:
        # the worker died (killed, out of memory, a broken pool) or its answer is lost
        from prefect.engine.outcomes import crashed_state

        engine._logger().error("Task run crashed in its worker: %s: %s", type(exc).__name__, exc)
        return engine._apply(crashed_state(exc, "Task", engine._details()))
    engine.state = state
    if state.is_completed() and state._has_result:
        from prefect.engine.task_inputs import link_result

        # as for a run in a thread: passing this very object on links the runs
        link_result(engine.flow_ctx.result_links, state._result, engine.task_run.id)
    return state


# -- the worker's side ----------------------------------------------------------------------

# per flow run: the unpickled flow part (a worker serves many runs of few flow runs)
_flow_parts: dict[uuid.UUID, tuple[Any, ...]] = {}
_flow_parts_lock = threading.Lock()
_FLOW_PARTS_KEPT = 16


def run_shipment(shipment: bytes) -> bytes:
    """Run one shipped task run to its final state; returns that state, pickled.

    Called in the worker (a process of the pool, or a Dask worker's thread). By the time
    it returns, the run's states and logs are in the API.
    """
    import cloudpickle

    from prefect.settings import temporary_settings

    flow_part, task, parameters, task_run, settings, target = cloudpickle.loads(shipment)
    with temporary_settings(settings):
        state = _run_adopted(flow_part, task, parameters, task_run, settings, target)
        return _pack_state(state)


def _run_adopted(
    flow_part: bytes,
    task: Task[..., Any],
    parameters: dict[str, Any],
    task_run: TaskRun,
    settings: dict[str, Any],
    target: tuple[str | None, str | None],
) -> State:
    from prefect.client._loop import run_sync
    from prefect.context import _flow_run_ctx, _task_run_ctx
    from prefect.engine.api import log_sender, reporter
    from prefect.engine.task_engine import TaskRunEngine, run_task_async, run_task_sync
    from prefect.logging.loggers import setup_logging

    setup_logging()
    run_sync(_open_client(target, settings))
    flow_ctx = _worker_flow_context(flow_part, task_run)
    engine = TaskRunEngine.adopt(task, flow_ctx, parameters, task_run)
    tokens = (_flow_run_ctx.set(flow_ctx), _task_run_ctx.set(None))
    try:
        if task.isasync:
            state: State = asyncio.run(run_task_async(task, (), {}, "state", flow_ctx, engine))
        else:
            state = run_task_sync(task, (), {}, "state", flow_ctx, engine)
    except BaseException:
        state = engine.state  # crashed: the engine has recorded it
    finally:
        _flow_run_ctx.reset(tokens[0])
        _task_run_ctx.reset(tokens[1])
        # the flow process moves on when it gets the state back: the API must have all
        # of the run by then (drain, not flush: it also waits for a send under way)
        run_sync(reporter().drain())
        run_sync(log_sender().drain())
    return _sendable(engine, state)


async def _open_client(target: tuple[str | None, str | None], settings: dict[str, Any]) -> None:
    from prefect.engine import api
    from prefect.settings import temporary_settings

    # on the API loop: the client reads its key and timeouts there as it opens
    with temporary_settings(settings):
        await api.ensure_engine_client(target)


class _WorkerFlowRunContext(FlowRunContext):
    """The flow run as one shipped task run sees it in its worker."""

    __slots__ = ("key_prefix",)
    key_prefix: str

    def next_dynamic_key(self, task_key: str) -> str:
        # a task called inside this run numbers its own runs; the prefix keeps them apart
        # from those the flow process numbers (and from other workers')
        return f"{self.key_prefix}-{super().next_dynamic_key(task_key)}"


def _worker_flow_context(flow_part: bytes, task_run: TaskRun) -> _WorkerFlowRunContext:
    import cloudpickle

    assert task_run.flow_run_id is not None
    part = _flow_parts.get(task_run.flow_run_id)
    if part is None:
        part = cloudpickle.loads(flow_part)
        with _flow_parts_lock:  # a Dask worker runs shipments on several threads
            if len(_flow_parts) >= _FLOW_PARTS_KEPT:
                _flow_parts.pop(next(iter(_flow_parts)))
            _flow_parts[task_run.flow_run_id] = part
    flow, flow_run, parameters, log_prints, result_settings, parent_id, root_id = part
    ctx = _WorkerFlowRunContext(flow, flow_run, parameters, log_prints)
    ctx.result_settings = result_settings
    ctx.parent_flow_run_id = parent_id
    ctx.root_flow_run_id = root_id
    ctx.key_prefix = task_run.id.hex[:12]
    return ctx


def _sendable(engine: TaskRunEngine, state: State) -> State:
    """`state`, or a Failed one when its value cannot be pickled back to the flow."""
    import cloudpickle

    if not state._has_result:
        return state
    try:
        if isinstance(state._result, BaseException):
            # an exception whose class cannot be rebuilt from its args fails on loading
            cloudpickle.loads(cloudpickle.dumps(state._result))
        else:
            cloudpickle.dumps(state._result)
    except Exception as exc:
        return _unsendable(engine, state, exc)
    return state


def _unsendable(engine: TaskRunEngine, state: State, exc: Exception) -> State:
    from prefect.client._loop import run_sync
    from prefect.engine.api import reporter
    from prefect.engine.outcomes import failed_state

    what = "exception" if isinstance(state._result, BaseException) else "return value"
    error = TypeError(
        f"The task run's {what} ({type(state._result).__name__}) could not be sent back "
        f"to the flow process: {type(exc).__name__}: {exc}"
    )
    engine._logger().error("%s", error)
    failed = engine._apply(failed_state(error, "Task", engine._details()))
    run_sync(reporter().drain())
    return failed


def _pack_state(state: State) -> bytes:
    import cloudpickle

    data: bytes = cloudpickle.dumps(state)
    return data


# -- a pool of worker processes -------------------------------------------------------------


class ProcessBackend:
    """Worker processes (spawned, reused) of one flow run."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._executor: concurrent.futures.ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def submit(self, shipment: bytes, label: str) -> concurrent.futures.Future[bytes]:
        executor = self._pool()
        try:
            return executor.submit(run_shipment, shipment)
        except concurrent.futures.BrokenExecutor:
            # a worker died (its runs crashed): the runs after it get a fresh pool
            return self._pool(replacing=executor).submit(run_shipment, shipment)

    def _pool(
        self, replacing: concurrent.futures.ProcessPoolExecutor | None = None
    ) -> concurrent.futures.ProcessPoolExecutor:
        with self._lock:
            if self._executor is None or self._executor is replacing:
                import multiprocessing

                if replacing is not None:
                    replacing.shutdown(wait=False)
                self._executor = concurrent.futures.ProcessPoolExecutor(
                    max_workers=self.processes,
                    # fork would copy the API loop's thread state and open connections
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_worker_started,
                )
            return self._executor

    def close(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)


def _worker_started() -> None:
    from multiprocessing.util import Finalize

    # a pool's worker ends without running atexit hooks; this closes its client (and
    # its database connections) cleanly when the pool shuts it down
    Finalize(None, close_worker_client, exitpriority=10)


def close_worker_client() -> None:
    """Send what a worker still holds and close its engine client (before it stops)."""
    from prefect.client import _loop

    if _loop._loop is None:
        return
    from prefect.engine import api

    try:
        _loop.run_sync(_close_quietly(api), timeout=30)
    except Exception:  # best effort on the way out
        pass


async def _close_quietly(api: Any) -> None:
    await api._drain_all()
    await api.close_engine_client()
