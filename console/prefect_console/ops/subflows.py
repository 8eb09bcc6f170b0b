"""Subflows of a flow run: the flow runs started from one of its task runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prefect_console.ops.flow_runs import list_task_runs_of

if TYPE_CHECKING:
    import uuid

    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.objects import FlowRun

SUBFLOW_LIMIT = 200


async def list_subflow_runs(
    client: PrefectClient,
    flow_run_id: uuid.UUID,
    *,
    task_run_ids: list[uuid.UUID] | None = None,
    limit: int = SUBFLOW_LIMIT,
) -> list[FlowRun]:
    """Flow runs whose parent task run belongs to `flow_run_id`, oldest expected start first.

    Pass `task_run_ids` when the run's task runs are already at hand (saves a request).
    """
    from prefect.schemas.filters import FlowRunFilter, FlowRunFilterParentTaskRunId
    from prefect.schemas.sorting import FlowRunSort

    task_ids = task_run_ids
    if task_ids is None:
        task_ids = [task_run.id for task_run in await list_task_runs_of(client, flow_run_id)]
    if not task_ids:
        return []
    return await client.read_flow_runs(
        flow_run_filter=FlowRunFilter(
            parent_task_run_id=FlowRunFilterParentTaskRunId(any_=task_ids)
        ),
        sort=FlowRunSort.EXPECTED_START_TIME_ASC,
        limit=limit,
    )
