"""What every worker does, whatever runs its flows: `BaseWorker`.

A worker serves one work pool (creating it when it does not exist). On one event loop it:

- beats: `POST /work_pools/{pool}/workers/heartbeat` every PREFECT_WORKER_HEARTBEAT_SECONDS,
  re-reading the pool (its base job template may change);
- polls: `get_scheduled_flow_runs` for the runs due before now + the prefetch window,
  asking the server to hold the request until there is work (`wait_seconds`, this
  server's long poll), so that a new run is seen at once and an idle worker costs one
  request per PREFECT_WORKER_QUERY_SECONDS. With `limit` runs in flight it does not poll
  until one ends;
- submits each run: proposes Pending (a rejection means another worker took it), renders
  the job configuration (the pool's base job template with the deployment's and the
  run's job variables), starts the infrastructure (a subclass's `start`), records
  `infrastructure_pid`, waits for it to end, and proposes Crashed, with the exit code,
  when it ended without a final state;
- cancels: runs of its pool set Cancelling (learned from the event stream, with a
  periodic check as a fallback: `cancellation`) have their infrastructure stopped (a
  subclass's `kill`) and end Cancelled.

`stop()` (SIGTERM, SIGINT) ends polling; the worker returns and says which runs it leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from prefect._time import now
from prefect.workers.runs import RunHandle, WorkerSettings

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.objects import FlowRun, State
    from prefect.schemas.work_pools import WorkPool

__all__ = ["BaseWorker", "RunHandle", "WorkerSettings"]

logger = logging.getLogger("prefect.worker")

# a poll is held at most this long below the client's request timeout
_POLL_MARGIN_SECONDS = 5.0
# after a failed poll or heartbeat, wait this long (doubling) before the next try
_RETRY_FIRST, _RETRY_MAX = 0.5, 10.0


class BaseWorker:
    """A worker of one pool. Subclasses set `type` and implement `start`, `wait`, `kill`."""

    type: ClassVar[str] = ""

    def __init__(
        self,
        work_pool_name: str,
        *,
        name: str | None = None,
        work_queues: list[str] | None = None,
        limit: int | None = None,
        prefetch_seconds: float | None = None,
        heartbeat_seconds: float | None = None,
        query_seconds: float | None = None,
        cancel_grace_seconds: float | None = None,
        base_job_template: dict[str, Any] | None = None,
        create_pool_if_not_found: bool = True,
    ) -> None:
        if limit is not None and limit < 1:
            raise ValueError("a worker's limit must be at least 1")
        self.work_pool_name = work_pool_name
        self.name = name or f"{type(self).__name__} {uuid.uuid4()}"
        self.work_queues = list(work_queues or [])
        self.limit = limit
        self.settings = WorkerSettings.current(
            prefetch_seconds=prefetch_seconds,
            heartbeat_seconds=heartbeat_seconds,
            query_seconds=query_seconds,
            cancel_grace_seconds=cancel_grace_seconds,
        )
        self.base_job_template = base_job_template
        self.create_pool_if_not_found = create_pool_if_not_found
        self.work_pool: WorkPool | None = None
        self.runs: dict[uuid.UUID, RunHandle] = {}
        self.last_poll: float | None = None
        self._client: PrefectClient | None = None
        self._stopping = asyncio.Event()
        self._slot_freed = asyncio.Event()
        self._force = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._poll_task: asyncio.Task[Any] | None = None
        self.stopped_by_signal = False

    # -- what a subclass provides ----------------------------------------------------------

    async def start(self, handle: RunHandle, configuration: dict[str, Any]) -> None:
        """Start the run's infrastructure; set `handle.pid` / `handle.infrastructure`."""
        raise NotImplementedError

    async def wait(self, handle: RunHandle) -> int:
        """Wait for the run's infrastructure to end; its exit code."""
        raise NotImplementedError

    async def kill(self, handle: RunHandle, grace_seconds: float) -> None:
        """Stop the run's infrastructure: politely, then after `grace_seconds` for good."""
        raise NotImplementedError

    def infrastructure_pid(self, handle: RunHandle) -> str | None:
        """What `infrastructure_pid` records for the run (Prefect: "hostname:pid")."""
        return f"{socket.gethostname()}:{handle.pid}" if handle.pid is not None else None

    # -- the client -------------------------------------------------------------------------

    @property
    def client(self) -> PrefectClient:
        if self._client is None:
            raise RuntimeError("The worker is not running")
        return self._client

    # -- running ----------------------------------------------------------------------------

    async def run(
        self,
        *,
        run_once: bool = False,
        healthcheck: tuple[str, int] | None = None,
        client: PrefectClient | None = None,
    ) -> None:
        """Serve the pool until `stop()` (or, with `run_once`, one poll's runs are done).

        `client`, when given, is an open client to use; else one is opened and closed."""
        from prefect.client.orchestration import get_client

        async with contextlib.AsyncExitStack() as stack:
            if client is None:
                client = await stack.enter_async_context(get_client())
            self._client = client
            try:
                await self._serve(run_once, healthcheck)
            finally:
                self._client = None

    async def _serve(self, run_once: bool, healthcheck: tuple[str, int] | None) -> None:
        from prefect.workers.cancellation import CancellationWatcher

        await self.setup_pool()
        await self.heartbeat()
        background = [
            asyncio.create_task(self._heartbeat_loop(), name="worker-heartbeat"),
            asyncio.create_task(CancellationWatcher(self).run(), name="worker-cancellation"),
        ]
        server = None
        if healthcheck is not None:
            from prefect.workers.healthcheck import serve_health

            server = await serve_health(*healthcheck, self.is_healthy)
            logger.info("Health check at http://%s:%d/health", *healthcheck)
        logger.info(
            "Worker %r started! Polling work pool %r%s",
            self.name,
            self.work_pool_name,
            f" (queues: {', '.join(self.work_queues)})" if self.work_queues else "",
        )
        try:
            if run_once:
                await self._poll_and_submit(wait_seconds=0.0)
                await self._wait_for_runs()
            else:
                await self._poll_loop()
        finally:
            for task in background:
                task.cancel()
            for task in background:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            if server is not None:
                server.close()
            if self.stopped_by_signal:
                await self._end_runs_left()
            for task in list(self._tasks):
                task.cancel()

    def stop(self) -> None:
        """Stop taking work (SIGTERM/SIGINT); a second call stops without waiting for the
        runs in progress to be ended."""
        if self._stopping.is_set():
            self._force.set()
        self.stopped_by_signal = True
        self._stopping.set()
        if self._poll_task is not None:
            self._poll_task.cancel()

    def is_healthy(self) -> bool:
        """Polled recently (a held poll counts from when it was sent)."""
        if self.last_poll is None:
            return False
        allowed = 3 * self.settings.query_seconds + _POLL_MARGIN_SECONDS
        return time.monotonic() - self.last_poll < allowed

    async def _end_runs_left(self) -> None:
        """Say which runs this worker leaves, and end them properly: their processes would
        not outlive the worker (PR_SET_PDEATHSIG), and their children would be orphaned."""
        left = list(self.runs.values())
        if not left:
            logger.info("Worker %r stopped; no flow runs in progress.", self.name)
            return
        described = ", ".join(
            f"{h.id} (pid {h.pid if h.pid is not None else 'not started'})" for h in left
        )
        logger.warning(
            "Worker %r stopping; it leaves %d flow run(s) in progress: %s. Their processes "
            "do not outlive the worker: they are being stopped and the runs marked Crashed.",
            self.name,
            len(left),
            described,
        )
        for handle in left:
            handle.abandoned = True
            if handle.started:
                self._spawn(self._cancel(handle))
        pending = set(self._tasks)
        if not pending:
            return
        ended = asyncio.create_task(asyncio.wait(pending))
        force = asyncio.create_task(self._force.wait())
        await asyncio.wait(
            {ended, force},
            timeout=self.settings.cancel_grace_seconds + _POLL_MARGIN_SECONDS,
            return_when=asyncio.FIRST_COMPLETED,
        )
        ended.cancel()
        force.cancel()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- the pool ---------------------------------------------------------------------------

    async def setup_pool(self) -> None:
        """Read the pool, creating it (with this worker type's default template) if missing."""
        from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

        try:
            self.work_pool = await self.client.read_work_pool(self.work_pool_name)
        except ObjectNotFound:
            if not self.create_pool_if_not_found:
                raise
            from prefect.schemas.work_pools import WorkPoolCreate
            from prefect.workers.templates import default_base_job_template

            template = self.base_job_template or default_base_job_template(self.type)
            create = WorkPoolCreate(
                name=self.work_pool_name, type=self.type, base_job_template=template
            )
            try:
                self.work_pool = await self.client.create_work_pool(create)
                logger.info("Created work pool %r of type %r", self.work_pool_name, self.type)
            except ObjectAlreadyExists:  # another worker made it meanwhile
                self.work_pool = await self.client.read_work_pool(self.work_pool_name)
        if self.work_pool.type != self.type:
            logger.warning(
                "Work pool %r is of type %r; this worker runs %r infrastructure",
                self.work_pool_name,
                self.work_pool.type,
                self.type,
            )

    async def heartbeat(self) -> None:
        await self.client.send_worker_heartbeat(
            self.work_pool_name,
            self.name,
            heartbeat_interval_seconds=self.settings.heartbeat_seconds,
        )

    async def beat(self) -> None:
        """One heartbeat, and the pool read again (a hook: `serve` has no pool)."""
        await self.heartbeat()
        self.work_pool = await self.client.read_work_pool(self.work_pool_name)

    async def _heartbeat_loop(self) -> None:
        delay = _RETRY_FIRST
        while not self._stopping.is_set():
            if await self._sleep_or_stop(self.settings.heartbeat_seconds):
                return
            try:
                await self.beat()
                delay = _RETRY_FIRST
            except Exception as exc:
                logger.warning("Worker heartbeat failed: %s", exc)
                await self._sleep_or_stop(delay)
                delay = min(delay * 2, _RETRY_MAX)

    async def _sleep_or_stop(self, seconds: float) -> bool:
        """Sleep `seconds` unless the worker stops first; True when it stopped."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
        return self._stopping.is_set()

    # -- polling ----------------------------------------------------------------------------

    def free_slots(self) -> int | None:
        return None if self.limit is None else max(self.limit - len(self.runs), 0)

    def _poll_wait_seconds(self) -> float:
        from prefect.settings import get_current_settings

        timeout = float(get_current_settings().api_request_timeout)
        return max(0.0, min(self.settings.query_seconds, timeout - _POLL_MARGIN_SECONDS))

    async def _poll_loop(self) -> None:
        delay = _RETRY_FIRST
        while not self._stopping.is_set():
            free = self.free_slots()
            if free == 0:
                self._slot_freed.clear()
                if self.free_slots() == 0:
                    stop = asyncio.create_task(self._stopping.wait())
                    freed = asyncio.create_task(self._slot_freed.wait())
                    await asyncio.wait({stop, freed}, return_when=asyncio.FIRST_COMPLETED)
                    stop.cancel()
                    freed.cancel()
                continue
            self._poll_task = asyncio.create_task(
                self._poll_and_submit(wait_seconds=self._poll_wait_seconds())
            )
            try:
                await self._poll_task
                delay = _RETRY_FIRST
            except asyncio.CancelledError:
                if not self._stopping.is_set():
                    raise
            except Exception as exc:
                logger.warning("Polling work pool %r failed: %s", self.work_pool_name, exc)
                await self._sleep_or_stop(delay)
                delay = min(delay * 2, _RETRY_MAX)
            finally:
                self._poll_task = None

    async def _poll_and_submit(self, wait_seconds: float) -> None:
        self.last_poll = time.monotonic()
        before = now() + timedelta(seconds=self.settings.prefetch_seconds)
        flow_runs = await self.scheduled_runs(before, wait_seconds)
        self.last_poll = time.monotonic()
        for flow_run in flow_runs:
            if self._stopping.is_set():
                break
            if flow_run.id in self.runs:
                continue  # already being submitted by this worker
            if self.free_slots() == 0:
                break
            self.submit(flow_run)

    async def scheduled_runs(self, before: datetime, wait_seconds: float) -> list[FlowRun]:
        """The pool's runs due by `before` (a hook: `serve` asks for its deployments')."""
        responses = await self.client.get_scheduled_flow_runs_for_work_pool(
            self.work_pool_name,
            work_queue_names=self.work_queues or None,
            scheduled_before=before,
            limit=self.free_slots(),
            wait_seconds=wait_seconds,
        )
        return [response.flow_run for response in responses]

    def watched_resources(self) -> list[str]:
        """Resource ids whose Cancelling events concern this worker (a hook, as above)."""
        assert self.work_pool is not None
        return [f"prefect.work-pool.{self.work_pool.id}"]

    def submit(self, flow_run: FlowRun) -> None:
        handle = RunHandle(flow_run)
        self.runs[flow_run.id] = handle
        task = asyncio.create_task(self._run(handle), name=f"flow-run-{flow_run.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _wait_for_runs(self) -> None:
        """Until the runs taken are over, or the worker is stopped."""
        while self._tasks and not self._stopping.is_set():
            stop = asyncio.create_task(self._stopping.wait())
            await asyncio.wait({*self._tasks, stop}, return_when=asyncio.FIRST_COMPLETED)
            stop.cancel()

    # -- one run ----------------------------------------------------------------------------

    async def _run(self, handle: RunHandle) -> None:
        try:
            await self._submit_and_watch(handle)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("Worker failed while handling flow run %s", handle.id)
        finally:
            self.runs.pop(handle.id, None)
            self._slot_freed.set()

    async def _submit_and_watch(self, handle: RunHandle) -> None:
        from prefect.states import Pending

        flow_run = handle.flow_run
        result = await self.client.set_flow_run_state(flow_run.id, Pending())
        if result.status.value != "ACCEPT":
            state = result.state.name if result.state is not None else result.status.value
            logger.info(
                "Flow run %s not submitted: the server answered %s (%s)",
                flow_run.id,
                result.status.value,
                state,
            )
            return
        if self._stopping.is_set():
            await self._give_back(handle)
            return
        logger.info("Submitting flow run %r (%s)", flow_run.name, flow_run.id)
        try:
            configuration = await self.job_configuration(flow_run)
            await self.start(handle, configuration)
        except Exception as exc:
            logger.exception("Could not start flow run %s", flow_run.id)
            await self._propose_crashed(
                handle, f"Flow run could not be submitted to infrastructure: {exc}"
            )
            return
        logger.info("Started flow run %r (%s), pid %s", flow_run.name, flow_run.id, handle.pid)
        record = asyncio.create_task(self._record_pid(handle))
        if handle.cancel_requested:
            await self._cancel(handle)
        code = await self.wait(handle)
        with contextlib.suppress(Exception):
            await record
        await self._report_exit(handle, code)

    async def job_configuration(self, flow_run: FlowRun) -> dict[str, Any]:
        """The pool's base job template rendered with the deployment's and run's variables."""
        from prefect.workers.templates import (
            default_base_job_template,
            merge_job_variables,
            render_job_configuration,
        )

        deployment_variables: dict[str, Any] = {}
        if flow_run.deployment_id is not None:
            deployment = await self.client.read_deployment(flow_run.deployment_id)
            deployment_variables = dict(deployment.job_variables or {})
        variables = merge_job_variables(deployment_variables, flow_run.job_variables or {})
        template = self.work_pool.base_job_template if self.work_pool is not None else None
        if not template:
            template = default_base_job_template(self.type)
        return render_job_configuration(template, variables)

    async def _record_pid(self, handle: RunHandle) -> None:
        pid = self.infrastructure_pid(handle)
        if pid is not None:
            try:
                await self.client.update_flow_run(handle.id, infrastructure_pid=pid)
            except Exception as exc:
                logger.warning("Could not record the pid of flow run %s: %s", handle.id, exc)

    async def _report_exit(self, handle: RunHandle, code: int) -> None:
        from prefect.states import Cancelled

        run = await self.client.read_flow_run(handle.id)
        state = run.state
        if state is not None and state.is_final():
            level = logging.INFO if code == 0 or state.is_completed() else logging.WARNING
            logger.log(
                level,
                "Flow run %r (%s) ended %s; its process exited with status %d",
                run.name,
                run.id,
                state.name,
                code,
            )
            return
        if handle.cancel_requested or (state is not None and state.is_cancelling()):
            message = "The flow run was cancelled; the worker stopped its processes."
            final = await self._propose(handle, Cancelled(message=message))
            logger.info("Flow run %s cancelled (%s)", handle.id, final.name if final else "?")
            return
        if handle.abandoned:
            await self._propose_crashed(
                handle,
                "The worker running this flow run was stopped; it ended the run's processes "
                f"(exit code {code}).",
            )
            return
        if state is not None and (state.is_paused() or state.is_scheduled()):
            # suspended, or put back to be run later: the process ended on purpose
            logger.info("Flow run %s left its process as %s", handle.id, state.name)
            return
        await self._propose_crashed(handle, _exit_message(code))

    async def _give_back(self, handle: RunHandle) -> None:
        """A run taken while the worker stops: Scheduled again, for another worker."""
        from prefect.states import Scheduled

        state = await self._propose(
            handle, Scheduled(message="The worker stopped before starting this run.")
        )
        logger.info("Flow run %s not started; it is %s", handle.id, state.name if state else "?")

    async def _propose_crashed(self, handle: RunHandle, message: str) -> None:
        from prefect.states import Crashed

        final = await self._propose(handle, Crashed(message=message))
        logger.warning(
            "Flow run %s: %s (now %s)", handle.id, message, final.name if final else "unknown"
        )

    async def _propose(self, handle: RunHandle, state: State) -> State | None:
        try:
            result = await self.client.set_flow_run_state(handle.id, state)
        except Exception as exc:
            logger.error("Could not set flow run %s %s: %s", handle.id, state.name, exc)
            return None
        return result.state

    # -- cancellation -----------------------------------------------------------------------

    async def cancel_run(self, flow_run_id: uuid.UUID) -> None:
        """Stop a run of this worker that was set Cancelling (no-op for any other run)."""
        handle = self.runs.get(flow_run_id)
        if handle is None or handle.cancel_requested:
            return
        handle.cancel_requested = True
        logger.info("Cancelling flow run %s (pid %s)", flow_run_id, handle.pid)
        if handle.started:
            await self._cancel(handle)
        # not started yet: `_submit_and_watch` kills it as soon as it starts

    async def _cancel(self, handle: RunHandle) -> None:
        if handle.killed:
            return
        handle.killed = True
        try:
            await self.kill(handle, self.settings.cancel_grace_seconds)
        except Exception:
            logger.exception("Could not stop the processes of flow run %s", handle.id)


def _exit_message(code: int) -> str:
    if code < 0:
        import signal

        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"Flow run process was killed by {name} (exit code {code})."
    if code == 0:
        return "Flow run process exited with status code 0 without reporting a final state."
    return f"Flow run infrastructure exited with non-zero status code {code}."
