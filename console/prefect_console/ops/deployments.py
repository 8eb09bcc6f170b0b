"""Operations on deployments: list them, inspect one, and the runs they have scheduled.

A deployment is named as in Prefect, "flow name/deployment name", or by its id. Later
verbs (run, pause, resume, delete, schedules) join here, each resolving the deployment
with `read_deployment_ref` first, so a name and an id work the same everywhere.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from prefect_console.ops.errors import ConsoleError, NotFound

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.deployments import Deployment
    from prefect.schemas.filters import FlowRunFilter
    from prefect.schemas.objects import FlowRun

# the API answers at most 1,000 per request; pages of 200 keep each answer quick
PAGE = 200
RECENT_RUNS = 20
NEXT_RUNS = 3
# scheduled runs read in one request to find each listed deployment's next run
NEXT_RUN_WINDOW = 500


def parse_deployment_ref(value: str) -> uuid.UUID | str:
    """An id, or a "flow/deployment" name (exit code 2 for anything else)."""
    text = value.strip()
    try:
        return uuid.UUID(text)
    except ValueError:
        pass
    flow_name, _, deployment_name = text.rpartition("/")
    if not flow_name.strip() or not deployment_name.strip():
        raise ConsoleError(
            f"{value!r} is not a deployment: expected '<flow-name>/<deployment-name>' or an id",
            usage=True,
        )
    return text


async def read_deployment_ref(client: PrefectClient, ref: str | uuid.UUID) -> Deployment:
    """The deployment named "flow/deployment" or with that id."""
    from prefect.exceptions import ObjectNotFound

    parsed = ref if isinstance(ref, uuid.UUID) else parse_deployment_ref(ref)
    try:
        if isinstance(parsed, uuid.UUID):
            return await client.read_deployment(parsed)
        return await client.read_deployment_by_name(parsed)
    except ObjectNotFound:
        raise NotFound(f"Deployment '{parsed}' not found") from None


async def flow_names_of(
    client: PrefectClient, flow_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """Names of these flows, in as few requests as the API's page size allows."""
    from prefect.schemas.filters import FlowFilter, IdFilter

    ids = sorted(set(flow_ids), key=str)
    names: dict[uuid.UUID, str] = {}
    for start in range(0, len(ids), PAGE):
        chunk = ids[start : start + PAGE]
        flows = await client.read_flows(
            flow_filter=FlowFilter(id=IdFilter(any_=chunk)), limit=len(chunk)
        )
        names.update({flow.id: flow.name for flow in flows})
    return names


@dataclass(frozen=True)
class DeploymentList:
    deployments: list[Deployment]
    flow_names: dict[uuid.UUID, str] = field(default_factory=dict)

    def flow_name(self, deployment: Deployment) -> str:
        return self.flow_names.get(deployment.flow_id, str(deployment.flow_id))

    def full_name(self, deployment: Deployment) -> str:
        """Prefect's "flow/deployment" name."""
        return f"{self.flow_name(deployment)}/{deployment.name}"


async def list_deployments(
    client: PrefectClient,
    *,
    flow_name: list[str] | None = None,
    limit: int | None = None,
    by_created: bool = False,
) -> DeploymentList:
    """Deployments by flow name then name (as Prefect lists them), or newest first.

    Without `limit`, every deployment (read in pages).
    """
    from prefect.schemas.deployments import DeploymentSort
    from prefect.schemas.filters import FlowFilter, NameFilter

    if limit is not None and limit < 0:
        raise ConsoleError("--limit must be 0 or more", usage=True)
    flow_filter = FlowFilter(name=NameFilter(any_=flow_name)) if flow_name else None
    sort = DeploymentSort.CREATED_DESC if by_created else DeploymentSort.NAME_ASC
    found: list[Deployment] = []
    while limit is None or len(found) < limit:
        size = PAGE if limit is None else min(PAGE, limit - len(found))
        page = await client.read_deployments(
            flow_filter=flow_filter, sort=sort, limit=size, offset=len(found)
        )
        found.extend(page)
        if len(page) < size:
            break
    names = await flow_names_of(client, (d.flow_id for d in found))
    listing = DeploymentList(found, names)
    if not by_created:
        found.sort(key=lambda d: (listing.flow_name(d), d.name))
    return listing


def _scheduled(deployment_ids: list[uuid.UUID], after: datetime | None = None) -> FlowRunFilter:
    from prefect.schemas.filters import (
        FlowRunFilter,
        NullableIdFilter,
        StateFilter,
        StateTypeFilter,
        TimeFilter,
    )
    from prefect.schemas.objects import StateType

    return FlowRunFilter(
        deployment_id=NullableIdFilter(any_=deployment_ids),
        state=StateFilter(type=StateTypeFilter(any_=[StateType.SCHEDULED])),
        expected_start_time=TimeFilter(after_=after) if after is not None else None,
    )


