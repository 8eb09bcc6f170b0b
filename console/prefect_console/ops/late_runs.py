"""Late runs per deployment: Scheduled runs whose start time has passed, counted by
deployment (the dashboard's "Late by deployment" panel).

One sorted page of late runs finds the deployments with the oldest late runs; each of
those is then counted exactly with the count endpoint, so a deployment with thousands of
late runs shows its real number, not the size of the page.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.filters import FlowRunFilter

# late runs read to find the deployments that have some
SCAN = 500


@dataclass(frozen=True)
class LateDeployment:
    deployment_id: uuid.UUID
    name: str  # "flow/deployment"
    late: int
    oldest: datetime  # the expected start of its oldest late run


def _late_filter(now: datetime, deployment_ids: list[uuid.UUID] | None = None) -> FlowRunFilter:
    from prefect.schemas.filters import (
        FlowRunFilter,
        NullableIdFilter,
        StateFilter,
        StateTypeFilter,
        TimeFilter,
    )
    from prefect.schemas.objects import StateType

    deployment = (
        NullableIdFilter(any_=deployment_ids)
        if deployment_ids is not None
        else NullableIdFilter(is_null_=False)
    )
    return FlowRunFilter(
        deployment_id=deployment,
        state=StateFilter(type=StateTypeFilter(any_=[StateType.SCHEDULED])),
        expected_start_time=TimeFilter(before_=now),
    )


async def late_by_deployment(
    client: PrefectClient, now: datetime, *, limit: int = 20
) -> list[LateDeployment]:
    """Deployments with late runs, the one with the oldest late run first (at most `limit`)."""
    from prefect.schemas.deployments import DeploymentFilter, DeploymentFilterId
    from prefect.schemas.sorting import FlowRunSort

    from prefect_console.ops.deployments import flow_names_of

    runs = await client.read_flow_runs(
        flow_run_filter=_late_filter(now), sort=FlowRunSort.EXPECTED_START_TIME_ASC, limit=SCAN
    )
    oldest: dict[uuid.UUID, datetime] = {}
    for run in runs:
        when = run.expected_start_time
        if run.deployment_id is not None and when is not None:
            oldest.setdefault(run.deployment_id, when)
    ids = list(oldest)[:limit]
    if not ids:
        return []

    async def count(deployment_id: uuid.UUID) -> int:
        return await client.count_flow_runs(flow_run_filter=_late_filter(now, [deployment_id]))

    counts, deployments = await asyncio.gather(
        asyncio.gather(*(count(i) for i in ids)),
        client.read_deployments(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=ids)), limit=len(ids)
        ),
    )
    names = await flow_names_of(client, (d.flow_id for d in deployments))
    by_id = {d.id: f"{names.get(d.flow_id, '?')}/{d.name}" for d in deployments}
    return [
        LateDeployment(i, by_id.get(i, str(i)), n, oldest[i])
        for i, n in zip(ids, counts, strict=True)
    ]
