"""Flow runs: created through the client, their states proposed to the orchestrator.

A flow call goes: bind and validate the parameters (in the caller's thread) -> create the
flow run in Pending (and, for a subflow, the task run standing for it in the parent) ->
propose Running -> call the function with a `FlowRunContext` set -> turn what it did into
a final state -> flush queued task-run reports -> propose the final state -> flush logs.

The orchestrator may ACCEPT (go on), WAIT (sleep, propose again), REJECT (take the state it
returns instead) or ABORT (raise `Abort`). Each I/O step is one coroutine run on the API
loop, so the sync and async drivers below share all of it and differ only in how the
function is called and how they sleep.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

from prefect._time import now
from prefect.client._loop import run_async, run_sync
from prefect.context import (
    FlowRunContext,
    _flow_run_ctx,
    _task_run_ctx,
    current_tags,
    get_flow_run_context,
    get_task_run_context,
)
from prefect.engine import api
from prefect.engine._models import construct, new_state, state_details
from prefect.engine.heartbeat import Heartbeat
from prefect.engine.outcomes import crashed_state, failed_state, is_crash, state_from_return
from prefect.engine.subflow_task import report_standing_task, standing_task_run
from prefect.engine.task_inputs import link_result
from prefect.exceptions import Abort, ParameterTypeError, Pause
from prefect.schemas.actions import TaskRunReport
from prefect.schemas.objects import FlowRunPolicy, State, StateType, TaskRun
from prefect.schemas.responses import SetStateStatus
from prefect.states import get_state_result, with_result
from prefect.utilities.callables import (
    bind_parameters,
    parameters_to_args_kwargs,
    validate_parameters,
)

if TYPE_CHECKING:
    import logging

    from prefect.flows import Flow
    from prefect.schemas.objects import FlowRun

__all__ = ["FlowRunEngine", "run_flow_async", "run_flow_sync"]

ReturnType = Literal["result", "state"]

# a server that keeps answering "not yet" must not keep a flow call alive forever
_MAX_PROPOSALS = 1000

_NOTHING: Any = object()


class FlowRunEngine:
    """One flow run: its record, its proposals, and the decisions between attempts."""

    def __init__(self, flow: Flow[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]):
        self.flow = flow
        self.parent: FlowRunContext | None = get_flow_run_context()
        self.parent_task_ctx = get_task_run_context()
        self.key = api.target_key()
        self.error: BaseException | None = None
        self.parameters: dict[str, Any] = {}
        try:
            self.parameters = bind_parameters(flow.fn, args, kwargs)
            if flow.should_validate_parameters:
                self.parameters = validate_parameters(flow.fn, self.parameters)
        except ParameterTypeError as exc:
            self.error = exc
        self.tags = sorted(current_tags())
        self.run_id = uuid.uuid4()
        self.run_name = (
            self._name_run() if (flow.flow_run_name is not None and self.error is None) else None
        )
        self.flow_run: FlowRun | None = None
        self.state: State | None = None
        self.retries_done = 0
        self.context: FlowRunContext | None = None
        self.parent_task_run: TaskRun | None = None
        self._logger: logging.LoggerAdapter[logging.Logger] | None = None
        self.heartbeat = Heartbeat.for_engine(self)
        from prefect.engine.caching import ResultSettings

        # read here, in the caller's thread, where temporary_settings apply; a subflow
        # inherits its parent's persistence, storage and serializer
        self.result_settings = ResultSettings(
            flow, self.parent.result_settings if self.parent is not None else None
        )
        # the returned value when the final state keeps none (cache_result_in_memory=False)
        self._held: Any = _NOTHING

    # -- API steps (coroutines run on the API loop) ----------------------------------------

    async def create(self) -> None:
        from prefect.engine._models import construct as _c
        from prefect.names import generate_run_name

        client = await api.ensure_engine_client(self.key)
        flow_id = await api.flow_id_for(self.flow.name)
        run_id = self.run_id
        if self.parent is not None:
            self.parent_task_run = standing_task_run(self, self.parent, run_id)
            pending = self.parent_task_run.state
            assert pending is not None
            # stored before the child run refers to it as parent_task_run_id
            await client.report_task_runs(
                [_c(TaskRunReport, task_run=self.parent_task_run, states=[pending])]
            )
        pending_state = new_state(
            StateType.PENDING, "Pending", details=state_details(flow_run_id=run_id)
        )
        self.flow_run = await client.create_flow_run(
            flow_id=flow_id,
            id=run_id,
            name=self.run_name or generate_run_name(),
            parameters=self.parameters,
            tags=self.tags,
            parent_task_run_id=self.parent_task_run.id if self.parent_task_run else None,
            state=pending_state,
            flow_version=self.flow.version,
            empirical_policy=FlowRunPolicy(
                retries=self.flow.retries,
                retry_delay=int(self.flow.retry_delay_seconds or 0),
                max_retries=self.flow.retries,
                retry_delay_seconds=float(self.flow.retry_delay_seconds or 0),
            ),
        )
        self.state = self.flow_run.state or pending_state
        self.context = FlowRunContext(
            self.flow, self.flow_run, self.parameters, self.flow.resolve_log_prints()
        )
        self.context.result_settings = self.result_settings
        if self.parent is not None:
            self.context.parent_flow_run_id = self.parent.flow_run.id
            self.context.root_flow_run_id = self.parent.root_flow_run_id or self.parent.flow_run.id
        self.logger.info(
            "Beginning %s run %r for flow %r",
            "subflow" if self.parent else "flow",
            self.flow_run.name,
            self.flow.name,
        )

    async def propose(self, state: State) -> tuple[State, bool]:
        """Propose `state`; returns the state the run is now in and whether it was accepted."""
        assert self.flow_run is not None
        client = api.engine_client()
        for _ in range(_MAX_PROPOSALS):
            result = await client.set_flow_run_state(self.flow_run.id, state)
            if result.status is SetStateStatus.WAIT:
                delay = getattr(result.details, "delay_seconds", 1)
                self.logger.debug("Orchestrator asked to wait %s s before %s", delay, state.name)
                await asyncio.sleep(delay)
                state = _keep_result(state.fresh_copy(timestamp=now()), state)
                continue
            if result.status is SetStateStatus.ABORT:
                reason = getattr(result.details, "reason", None) or "no reason given"
                raise Abort(f"Orchestrator aborted setting {state.name} state: {reason}")
            accepted = result.status is SetStateStatus.ACCEPT
            new = result.state or state
            if accepted or new.type == state.type:
                new = _keep_result(new, state)
            self._track(new)
            return new, accepted
        raise Abort(f"Orchestrator kept delaying the {state.name} state")

    async def start_attempt(self) -> State:
        """Propose Running (Retrying after a retry); the state the run is in afterwards."""
        name = "Retrying" if self.retries_done else "Running"
        for _ in range(_MAX_PROPOSALS):
            proposed = new_state(StateType.RUNNING, name, details=self._details())
            state, accepted = await self.propose(proposed)
            if accepted or state.is_running():
                return state
            if state.type in (StateType.SCHEDULED, StateType.PENDING):
                # rejected for now (e.g. a concurrency slot): wait until it is due
                await asyncio.sleep(_seconds_until(state))
                continue
            self.logger.info("Orchestrator rejected Running; run is %s", state.name)
            return await self.settle_cancelling(state)
        raise Abort("Orchestrator never let the flow run start")

    async def await_retry(self, delay: float) -> State:
        scheduled = now() + timedelta(seconds=delay)
        state, _ = await self.propose(
            new_state(
                StateType.SCHEDULED,
                "AwaitingRetry",
                details=self._details(scheduled_time=scheduled),
            )
        )
        return state

    async def finish(self, outcome: State) -> State:
        """Flush task runs, propose the final state, log it, flush logs.

        A top-level run returns with its task runs and logs in the store. A subflow's
        task runs are stored before its final state too; its last log lines and the
        final state of the task run standing for it in the parent go with the parent's
        next batch (within the reporter's interval, and at the latest when the parent
        ends): two requests fewer per subflow, a third of its cost on the embedded store.
        """
        reporter = api.reporter()
        assert self.flow_run is not None
        if self.parent is None or reporter.holds_runs_of(self.flow_run.id):
            await reporter.drain()
        final, accepted = await self.propose(outcome)
        if not accepted and final.is_cancelling():
            final = await self.settle_cancelling(final)
            accepted = final.type == outcome.type
        if not accepted and final.type != outcome.type and not final.is_scheduled():
            self.logger.warning(
                "Orchestrator did not accept %s; run is %s", outcome.name, final.name
            )
        if final.is_final():
            report_standing_task(self, final)
            level = 20 if final.is_completed() else 40
            self.logger.log(level, "Finished in state %s", _state_repr(final))
        if self.parent is None:
            await reporter.drain()
            await api.log_sender().drain()
        return final

    async def settle_cancelling(self, state: State) -> State:
        """Finish a run someone set to Cancelling (e.g. `prefect flow-run cancel`).

        The server lets a Cancelling run end only as Cancelled, so whatever the function
        did, this process reports Cancelled, instead of leaving the run Cancelling.
        """
        if not state.is_cancelling():
            return state
        cancelled, _ = await self.propose(
            new_state(
                StateType.CANCELLED,
                "Cancelled",
                message=state.message or "The flow run was cancelled.",
                details=self._details(),
            )
        )
        return cancelled

    # -- local steps -----------------------------------------------------------------------

    def _name_run(self) -> str:
        """The run's name from the flow's template or callable. A callable may read
        `prefect.runtime.flow_run` (parameters, flow name, tags, id), as Prefect's docs
        show, so it is called with a context for the run about to be created."""
        from prefect.schemas.objects import FlowRun

        if not callable(self.flow.flow_run_name):
            return self.flow.flow_run_name_for(self.parameters)
        provisional = construct(
            FlowRun,
            id=self.run_id,
            name="",
            flow_id=uuid.UUID(int=0),
            parameters=self.parameters,
            tags=self.tags,
            flow_version=self.flow.version,
            expected_start_time=now(),
        )
        ctx = FlowRunContext(self.flow, provisional, self.parameters, False)
        if self.parent is not None:
            ctx.parent_flow_run_id = self.parent.flow_run.id
        tokens = (_flow_run_ctx.set(ctx), _task_run_ctx.set(None))
        try:
            return self.flow.flow_run_name_for(self.parameters)
        finally:
            _flow_run_ctx.reset(tokens[0])
            _task_run_ctx.reset(tokens[1])

    def hooks_for(self, state: State) -> list[Any]:
        """The flow's hooks that answer `state` (none for a state that has none)."""
        from prefect.engine.hooks import final_hook_kind

        if state.is_running():
            return self.flow.on_running_hooks
        kind = final_hook_kind(state)
        return getattr(self.flow, f"{kind}_hooks") if kind else []

    def run_hooks(self, state: State) -> None:
        hooks = self.hooks_for(state)
        if hooks:
            from prefect.engine.hooks import call_hooks

            assert self.flow_run is not None
            with self.enter():
                call_hooks(hooks, (self.flow, self.flow_run, state), self.logger)
            # what the hooks logged is stored before the flow call returns, like the rest
            run_sync(api.log_sender().drain())

    async def arun_hooks(self, state: State) -> None:
        hooks = self.hooks_for(state)
        if hooks:
            from prefect.engine.hooks import acall_hooks

            assert self.flow_run is not None
            with self.enter():
                await acall_hooks(hooks, (self.flow, self.flow_run, state), self.logger)
            await run_async(api.log_sender().drain())

    @property
    def logger(self) -> logging.LoggerAdapter[logging.Logger]:
        if self._logger is None:
            from prefect.logging.loggers import flow_run_logger, setup_logging

            setup_logging()
            assert self.context is not None
            self._logger = flow_run_logger(self.context)
        return self._logger

    def _details(self, **values: Any) -> Any:
        assert self.flow_run is not None
        return state_details(flow_run_id=self.flow_run.id, **values)

    def _track(self, state: State) -> None:
        assert self.flow_run is not None
        run = self.flow_run.__dict__
        if state.is_running() and (self.state is None or not self.state.is_running()):
            run["run_count"] = self.flow_run.run_count + 1
            if self.flow_run.start_time is None:
                run["start_time"] = state.timestamp
            report_standing_task(self, state)
        run["state"], run["state_type"], run["state_name"] = state, state.type, state.name
        self.state = state
        if self.heartbeat is not None:
            self.heartbeat.follow(state)

    def outcome(self, value: Any = None, exc: BaseException | None = None) -> State:
        """The state the attempt ended in; a persisted result (or final exception) is
        written first and referenced from the state's `data`."""
        settings = self.result_settings
        if exc is None:
            record = settings.persist_flow_result if settings.persist else None
            state = state_from_return(value, self._details(), record)
            if not settings.in_memory and state.data is not None and state._has_result:
                # the state keeps only the reference; this call still returns the value
                self._held = state._result
                state._result, state._has_result = None, False
            return state
        if is_crash(exc):
            self.logger.error("Crashed: %s", type(exc).__name__)
            return crashed_state(exc, "Flow", self._details())
        self.logger.error("Encountered exception during execution: %r", exc, exc_info=exc)
        failed = failed_state(exc, "Flow", self._details())
        if settings.persist and self.retries_done >= self.flow.retries:
            failed.data = settings.persist_flow_result(exc, failed=True)
        return failed

    def validation_failure(self) -> State:
        exc = self.error
        assert exc is not None
        message = f"Validation of flow parameters failed with error: {type(exc).__name__}: {exc}"
        self.logger.error("%s", message)
        return with_result(
            new_state(StateType.FAILED, "Failed", message=message, details=self._details()), exc
        )

    def retry_delay(self, outcome: State) -> float | None:
        """Seconds before the next attempt if `outcome` should be retried, else None."""
        if not outcome.is_failed() or self.retries_done >= self.flow.retries:
            return None
        if isinstance(outcome._result, ParameterTypeError):
            return None
        self.retries_done += 1
        delay = float(self.flow.retry_delay_seconds or 0)
        self.logger.info(
            "Flow run failed; retry %d/%d will start %s",
            self.retries_done,
            self.flow.retries,
            f"in {delay:g} second(s)" if delay else "now",
        )
        return delay

    def enter(self) -> Any:
        """Set this run's context for the call of the function (a context manager)."""
        return _RunScope(self)

    def result(self, final: State, return_type: ReturnType) -> Any:
        if return_type == "result" and self._held is not _NOTHING and final.is_completed():
            return self._held
        if self.parent is not None and self.parent_task_run is not None and final._has_result:
            value = final._result
            if not isinstance(value, BaseException):
                link_result(self.parent.result_links, value, self.parent_task_run.id)
        if return_type == "state":
            return final
        return get_state_result(final)


