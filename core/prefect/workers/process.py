"""The process worker: each flow run in a subprocess of the worker.

The job configuration (from the pool's base job template, see `templates`) gives the
process its `command` (default: `prefect flow-run execute <id>`), `env` (added to the
worker's environment; a null value removes a name) and `working_dir` (default: a
temporary folder, removed when the run ends); `stream_output` passes its output through
to the worker's, else it is discarded.

Each process starts a session of its own (`start_new_session`): it leads a process group
that its children and grandchildren join, and cancellation signals the whole group
(SIGTERM, then SIGKILL after the grace period), where Prefect's worker signals only the
process it started. On Linux it also asks the kernel for SIGKILL when the worker dies
(`PR_SET_PDEATHSIG`, set between fork and exec): a worker killed with SIGKILL takes its
flow processes with it, and the server's zombie detection marks their runs Crashed when
their heartbeats stop. The signal follows the thread that started the process, so
processes are started from the event loop's thread, which lives as long as the worker.

With the default command, a run usually goes to a standby process: one the worker
started ahead, which has imported the SDK already and waits for a run on its input
(`prefect.deployments.standby`); a new standby is started after each hand-over. This
takes the import time (about half a second) out of every run's start.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from prefect.workers.base import BaseWorker, logger
from prefect.workers.runs import RunHandle

if TYPE_CHECKING:
    from prefect.schemas.objects import FlowRun

__all__ = ["ProcessWorker", "default_command"]

# what the worker hands down to its processes when it read them from a profile
_PASSED_SETTINGS = (
    "PREFECT_HOME",
    "PREFECT_PROFILES_PATH",
    "PREFECT_API_URL",
    "PREFECT_API_KEY",
    "PREFECT_API_AUTH_STRING",
    "PREFECT_SERVER_DATABASE_CONNECTION_URL",
)
# how often a cancelled run's process group is looked at during its grace period
_GROUP_CHECK_SECONDS = 0.05
PR_SET_PDEATHSIG = 1


def default_command(flow_run_id: Any) -> list[str]:
    """`prefect flow-run execute <id>`, with the `prefect` beside this Python if there is one."""
    beside = Path(sys.executable).with_name("prefect")
    executable = str(beside) if beside.exists() else (shutil.which("prefect") or "prefect")
    return [executable, "flow-run", "execute", str(flow_run_id)]


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec function setting PR_SET_PDEATHSIG to SIGKILL; None off Linux."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:
            # the worker died between fork and prctl: nobody would watch this run
            os._exit(1)

    return preexec


class ProcessWorker(BaseWorker):
    """Runs each flow run as a subprocess (`prefect flow-run execute`) in its own group."""

    type: ClassVar[str] = "process"

    def __init__(self, *args: Any, standby: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._preexec = _die_with_parent()
        self._standby = _Standby(self) if standby else None

    async def run(self, **kwargs: Any) -> None:
        try:
            await super().run(**kwargs)
        finally:
            if self._standby is not None:
                await self._standby.close()

    async def setup_pool(self) -> None:
        await super().setup_pool()
        if self._standby is not None:
            self._standby._start_soon(0.0)

    def base_environment(self) -> dict[str, str]:
        """The worker's environment with the settings it read from a profile."""
        from prefect.settings import get_current_settings

        env = dict(os.environ)
        settings = get_current_settings()
        for name in _PASSED_SETTINGS:
            value = settings.value_of(name)
            if value is not None and name not in env:
                env[name] = str(value)
        if self._client is not None and self._client.api_url:
            env["PREFECT_API_URL"] = self._client.api_url
        return env

    async def spawn(
        self, command: list[str], env: dict[str, str], cwd: str, *, stream: bool, stdin: int
    ) -> asyncio.subprocess.Process:
        output = None if stream else asyncio.subprocess.DEVNULL
        return await asyncio.create_subprocess_exec(
            *command,
            env=env,
            cwd=cwd,
            stdin=stdin,
            stdout=output,
            stderr=output,
            start_new_session=True,
            preexec_fn=self._preexec,
        )

    def command(self, configuration: dict[str, Any], flow_run: FlowRun) -> list[str]:
        given = configuration.get("command")
        if isinstance(given, list) and given:
            return [str(part) for part in given]
        if isinstance(given, str) and given.strip():
            return shlex.split(given)
        return default_command(flow_run.id)

    def environment(self, configuration: dict[str, Any], flow_run: FlowRun) -> dict[str, str]:
        from prefect.deployments.execute import FLOW_RUN_ID_ENV

        env = self.base_environment()
        given = configuration.get("env")
        if isinstance(given, dict):
            for name, value in given.items():
                if value is None:
                    env.pop(str(name), None)
                else:
                    env[str(name)] = str(value)
        env[FLOW_RUN_ID_ENV] = str(flow_run.id)
        return env

    async def start(self, handle: RunHandle, configuration: dict[str, Any]) -> None:
        flow_run = handle.flow_run
        command = self.command(configuration, flow_run)
        env = self.environment(configuration, flow_run)
        working_dir = configuration.get("working_dir")
        temporary: str | None = None
        if not working_dir:
            temporary = tempfile.mkdtemp(prefix="prefect-run-")
            working_dir = temporary
        stream = configuration.get("stream_output", True) is not False
        try:
            process = None
            if self._standby is not None and not _custom_command(configuration):
                process = await self._standby.hand_over(
                    flow_run.id, env, str(working_dir), stream=stream
                )
            if process is None:
                process = await self.spawn(
                    command,
                    env,
                    str(working_dir),
                    stream=stream,
                    stdin=asyncio.subprocess.DEVNULL,
                )
        except BaseException:
            if temporary is not None:
                shutil.rmtree(temporary, ignore_errors=True)
            raise
        handle.pid = process.pid
        handle.infrastructure = _Process(process, temporary)
        logger.debug("Flow run %s: %s (in %s)", flow_run.id, shlex.join(command), working_dir)

    async def wait(self, handle: RunHandle) -> int:
        proc = _process(handle)
        try:
            return await proc.process.wait()
        finally:
            if proc.temporary is not None:
                await asyncio.to_thread(shutil.rmtree, proc.temporary, True)

    async def kill(self, handle: RunHandle, grace_seconds: float) -> None:
        """SIGTERM the run's process group; SIGKILL what is left of it after the grace."""
        proc = _process(handle)
        group = proc.process.pid  # a session leader's group id is its pid
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace_seconds
        if not _signal_group(group, signal.SIGTERM):
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(proc.process.wait()), grace_seconds)
        # the leader may be gone while children that caught SIGTERM are still cleaning up
        while loop.time() < deadline and _signal_group(group, 0):
            await asyncio.sleep(_GROUP_CHECK_SECONDS)
        if _signal_group(group, signal.SIGKILL):
            logger.info("Flow run %s: killed what was left of process group %d", handle.id, group)


