"""Operations on task runs: list them across flow runs, inspect one."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from prefect_console.ops.errors import ConsoleError, NotFound
from prefect_console.ops.states import parse_states, state_filter

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.objects import TaskRun


async def list_task_runs(
    client: PrefectClient,
    *,
    flow_run_id: uuid.UUID | None = None,
    state: list[str] | None = None,
    limit: int = 15,
) -> list[TaskRun]:
    """Task runs, most recent first; optionally of one flow run, or in some states."""
    from prefect.schemas.filters import FlowRunFilter, IdFilter, TaskRunFilter
    from prefect.schemas.sorting import TaskRunSort

    if limit < 0:
        raise ConsoleError("--limit must be 0 or more", usage=True)
    types, names = parse_states(state or [])
    run_state = state_filter(types, names)
    return await client.read_task_runs(
        flow_run_filter=(
            FlowRunFilter(id=IdFilter(any_=[flow_run_id])) if flow_run_id is not None else None
        ),
        task_run_filter=TaskRunFilter(state=run_state) if run_state else None,
        sort=TaskRunSort.EXPECTED_START_TIME_DESC,
        limit=limit,
    )


async def inspect_task_run(client: PrefectClient, task_run_id: uuid.UUID) -> TaskRun:
    from prefect.exceptions import ObjectNotFound

    try:
        return await client.read_task_run(task_run_id)
    except ObjectNotFound:
        raise NotFound(f"Task run '{task_run_id}' not found") from None
