"""`run_deployment`: start a run of a deployment and, by default, wait for it to end.

    from prefect.deployments import run_deployment

    run = run_deployment("etl/nightly", parameters={"day": "2024-01-01"})
    run.state.is_completed()                     # True once a worker or `serve` ran it
    run = run_deployment("etl/nightly", timeout=0)   # created, not waited for

As in Prefect 3 the deployment is named "flow/deployment" or by id; the run is Scheduled
for `scheduled_time` (default: now) and the call waits, reading the run every
`poll_interval` seconds, until it is final or `timeout` seconds have passed (None: no
limit), then returns the run as last read. Called inside a flow run the new run is a
child of it: a stand-in task run in the parent points at it (`parent_task_run_id`), as a
subflow's does. From async code (an async flow or task, or a coroutine) it returns a
coroutine; `arun_deployment` is the async spelling.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Coroutine, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.objects import FlowRun

__all__ = ["arun_deployment", "run_deployment"]


async def arun_deployment(
    name: str | uuid.UUID,
    client: PrefectClient | None = None,
    parameters: dict[str, Any] | None = None,
    scheduled_time: datetime | None = None,
    flow_run_name: str | None = None,
    timeout: float | None = None,
    poll_interval: float = 5,
    tags: Iterable[str] | None = None,
    idempotency_key: str | None = None,
    work_queue_name: str | None = None,
    as_subflow: bool = True,
    job_variables: dict[str, Any] | None = None,
) -> FlowRun:
    """Create a run of deployment `name` and wait for its final state (see the module)."""
    from prefect.engine.user_api import call_async

    call = _call(
        name,
        parent=_parent_run() if as_subflow else None,
        parameters=parameters,
        scheduled_time=scheduled_time,
        flow_run_name=flow_run_name,
        timeout=timeout,
        poll_interval=poll_interval,
        tags=tags,
        idempotency_key=idempotency_key,
        work_queue_name=work_queue_name,
        job_variables=job_variables,
    )
    return await call(client) if client is not None else await call_async(call)


def run_deployment(
    name: str | uuid.UUID,
    client: PrefectClient | None = None,
    parameters: dict[str, Any] | None = None,
    scheduled_time: datetime | None = None,
    flow_run_name: str | None = None,
    timeout: float | None = None,
    poll_interval: float = 5,
    tags: Iterable[str] | None = None,
    idempotency_key: str | None = None,
    work_queue_name: str | None = None,
    as_subflow: bool = True,
    job_variables: dict[str, Any] | None = None,
    _sync: bool | None = None,
) -> Any:
    """The run (from sync code), or a coroutine of it (from async code): see the module."""
    from prefect.variables import in_async_context

    options: dict[str, Any] = dict(
        parameters=parameters,
        scheduled_time=scheduled_time,
        flow_run_name=flow_run_name,
        timeout=timeout,
        poll_interval=poll_interval,
        tags=tags,
        idempotency_key=idempotency_key,
        work_queue_name=work_queue_name,
        job_variables=job_variables,
    )
    sync = not in_async_context() if _sync is None else _sync
    if not sync:
        return arun_deployment(name, client, as_subflow=as_subflow, **options)
    from prefect.client._loop import run_sync
    from prefect.engine.user_api import call_sync

    # the parent run is read here, in the caller's thread, before the hop to the API loop
    call = _call(name, parent=_parent_run() if as_subflow else None, **options)
    return run_sync(call(client)) if client is not None else call_sync(call)


def _call(
    name: str | uuid.UUID, *, parent: Any, **options: Any
) -> Callable[[PrefectClient], Coroutine[Any, Any, FlowRun]]:
    timeout = options.get("timeout")
    if timeout is not None and timeout < 0:
        raise ValueError("`timeout` cannot be negative")

    async def call(client: PrefectClient) -> FlowRun:
        return await _run(client, name, parent=parent, **options)

    return call


def _parent_run() -> tuple[Any, Any] | None:
    """The flow run (and task run) contexts this call is made in; None outside a flow run."""
    from prefect.context import FlowRunContext, TaskRunContext

    flow_ctx = FlowRunContext.get()
    if flow_ctx is None or flow_ctx.flow_run is None:
        return None
    return (flow_ctx, TaskRunContext.get())


async def _run(
    client: PrefectClient,
    name: str | uuid.UUID,
    *,
    parameters: dict[str, Any] | None,
    scheduled_time: datetime | None,
    flow_run_name: str | None,
    timeout: float | None,
    poll_interval: float,
    tags: Iterable[str] | None,
    idempotency_key: str | None,
    work_queue_name: str | None,
    parent: Any,
    job_variables: dict[str, Any] | None,
) -> FlowRun:
    from prefect.states import Scheduled

    deployment = await _read_deployment(client, name)
    parent_task_run_id = None
    if parent is not None:
        parent_task_run_id = await _stand_in(client, parent, deployment, parameters or {})
    state = Scheduled(scheduled_time=scheduled_time) if scheduled_time is not None else None
    run = await client.create_flow_run_from_deployment(
        deployment.id,
        parameters=parameters,
        state=state,
        name=flow_run_name,
        tags=tags,
        idempotency_key=idempotency_key,
        parent_task_run_id=parent_task_run_id,
        work_queue_name=work_queue_name,
        job_variables=job_variables,
    )
    if timeout == 0:
        return run
    loop = asyncio.get_running_loop()
    deadline = None if timeout is None else loop.time() + timeout
    while run.state is None or not run.state.is_final():
        if deadline is not None and loop.time() >= deadline:
            break
        pause = poll_interval if deadline is None else min(poll_interval, deadline - loop.time())
        await asyncio.sleep(max(pause, 0.0))
        run = await client.read_flow_run(run.id)
    return run


async def _read_deployment(client: PrefectClient, name: str | uuid.UUID) -> Any:
    if isinstance(name, uuid.UUID):
        return await client.read_deployment(name)
    try:
        return await client.read_deployment(uuid.UUID(name))
    except ValueError:
        return await client.read_deployment_by_name(name)


async def _stand_in(
    client: PrefectClient, parent: Any, deployment: Any, parameters: dict[str, Any]
) -> uuid.UUID:
    """A Pending task run in the parent flow run that stands for the deployment's run."""
    from prefect.schemas.objects import TaskRunResult
    from prefect.states import Pending

    flow_ctx, task_ctx = parent
    key = f"{deployment.flow_id}.{deployment.id}"
    inputs: dict[str, Any] = {name: [] for name in parameters}
    if task_ctx is not None and getattr(task_ctx, "task_run", None) is not None:
        inputs["__parents__"] = [TaskRunResult(id=task_ctx.task_run.id)]
    task_run = await client.create_task_run(
        None,
        flow_run_id=flow_ctx.flow_run.id,
        dynamic_key=flow_ctx.next_dynamic_key(key),
        name=deployment.name,
        state=Pending(),
        task_inputs=inputs,
        task_key=key,
    )
    return task_run.id