def _custom_command(configuration: dict[str, Any]) -> bool:
    given = configuration.get("command")
    return bool(given.strip() if isinstance(given, str) else given)


class _Standby:
    """The worker's one process waiting for a run (see `prefect.deployments.standby`)."""

    # a standby that keeps dying at start is given up on after this many tries
    MAX_FAILURES = 3
    # a new standby starts this long after a hand-over, not at once: the run just handed
    # over should have the CPU for its own start
    RESPAWN_DELAY = 0.5

    def __init__(self, worker: ProcessWorker) -> None:
        self.worker = worker
        self.process: asyncio.subprocess.Process | None = None
        self.failures = 0
        self._starting: asyncio.Task[None] | None = None

    async def hand_over(
        self, flow_run_id: Any, env: dict[str, str], cwd: str, *, stream: bool
    ) -> asyncio.subprocess.Process | None:
        """The standby, now running `flow_run_id`; None when there is none to take."""
        import json

        if self._starting is not None and not self._starting.done():
            await self._starting
        process, self.process = self.process, None
        if process is None and self.failures < self.MAX_FAILURES:
            self._start_soon(0.0)  # the first run of the worker starts one
            return None
        if process is None:
            return None
        self._start_soon(self.RESPAWN_DELAY)
        if process.returncode is not None or process.stdin is None:
            self.failures += 1
            logger.debug("Standby process %d had exited (%s)", process.pid, process.returncode)
            return None
        order = {"flow_run_id": str(flow_run_id), "env": env, "cwd": cwd, "stream_output": stream}
        try:
            process.stdin.write(json.dumps(order).encode() + b"\n")
            await process.stdin.drain()
            process.stdin.close()
        except (ConnectionError, OSError) as exc:
            self.failures += 1
            logger.debug("Standby process %d did not take the run: %s", process.pid, exc)
            return None
        self.failures = 0
        return process

    def _start_soon(self, delay: float) -> None:
        if self.failures >= self.MAX_FAILURES:
            return
        self._starting = asyncio.create_task(self._start(delay))

    async def _start(self, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        if self.worker._stopping.is_set():
            return
        try:
            self.process = await self.worker.spawn(
                [sys.executable, "-m", "prefect.deployments.standby"],
                self.worker.base_environment(),
                os.getcwd(),
                stream=True,
                stdin=asyncio.subprocess.PIPE,
            )
        except OSError as exc:
            self.failures += 1
            logger.debug("Could not start a standby process: %s", exc)

    async def close(self) -> None:
        if self._starting is not None:
            self._starting.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._starting
        process, self.process = self.process, None
        if process is None or process.returncode is not None:
            return
        if process.stdin is not None:
            process.stdin.close()  # end of input: it exits with status 0
        try:
            await asyncio.wait_for(process.wait(), 2)
        except TimeoutError:
            _signal_group(process.pid, signal.SIGKILL)
            await process.wait()


class _Process:
    __slots__ = ("process", "temporary")

    def __init__(self, process: asyncio.subprocess.Process, temporary: str | None) -> None:
        self.process = process
        self.temporary = temporary


def _process(handle: RunHandle) -> _Process:
    proc = handle.infrastructure
    if not isinstance(proc, _Process):
        raise RuntimeError(f"Flow run {handle.id} has no process")
    return proc


def _signal_group(group: int, signum: int) -> bool:
    """Send `signum` to the process group; False when the group is gone."""
    try:
        os.killpg(group, signum)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False
    return True
