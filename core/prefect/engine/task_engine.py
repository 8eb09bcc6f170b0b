"""Task runs, orchestrated in the flow process (as Prefect 3 does).

The engine builds the `TaskRun` and its states locally (Pending -> Running -> Completed or
Failed; AwaitingRetry -> Retrying between attempts), keeps the run's computed fields up to
date (start/end time, run count, total run time, current state) and hands each new state to
the reporter, which sends them to the API in batches. Nothing here waits for the API
(except that the reporter makes a state change wait while a batch goes to the embedded
store, or while a backlog is sent: see `prefect.engine.reporter`), with one exception: a
task run whose tags carry a concurrency limit (v1, by tag; the lookup is in
`prefect.engine.tag_limits`) proposes its Running through the server's `set_state`, because
only the server's rules hand out the slots. The run and its states so far are flushed, so
the server knows the run; a WAIT (the tag is full) is obeyed, and an ABORT or REJECT (a
tag limited to 0, ...) ends the run Failed without calling the function. The state the
server wrote keeps its id, so the batched report does not store it twice, and the report
route gives the slots back when it sees the run leave Running.

`TaskRunEngine` holds the steps; `run_task_sync` and `run_task_async` drive them, the only
difference being how the function is called and how a retry delay is slept. How a call's
arguments become the run's parameters and `task_inputs` is `prefect.engine.task_inputs`.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

from prefect._time import now
from prefect.context import (
    FlowRunContext,
    TaskRunContext,
    _task_run_ctx,
    current_tags,
    get_flow_run_context,
)
from prefect.engine._models import construct, new_state, state_details
from prefect.engine.api import reporter
from prefect.engine.caching import plan_for
from prefect.engine.outcomes import crashed_state, failed_state, is_crash, state_from_return
from prefect.engine.tag_limits import any_tag_limited, known_unlimited
from prefect.engine.task_inputs import (
    CallShape,
    bind,
    call_arguments,
    link_result,
    resolve_inputs,
)
from prefect.logging.loggers import log_for_run
from prefect.results import NOT_FOUND
from prefect.schemas.objects import State, StateType, TaskRun
from prefect.states import get_state_result, with_result

if TYPE_CHECKING:
    from prefect.engine.caching import CachePlan
    from prefect.tasks import Task

__all__ = ["TaskRunEngine", "run_task_async", "run_task_sync"]

ReturnType = Literal["result", "state"]

_run_logger = logging.getLogger("prefect.task_runs")


class TaskRunEngine:
    """One task run: its record, its states, and the decisions between attempts."""

    __slots__ = (
        "_held",
        "_running_since",
        "context",
        "flow_ctx",
        "parameters",
        "retries_done",
        "state",
        "task",
        "task_run",
    )

    def __init__(
        self,
        task: Task[..., Any],
        flow_ctx: FlowRunContext,
        parameters: dict[str, Any],
        task_inputs: dict[str, list[Any]],
        task_run_id: uuid.UUID | None = None,
    ) -> None:
        self.task = task
        self.flow_ctx = flow_ctx
        self.parameters = parameters
        self.retries_done = 0
        self._running_since: float | None = None
        # the value a run returned when its state keeps none (cache_result_in_memory=False)
        self._held: Any = NOT_FOUND
        dynamic_key = flow_ctx.next_dynamic_key(task.task_key)
        name = (
            task.task_run_name_for(parameters)
            if task.task_run_name is not None
            else f"{task.name}-{dynamic_key}"
        )
        extra_tags = current_tags()
        tags = task.tags | extra_tags if extra_tags else task.tags
        started = now()
        self.task_run = construct(
            TaskRun,
            id=task_run_id or uuid.uuid4(),
            name=name,
            flow_run_id=flow_ctx.flow_run.id,
            task_key=task.task_key,
            dynamic_key=dynamic_key,
            task_version=task.version,
            empirical_policy=task.policy,
            tags=sorted(tags),
            task_inputs=task_inputs,
            flow_run_run_count=flow_ctx.flow_run.run_count,
            expected_start_time=started,
            created=started,
        )
        self.context = TaskRunContext(
            task, self.task_run, parameters, task.resolve_log_prints(flow_ctx.log_prints)
        )
        if self.context.log_prints:
            # print() is rerouted only once some run asks for it: a flow without
            # log_prints may still hold a task with it
            from prefect.logging.loggers import enable_print_logging

            enable_print_logging()
        self.state: State = self._set(StateType.PENDING, "Pending")

    @classmethod
    def adopt(
        cls,
        task: Task[..., Any],
        flow_ctx: FlowRunContext,
        parameters: dict[str, Any],
        task_run: TaskRun,
    ) -> TaskRunEngine:
        """An engine for a run the flow process made and reported Pending, driven in
        another process (`prefect.engine.remote_tasks`): nothing is created or reported
        again; `parameters` are already resolved."""
        engine = cls.__new__(cls)
        engine.task = task
        engine.flow_ctx = flow_ctx
        engine.parameters = parameters
        engine.retries_done = 0
        engine._running_since = None
        engine._held = NOT_FOUND
        engine.task_run = task_run
        assert task_run.state is not None
        engine.state = task_run.state
        engine.context = TaskRunContext(
            task, task_run, parameters, task.resolve_log_prints(flow_ctx.log_prints)
        )
        if engine.context.log_prints:
            from prefect.logging.loggers import enable_print_logging

            enable_print_logging()
        return engine

    # -- states ------------------------------------------------------------------------------

    def _set(
        self, type_: StateType, name: str, message: str | None = None, scheduled_time: Any = None
    ) -> State:
        run = self.task_run
        details = state_details(
            flow_run_id=run.flow_run_id, task_run_id=run.id, scheduled_time=scheduled_time
        )
        state = new_state(type_, name, message=message, details=details)
        return self._apply(state)

    def _apply(self, state: State) -> State:
        run = self.task_run
        d = run.__dict__  # direct writes: the model is ours and validation is not wanted
        if self._running_since is not None and state.type is not StateType.RUNNING:
            d["total_run_time"] = run.total_run_time + timedelta(
                seconds=time.perf_counter() - self._running_since
            )
            self._running_since = None
        if state.type is StateType.RUNNING:
            d["run_count"] = run.run_count + 1
            if run.start_time is None:
                d["start_time"] = state.timestamp
            self._running_since = time.perf_counter()
        elif state.type in (
            StateType.COMPLETED,
            StateType.FAILED,
            StateType.CRASHED,
            StateType.CANCELLED,
        ):
            d["end_time"] = state.timestamp
        elif state.type is StateType.SCHEDULED:
            d["next_scheduled_start_time"] = state.state_details.scheduled_time
        # `state` first: the reporter's snapshot leaves out a `state` that it also sends
        # as the last of the run's states, trusting the three fields written after it
        d["state"] = state
        d["state_id"] = state.id
        d["state_type"] = state.type
        d["state_name"] = state.name
        self.state = state
        reporter().report(run, state)
        return state

    def _running_name(self) -> str:
        return "Retrying" if self.retries_done else "Running"

    def begin_attempt(self) -> bool:
        """Enter Running; False when the server refused (the run has ended Failed)."""
        if known_unlimited(self.task_run):
            self._set(StateType.RUNNING, self._running_name())
            return True
        from prefect.client._loop import run_sync

        return run_sync(self._orchestrated_running())

    async def abegin_attempt(self) -> bool:
        """`begin_attempt` for a coroutine on any loop."""
        if known_unlimited(self.task_run):
            self._set(StateType.RUNNING, self._running_name())
            return True
        from prefect.client._loop import run_async

        return await run_async(self._orchestrated_running())

    async def _orchestrated_running(self) -> bool:
        """Propose Running through the server's tag concurrency rules (on the API loop)."""
        from prefect.engine.api import engine_client
        from prefect.exceptions import Abort
        from prefect.schemas.responses import SetStateStatus

        run = self.task_run
        if not await any_tag_limited(run):
            # reads only: a tagged run whose tags carry no limit costs no write round trip
            self._set(StateType.RUNNING, self._running_name())
            return True
        await reporter().drain()
        while True:
            details = state_details(flow_run_id=run.flow_run_id, task_run_id=run.id)
            proposed = new_state(StateType.RUNNING, self._running_name(), details=details)
            result = await engine_client().set_task_run_state(run.id, proposed)
            reason = getattr(result.details, "reason", None)
            if result.status == SetStateStatus.WAIT:
                delay = getattr(result.details, "delay_seconds", 0) or 0
                self._logger().info("Waiting %ss to run: %s", delay, reason or "")
                await asyncio.sleep(delay)
                continue
            if result.status == SetStateStatus.ACCEPT and result.state is not None:
                self._apply(result.state)
                return True
            # refused (a tag limited to 0, a flow run that is not running, ...): not run
            message = f"Task run was not started: {reason or result.status.value}"
            self._logger().error("%s", message)
            self._apply(failed_state(Abort(message), "Task", self._details()))
            return False

    def succeed(self, value: Any, plan: CachePlan | None = None) -> None:
        """End the run Completed with `value`; a `plan` persists it first, so the state
        reported carries the record's metadata as `data`."""
        run = self.task_run
        details = state_details(flow_run_id=run.flow_run_id, task_run_id=run.id)
        if plan is not None:
            state = state_from_return(value, details, plan.save)
            if not plan.in_memory and state.data is not None:
                self._release(state, value)
                return
        elif type(value) in _PLAIN_TYPES:
            state = with_result(new_state(StateType.COMPLETED, "Completed", details=details), value)
        else:
            state = state_from_return(value, details)
        self._apply(state)
        # later calls that receive this very object are linked to this run
        link_result(self.flow_ctx.result_links, value, run.id)

    def _release(self, state: State, value: Any) -> None:
        """Apply a persisted state without its value in memory (cache_result_in_memory
        False): `state.result()` reads the record back; this call still returns `value`.
        Nor is the value kept for linking later arguments to this run."""
        state._result = None
        state._has_result = False
        self._held = value
        self._apply(state)

    def not_ready(self, upstream_id: uuid.UUID) -> State:
        """End the attempt before it starts: an upstream in `wait_for` did not complete.
        The run stays Pending, named NotReady, as in Prefect 3."""
        message = f"Upstream task run '{upstream_id}' did not reach a 'COMPLETED' state."
        self._logger().info("%s", message)
        return self._set(StateType.PENDING, "NotReady", message=message)

    def cached(self, value: Any, data: Any = None, in_memory: bool = True) -> None:
        """End the run with a value found in the cache: Completed, named Cached, its
        `data` the metadata of the record it came from."""
        run = self.task_run
        details = state_details(flow_run_id=run.flow_run_id, task_run_id=run.id)
        state = new_state(StateType.COMPLETED, "Cached", details=details)
        state.data = data
        if not in_memory and data is not None:
            self._release(state, value)
            return
        self._apply(with_result(state, value))
        link_result(self.flow_ctx.result_links, value, run.id)

    def fail(self, exc: BaseException, plan: CachePlan | None = None) -> float | None:
        """Record a failed attempt; returns the delay before the next one, or None when done.
        A `plan` persists the exception of the final failure (read back by `result()` of
        the state in another process)."""
        if is_crash(exc):
            self._apply(crashed_state(exc, "Task", self._details()))
            return None
        task = self.task
        if self.retries_done < task.retries and task.retry_condition(exc):
            delay = task.retry_delay_for(self.retries_done)
            self.retries_done += 1
            self._logger().warning(
                "Task run failed with exception: %r - Retry %d/%d will start %s",
                exc,
                self.retries_done,
                task.retries,
                f"{delay:g} second(s) from now" if delay else "immediately",
            )
            self._set(
                StateType.SCHEDULED,
                "AwaitingRetry",
                scheduled_time=now() + timedelta(seconds=delay),
            )
            return delay
        suffix = " - Retries are exhausted" if task.retries else ""
        self._logger().error("Task run failed with exception: %r%s", exc, suffix, exc_info=exc)
        state = failed_state(exc, "Task", self._details())
        if plan is not None:
            state.data = plan.save_failure(exc)
        self._apply(state)
        return None

    def _details(self) -> Any:
        return state_details(flow_run_id=self.task_run.flow_run_id, task_run_id=self.task_run.id)

    def _logger(self) -> Any:
        from prefect.logging.loggers import task_run_logger

        return task_run_logger(self.context, self.flow_ctx)

    def hooks_for(self, state: State) -> list[Any]:
        task = self.task
        if state.is_running():
            return task.on_running_hooks
        if state.is_completed():
            return task.on_completion_hooks
        if state.is_failed():
            return task.on_failure_hooks
        return []

    def run_hooks(self, state: State) -> None:
        hooks = self.hooks_for(state)
        if hooks:
            from prefect.engine.hooks import call_hooks

            token = _task_run_ctx.set(self.context)
            try:
                call_hooks(hooks, (self.task, self.task_run, state), self._logger())
            finally:
                _task_run_ctx.reset(token)

    async def arun_hooks(self, state: State) -> None:
        hooks = self.hooks_for(state)
        if hooks:
            from prefect.engine.hooks import acall_hooks

            token = _task_run_ctx.set(self.context)
            try:
                await acall_hooks(hooks, (self.task, self.task_run, state), self._logger())
            finally:
                _task_run_ctx.reset(token)

    def finish(self, return_type: ReturnType) -> Any:
        state = self.state
        if _run_logger.isEnabledFor(20):
            log_for_run(self._logger(), 20, "Finished in state %s", _state_repr(state))
        if return_type == "state":
            return state
        if self._held is not NOT_FOUND and state.is_completed():
            return self._held
        return get_state_result(state)


