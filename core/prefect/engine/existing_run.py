"""A flow run on a run that already exists: a deployment's run, taken by a worker.

A flow call creates its run; a deployment's run was created by the server (a schedule, a
`deployment run`) and set Pending by the worker that started this process. Here the engine
adopts it: it reads the run instead of creating one, calls the flow with the run's
parameters, and starts it at its scheduled time (a worker starts processes early, up to
its prefetch window; proposing Running before that time would only be told to WAIT,
rounded up to whole seconds). Retries, hooks, heartbeats and the final state are the flow
engine's own.

Cancellation arrives as SIGTERM to the process group (the worker's doing). The first
SIGTERM raises `TerminationSignal` in the flow's thread (a sync flow) or cancels the
flow's task (an async flow); the engine then reports the run: a Cancelling run ends
Cancelled and the flow's `on_cancellation` hooks run, any other run ends Crashed. Further
SIGTERMs are ignored so that the hooks can finish; the worker's SIGKILL after its grace
period is the limit. When the signal lands outside the flow function (while a state is
being proposed), `run_existing_flow_run` settles the run itself and runs the hooks the
engine did not.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prefect._time import now
from prefect.context import FlowRunContext
from prefect.engine import api
from prefect.engine.flow_engine import FlowRunEngine

if TYPE_CHECKING:
    from prefect.flows import Flow
    from prefect.schemas.objects import FlowRun, State, StateType

__all__ = [
    "ExistingRunEngine",
    "TerminationSignal",
    "run_existing_flow_run",
    "terminate_on_sigterm",
]


class TerminationSignal(BaseException):
    """The process was asked to stop (SIGTERM): the run is cancelled, or it crashes."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(f"the flow run's process received {signal.Signals(signum).name}")


class ExistingRunEngine(FlowRunEngine):
    """The flow engine on an existing run: `create` reads it; hooks that ran are noted."""

    def __init__(self, flow: Flow[..., Any], flow_run: FlowRun) -> None:
        super().__init__(flow, (), dict(flow_run.parameters or {}))
        self.run_id = flow_run.id
        self.existing = flow_run
        self.hooks_ran: set[StateType] = set()

    async def create(self) -> None:
        client = await api.ensure_engine_client(self.key)
        run = await client.read_flow_run(self.run_id)
        if self.run_name and self.run_name != run.name:
            # the flow's own run-name template wins over the name the deployment gave
            await client.update_flow_run(run.id, name=self.run_name)
            run.__dict__["name"] = self.run_name
        self.flow_run = run
        self.state = run.state
        self.context = FlowRunContext(
            self.flow, run, self.parameters, self.flow.resolve_log_prints()
        )
        self.context.result_settings = self.result_settings
        self.logger.info(
            "Beginning flow run %r for flow %r (run of a deployment)", run.name, self.flow.name
        )
        await _until_scheduled_time(run)

    def run_hooks(self, state: State) -> None:
        self.hooks_ran.add(state.type)
        super().run_hooks(state)

    async def arun_hooks(self, state: State) -> None:
        self.hooks_ran.add(state.type)
        await super().arun_hooks(state)


async def _until_scheduled_time(run: FlowRun) -> None:
    state = run.state
    when = state.state_details.scheduled_time if state is not None else None
    if when is None:
        return
    wait = (when - now()).total_seconds()
    if wait > 0:
        await asyncio.sleep(min(wait, 24 * 3600.0))


# -- signals ----------------------------------------------------------------------------


@contextlib.contextmanager
def terminate_on_sigterm() -> Iterator[None]:
    """While inside: the first SIGTERM raises TerminationSignal in the main thread, later
    ones are ignored. Outside the main thread this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise TerminationSignal(signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        # a late signal after the run settled must not undo what follows (reporting)
        if signal.getsignal(signal.SIGTERM) is handler:
            signal.signal(signal.SIGTERM, previous)


async def _run_async(flow: Flow[..., Any], engine: ExistingRunEngine) -> State:
    from prefect.engine.flow_engine import run_flow_async

    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    received: list[int] = []

    def on_sigterm() -> None:
        if received:
            return  # later ones are ignored: the hooks get to finish
        received.append(signal.SIGTERM)
        task.cancel()

    use_loop_handler = threading.current_thread() is threading.main_thread()
    if use_loop_handler:
        loop.add_signal_handler(signal.SIGTERM, on_sigterm)
    try:
        final: State = await run_flow_async(flow, (), {}, "state", engine=engine)
        return final
    except asyncio.CancelledError:
        if received:
            raise TerminationSignal(received[0]) from None
        raise
    finally:
        if use_loop_handler:
            loop.remove_signal_handler(signal.SIGTERM)
            signal.signal(signal.SIGTERM, signal.SIG_IGN if received else signal.SIG_DFL)


# -- the run --------------------------------------------------------------------------------


def run_existing_flow_run(flow: Flow[..., Any], flow_run: FlowRun) -> State:
    """Run `flow` on `flow_run` to a final state (or the state it was left in: Paused...).

    Call it from the main thread inside `terminate_on_sigterm()` for cancellation to
    reach a sync flow. A TerminationSignal that ends the engine early is settled here
    (Cancelled or Crashed, with the hooks the engine did not run) and not re-raised.
    """
    from prefect.engine.flow_engine import run_flow_sync

    engine = ExistingRunEngine(flow, flow_run)
    try:
        if flow.isasync:
            return asyncio.run(_run_async(flow, engine))
        final: State = run_flow_sync(flow, (), {}, "state", engine=engine)
        return final
    except TerminationSignal as exc:
        return _settle_after_signal(engine, exc)


def _settle_after_signal(engine: ExistingRunEngine, exc: TerminationSignal) -> State:
    """The run's final state after a SIGTERM, reporting it (and running its hooks) when
    the engine was stopped before it could."""
    from prefect.client._loop import run_sync
    from prefect.engine.outcomes import crashed_state

    if engine.flow_run is None:
        raise exc  # nothing adopted yet: the worker reports the run
    local = engine.state
    if local is not None and local.is_final() and local.type in engine.hooks_ran:
        return local
    current = run_sync(engine_client_read(engine))
    if current is not None and current.is_final():
        final = current
    elif current is not None and current.is_cancelling():
        final = run_sync(engine.settle_cancelling(current))
    else:
        details = engine._details()
        final, _ = run_sync(engine.propose(crashed_state(exc, "Flow", details)))
        if final.is_cancelling():
            final = run_sync(engine.settle_cancelling(final))
    if final.is_final() and final.type not in engine.hooks_ran:
        engine.run_hooks(final)
    return final


async def engine_client_read(engine: ExistingRunEngine) -> State | None:
    """The run's current state as the server has it."""
    assert engine.flow_run is not None
    run = await api.engine_client().read_flow_run(engine.flow_run.id)
    return run.state