async def next_runs(
    client: PrefectClient, deployments: Iterable[Deployment]
) -> dict[uuid.UUID, FlowRun]:
    """Each deployment's next Scheduled run (late ones included), by deployment id.

    One request per page of deployments finds them; only when that answer was cut at
    `NEXT_RUN_WINDOW` runs can a deployment's next run lie beyond it (a daily one among
    many frequent ones), and then each deployment still without one is asked on its own.
    """
    from prefect.schemas.sorting import FlowRunSort

    wanted = {d.id: d for d in deployments}
    found: dict[uuid.UUID, FlowRun] = {}
    ids = list(wanted)
    maybe_beyond: list[uuid.UUID] = []
    for start in range(0, len(ids), PAGE):
        page = ids[start : start + PAGE]
        runs = await client.read_flow_runs(
            flow_run_filter=_scheduled(page),
            sort=FlowRunSort.EXPECTED_START_TIME_ASC,
            limit=NEXT_RUN_WINDOW,
        )
        for run in runs:
            if run.deployment_id is not None:
                found.setdefault(run.deployment_id, run)
        if len(runs) >= NEXT_RUN_WINDOW:
            maybe_beyond.extend(page)
    missing = [i for i in maybe_beyond if i not in found]

    async def first(deployment_id: uuid.UUID) -> list[FlowRun]:
        return await client.read_flow_runs(
            flow_run_filter=_scheduled([deployment_id]),
            sort=FlowRunSort.EXPECTED_START_TIME_ASC,
            limit=1,
        )

    for runs in await asyncio.gather(*(first(i) for i in missing)):
        for run in runs:
            if run.deployment_id is not None:
                found[run.deployment_id] = run
    return found


@dataclass
class DeploymentDetail:
    deployment: Deployment
    flow_name: str
    recent_runs: list[FlowRun] = field(default_factory=list)
    next_runs: list[FlowRun] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        return f"{self.flow_name}/{self.deployment.name}"


async def inspect_deployment(
    client: PrefectClient,
    ref: str | uuid.UUID,
    *,
    runs: int = 0,
    now: datetime | None = None,
) -> DeploymentDetail:
    """A deployment with its flow's name; with `runs`, its latest runs up to `now` and its
    next scheduled ones."""
    from prefect.exceptions import ObjectNotFound

    deployment = await read_deployment_ref(client, ref)
    try:
        flow_name = (await client.read_flow(deployment.flow_id)).name
    except ObjectNotFound:
        flow_name = str(deployment.flow_id)
    detail = DeploymentDetail(deployment, flow_name)
    if runs:
        detail.recent_runs, detail.next_runs = await _runs_around(client, deployment, runs, now)
    return detail


async def _runs_around(
    client: PrefectClient, deployment: Deployment, count: int, now: datetime | None
) -> tuple[list[FlowRun], list[FlowRun]]:
    from prefect._time import now as clock
    from prefect.schemas.filters import FlowRunFilter, NullableIdFilter, TimeFilter
    from prefect.schemas.sorting import FlowRunSort

    moment = now or clock()
    mine = NullableIdFilter(any_=[deployment.id])
    recent = await client.read_flow_runs(
        flow_run_filter=FlowRunFilter(
            deployment_id=mine, expected_start_time=TimeFilter(before_=moment)
        ),
        sort=FlowRunSort.EXPECTED_START_TIME_DESC,
        limit=count,
    )
    upcoming = await client.read_flow_runs(
        flow_run_filter=_scheduled([deployment.id], after=moment),
        sort=FlowRunSort.EXPECTED_START_TIME_ASC,
        limit=NEXT_RUNS,
    )
    return recent, upcoming


@dataclass(frozen=True)
class UpcomingRun:
    flow_run: FlowRun
    deployment_name: str  # "flow/deployment"


async def upcoming_runs(
    client: PrefectClient, now: datetime, *, limit: int = 10
) -> list[UpcomingRun]:
    """The next Scheduled runs of deployments after `now`, soonest first.

    Runs without a deployment are left out: no worker would start them.
    """
    from prefect.schemas.deployments import DeploymentFilter, DeploymentFilterId
    from prefect.schemas.filters import (
        FlowRunFilter,
        NullableIdFilter,
        StateFilter,
        StateTypeFilter,
        TimeFilter,
    )
    from prefect.schemas.objects import StateType
    from prefect.schemas.sorting import FlowRunSort

    runs = await client.read_flow_runs(
        flow_run_filter=FlowRunFilter(
            deployment_id=NullableIdFilter(is_null_=False),
            state=StateFilter(type=StateTypeFilter(any_=[StateType.SCHEDULED])),
            expected_start_time=TimeFilter(after_=now),
        ),
        sort=FlowRunSort.EXPECTED_START_TIME_ASC,
        limit=limit,
    )
    ids = sorted({run.deployment_id for run in runs if run.deployment_id is not None}, key=str)
    deployments = (
        await client.read_deployments(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=ids)), limit=len(ids)
        )
        if ids
        else []
    )
    names = await flow_names_of(client, (d.flow_id for d in deployments))
    by_id = {d.id: f"{names.get(d.flow_id, '?')}/{d.name}" for d in deployments}
    return [
        UpcomingRun(run, by_id.get(run.deployment_id, "?") if run.deployment_id else "-")
        for run in runs
    ]