class _RunScope:
    __slots__ = ("engine", "tokens")

    def __init__(self, engine: FlowRunEngine) -> None:
        self.engine = engine

    def __enter__(self) -> FlowRunContext:
        ctx = self.engine.context
        assert ctx is not None
        if ctx.log_prints:
            from prefect.logging.loggers import enable_print_logging

            enable_print_logging()
        self.tokens = (_flow_run_ctx.set(ctx), _task_run_ctx.set(None))
        return ctx

    def __exit__(self, *exc_info: Any) -> None:
        ctx = self.engine.context
        _flow_run_ctx.reset(self.tokens[0])
        _task_run_ctx.reset(self.tokens[1])
        if ctx is not None and ctx.task_runner is not None:
            # submitted tasks finish (and are reported) before the flow run ends
            ctx.task_runner.shutdown(wait=True)
            ctx.task_runner = None


def _keep_result(new: State, proposed: State) -> State:
    if proposed._has_result and not new._has_result:
        with_result(new, proposed._result)
    return new


def _seconds_until(state: State) -> float:
    when = state.state_details.scheduled_time
    if when is None:
        return 1.0
    return max(0.0, min((when - now()).total_seconds(), 3600.0))


def _state_repr(state: State) -> str:
    return f"{state.name}({state.message!r})" if state.message else f"{state.name}()"