def _state_repr(state: State) -> str:
    # Prefect prints final states as `Completed()` / `Failed('message')`
    return f"{state.name}({state.message!r})" if state.message else f"{state.name}()"


_PLAIN_TYPES = frozenset({int, float, str, bytes, bool, type(None)})


# -- drivers ---------------------------------------------------------------------------------


def _prepare(
    task: Task[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    flow_ctx: FlowRunContext,
    task_run_id: uuid.UUID | None = None,
) -> TaskRunEngine:
    parameters = bind(task.fn, call_shape(task), args, kwargs)
    parameters, task_inputs = resolve_inputs(flow_ctx, parameters)
    return TaskRunEngine(task, flow_ctx, parameters, task_inputs, task_run_id)


def call_shape(task: Task[..., Any]) -> CallShape | None:
    """The task function's `CallShape`, worked out on its first call."""
    shape = task._call_shape
    if shape is False:
        shape = task._call_shape = CallShape.of(task.fn)
    return shape  # type: ignore[no-any-return]


def run_task_sync(
    task: Task[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    return_type: ReturnType = "result",
    flow_ctx: FlowRunContext | None = None,
    engine: TaskRunEngine | None = None,
) -> Any:
    """Run a sync task in this thread as a task run of the current flow run."""
    if engine is None:
        flow_ctx = flow_ctx or get_flow_run_context()
        assert flow_ctx is not None
        engine = _prepare(task, args, kwargs, flow_ctx)
    call_args, call_kwargs = call_arguments(task.fn, call_shape(task), engine.parameters)
    plan = None if task.cache_options.persist is False else plan_for(engine, engine.flow_ctx)
    if plan is not None and (hit := plan.lookup()) is not NOT_FOUND:
        engine.cached(hit[0], hit[1], plan.in_memory)
        if task.on_completion_hooks:
            engine.run_hooks(engine.state)
        return engine.finish(return_type)
    while True:
        if not engine.begin_attempt():
            break
        if task.on_running_hooks:
            engine.run_hooks(engine.state)
        token = _task_run_ctx.set(engine.context)
        try:
            if task.timeout_seconds:
                from prefect.utilities.timeout import sync_timeout

                with sync_timeout(task.timeout_seconds, "Task"):
                    value = task.fn(*call_args, **call_kwargs)
            else:
                value = task.fn(*call_args, **call_kwargs)
        except BaseException as exc:
            _task_run_ctx.reset(token)
            delay = engine.fail(exc, plan)
            if delay is None:
                if is_crash(exc):
                    raise
                break
            if delay:
                time.sleep(delay)
            continue
        _task_run_ctx.reset(token)
        engine.succeed(value, plan)
        break
    if task.on_completion_hooks or task.on_failure_hooks:
        engine.run_hooks(engine.state)
    return engine.finish(return_type)


async def run_task_async(
    task: Task[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    return_type: ReturnType = "result",
    flow_ctx: FlowRunContext | None = None,
    engine: TaskRunEngine | None = None,
) -> Any:
    """Await an async task as a task run of the current flow run."""
    if engine is None:
        flow_ctx = flow_ctx or get_flow_run_context()
        assert flow_ctx is not None
        engine = _prepare(task, args, kwargs, flow_ctx)
    call_args, call_kwargs = call_arguments(task.fn, call_shape(task), engine.parameters)
    plan = None if task.cache_options.persist is False else plan_for(engine, engine.flow_ctx)
    if plan is not None and (hit := plan.lookup()) is not NOT_FOUND:
        engine.cached(hit[0], hit[1], plan.in_memory)
        if task.on_completion_hooks:
            await engine.arun_hooks(engine.state)
        return engine.finish(return_type)
    while True:
        if not await engine.abegin_attempt():
            break
        if task.on_running_hooks:
            await engine.arun_hooks(engine.state)
        token = _task_run_ctx.set(engine.context)
        try:
            if task.timeout_seconds:
                value = await asyncio.wait_for(
                    task.fn(*call_args, **call_kwargs), task.timeout_seconds
                )
            else:
                value = await task.fn(*call_args, **call_kwargs)
        except BaseException as exc:
            _task_run_ctx.reset(token)
            delay = engine.fail(exc, plan)
            if delay is None:
                if is_crash(exc):
                    raise
                break
            if delay:
                await asyncio.sleep(delay)
            continue
        _task_run_ctx.reset(token)
        engine.succeed(value, plan)
        break
    if task.on_completion_hooks or task.on_failure_hooks:
        await engine.arun_hooks(engine.state)
    return engine.finish(return_type)
