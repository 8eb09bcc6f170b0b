"""Pausing, suspending and resuming flow runs (Prefect 3's `prefect.flow_runs`).

    from prefect import flow, pause_flow_run
    from prefect.input import RunInput

    class Approval(RunInput):
        approved: bool

    @flow
    def release() -> None:
        answer = pause_flow_run(wait_for_input=Approval, timeout=600, poll_interval=5)
        ...

    # elsewhere (another process, the console):
    resume_flow_run(flow_run_id, run_input={"approved": True})

`pause_flow_run` proposes a Paused state for the current run and blocks, reading the run
every `poll_interval` seconds, until someone resumes it (Running again) or `timeout`
passes (`FlowPauseTimeout`, which fails the run). `suspend_flow_run` proposes Suspended:
the run leaves its process and its deployment starts it again once resumed, so it needs a
deployment (the server refuses otherwise). Like Prefect's, these return coroutines when
called from async code (an async flow or task, or a coroutine outside any run).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import TYPE_CHECKING, Any

from prefect.exceptions import FlowPauseTimeout, Pause

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.objects import State

__all__ = ["pause_flow_run", "resume_flow_run", "suspend_flow_run"]


def _dispatch(call: Any) -> Any:
    from prefect.engine.user_api import call_async, call_sync
    from prefect.variables import in_async_context

    return call_async(call) if in_async_context() else call_sync(call)


def _current_run() -> Any:
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    if ctx is None:
        raise RuntimeError("Flow runs can only be paused from within a flow run.")
    return ctx


def pause_flow_run(
    wait_for_input: Any = None,
    timeout: int = 3600,
    poll_interval: float = 10,
    key: str | None = None,
) -> Any:
    """Pause the current flow run until it is resumed; the input given on resume, if asked.

    `key` makes the pause happen once per run: a retried run passing the same key does
    not pause again (the server refuses a second pause with one key).
    """
    ctx = _current_run()
    model = None
    if wait_for_input is not None:
        from prefect.input.run_input import run_input_model

        model = run_input_model(wait_for_input)
    if ctx.logger is not None:
        ctx.logger.info("Pausing flow, execution will continue when this flow run is resumed.")
    run_id: uuid.UUID = ctx.flow_run.id
    return _dispatch(
        lambda client: _pause(client, run_id, model, float(timeout), float(poll_interval), key)
    )


async def _pause(
    client: PrefectClient,
    run_id: uuid.UUID,
    model: Any,
    timeout: float,
    poll_interval: float,
    key: str | None,
) -> Any:
    from prefect.states import Paused

    pause_key, keyset = await _pause_key_and_inputs(client, run_id, model, key)
    proposed = Paused(timeout_seconds=timeout, pause_key=pause_key, run_input_keyset=keyset)
    result = await client.set_flow_run_state(run_id, proposed)
    if result.status.value != "ACCEPT":
        raise RuntimeError(f"Flow run cannot be paused: {_reason(result)}")
    deadline = time.monotonic() + timeout
    while True:
        await asyncio.sleep(max(0.0, min(poll_interval, deadline - time.monotonic())))
        state = (await client.read_flow_run(run_id)).state
        if state is not None and state.is_running():
            break
        if time.monotonic() >= deadline:
            raise FlowPauseTimeout("Flow run was paused and never resumed.")
    if model is None or keyset is None:
        return None
    from prefect.input.run_input import unwrap

    return unwrap(model, await model.load(client, run_id, keyset))


def suspend_flow_run(
    wait_for_input: Any = None,
    flow_run_id: uuid.UUID | str | None = None,
    timeout: int = 3600,
    key: str | None = None,
) -> Any:
    """Suspend a flow run (the current one by default): it leaves its process, and its
    deployment runs it again once resumed. Needs a deployment.

    Suspending the current run ends the flow function (with `Pause`, which the engine
    treats as "no final state"); suspending another run returns its new state.
    """
    current = flow_run_id is None
    run_id = _current_run().flow_run.id if current else uuid.UUID(str(flow_run_id))
    model = None
    if wait_for_input is not None:
        from prefect.input.run_input import run_input_model

        model = run_input_model(wait_for_input)
    return _dispatch(lambda client: _suspend(client, run_id, model, float(timeout), key, current))


async def _pause_key_and_inputs(
    client: PrefectClient, run_id: uuid.UUID, model: Any, key: str | None
) -> tuple[str, Any]:
    """The pause's key (the next number unless given) and, when input is awaited, the
    keys under which its schema is now stored and its answer will be."""
    run = await client.read_flow_run(run_id)
    pause_key = key or str(len(run.empirical_policy.pause_keys or []) + 1)
    if model is None:
        return pause_key, None
    from prefect.input.run_input import keyset_from_base_key

    keyset = keyset_from_base_key(f"paused-{pause_key}")
    await model.save_schema(client, run_id, keyset)
    return pause_key, keyset


async def _suspend(
    client: PrefectClient,
    run_id: uuid.UUID,
    model: Any,
    timeout: float,
    key: str | None,
    current: bool,
) -> State:
    from prefect.states import Suspended

    pause_key, keyset = await _pause_key_and_inputs(client, run_id, model, key)
    proposed = Suspended(timeout_seconds=timeout, pause_key=pause_key, run_input_keyset=keyset)
    result = await client.set_flow_run_state(run_id, proposed)
    if result.status.value != "ACCEPT":
        raise RuntimeError(f"Flow run cannot be suspended: {_reason(result)}")
    state = result.state or proposed
    if current:
        raise Pause("Flow run suspended; it continues when resumed.", state=state)
    return state


def resume_flow_run(flow_run_id: uuid.UUID | str, run_input: dict[str, Any] | None = None) -> Any:
    """Resume a Paused (or Suspended) run, giving it `run_input` when it waits for input.

    RuntimeError with the server's reason when the run cannot resume (not paused, timed
    out, input that does not fit the schema the run published).
    """
    return _dispatch(lambda client: _resume(client, flow_run_id, run_input))


async def _resume(
    client: PrefectClient, flow_run_id: uuid.UUID | str, run_input: dict[str, Any] | None
) -> None:
    result = await client.resume_flow_run(flow_run_id, run_input=run_input)
    if result.status.value != "ACCEPT":
        raise RuntimeError(f"Cannot resume this run: {_reason(result)}")


def _reason(result: Any) -> str:
    details = getattr(result, "details", None)
    return str(getattr(details, "reason", None) or result.status.value)