# -- drivers --------------------------------------------------------------------------------


def run_flow_sync(
    flow: Flow[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    return_type: ReturnType = "result",
    engine: FlowRunEngine | None = None,
) -> Any:
    """Run a sync flow in this thread; its API calls go through the API loop. `engine`:
    one made beforehand (e.g. `prefect.engine.existing_run` adopting a deployment's run)."""
    engine = engine if engine is not None else FlowRunEngine(flow, args, kwargs)
    run_sync(engine.create())
    crash: BaseException | None = None
    if engine.error is not None:
        final = run_sync(engine.finish(engine.validation_failure()))
        engine.run_hooks(final)
        return engine.result(final, return_type)
    while True:
        state = run_sync(engine.start_attempt())
        if not state.is_running():
            final = state
            break
        engine.run_hooks(state)
        call_args, call_kwargs = parameters_to_args_kwargs(flow.fn, engine.parameters)
        try:
            with engine.enter():
                if flow.timeout_seconds:
                    from prefect.utilities.timeout import sync_timeout

                    with sync_timeout(flow.timeout_seconds, "Flow"):
                        value = flow.fn(*call_args, **call_kwargs)
                else:
                    value = flow.fn(*call_args, **call_kwargs)
        except Pause as exc:
            # suspended: the run left this process; its deployment runs it again on resume
            final = exc.state
            break
        except BaseException as exc:
            outcome = engine.outcome(exc=exc)
            crash = exc if is_crash(exc) else None
        else:
            outcome = engine.outcome(value)
        delay = None if crash else engine.retry_delay(outcome)
        if delay is not None:
            waiting = run_sync(engine.await_retry(delay))
            time.sleep(_seconds_until(waiting) if waiting.is_scheduled() else delay)
            continue
        final = run_sync(engine.finish(outcome))
        if final.is_scheduled() and crash is None and engine.retries_done <= flow.retries:
            engine.retries_done += 1  # the server turned Failed into AwaitingRetry
            time.sleep(_seconds_until(final))
            continue
        break
    engine.run_hooks(final)
    if crash is not None:
        raise crash
    return engine.result(final, return_type)


async def run_flow_async(
    flow: Flow[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    return_type: ReturnType = "result",
    engine: FlowRunEngine | None = None,
) -> Any:
    """Run an async flow on the caller's event loop; API calls are awaited on the API loop.
    `engine`: one made beforehand, as for `run_flow_sync`."""
    engine = engine if engine is not None else FlowRunEngine(flow, args, kwargs)
    await run_async(engine.create())
    crash: BaseException | None = None
    if engine.error is not None:
        final = await run_async(engine.finish(engine.validation_failure()))
        await engine.arun_hooks(final)
        return engine.result(final, return_type)
    while True:
        state = await run_async(engine.start_attempt())
        if not state.is_running():
            final = state
            break
        await engine.arun_hooks(state)
        call_args, call_kwargs = parameters_to_args_kwargs(flow.fn, engine.parameters)
        try:
            with engine.enter():
                if flow.timeout_seconds:
                    value = await asyncio.wait_for(
                        flow.fn(*call_args, **call_kwargs), flow.timeout_seconds
                    )
                else:
                    value = await flow.fn(*call_args, **call_kwargs)
        except Pause as exc:
            final = exc.state
            break
        except BaseException as exc:
            outcome = engine.outcome(exc=exc)
            crash = exc if is_crash(exc) else None
        else:
            outcome = engine.outcome(value)
        delay = None if crash else engine.retry_delay(outcome)
        if delay is not None:
            waiting = await run_async(engine.await_retry(delay))
            await asyncio.sleep(_seconds_until(waiting) if waiting.is_scheduled() else delay)
            continue
        final = await run_async(engine.finish(outcome))
        if final.is_scheduled() and crash is None and engine.retries_done <= flow.retries:
            engine.retries_done += 1
            await asyncio.sleep(_seconds_until(final))
            continue
        break
    await engine.arun_hooks(final)
    if crash is not None:
        raise crash
    return engine.result(final, return_type)
