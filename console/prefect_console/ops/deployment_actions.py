"""Acting on a deployment: run it, delete, pause and resume it, its schedules, backfill.

Each resolves the deployment by "flow/deployment" or id first (`read_deployment_ref`).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from prefect_console.ops.deployments import read_deployment_ref
from prefect_console.ops.errors import ConsoleError, NotFound

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.deployments import Deployment, DeploymentSchedule
    from prefect.schemas.objects import FlowRun

_UNITS = {
    "s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60,
    "h": 3600, "hour": 3600, "d": 86400, "day": 86400, "w": 604800, "week": 604800,
}  # fmt: skip
_OFFSET = re.compile(r"^\s*(?:in\s+)?(\d+(?:\.\d+)?)\s*([a-z]+?)s?\s*$", re.IGNORECASE)
BACKFILL_MAX_RUNS = 1000


def parse_start_in(text: str) -> timedelta:
    """ "5 minutes", "in 2 hours", "30s", "1 day" to a delay."""
    match = _OFFSET.match(text)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _UNITS:
        raise ConsoleError(
            f"--start-in {text!r}: expected an amount and a unit, like '5 minutes' or '30s'",
            usage=True,
        )
    return timedelta(seconds=float(match.group(1)) * _UNITS[unit])


def parse_time(text: str, what: str) -> datetime:
    """An ISO 8601 date or time; a naive one is UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConsoleError(f"{what} {text!r} is not an ISO 8601 date or time", usage=True) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def run_deployment(
    client: PrefectClient,
    ref: str | uuid.UUID,
    *,
    parameters: dict[str, Any] | None = None,
    job_variables: dict[str, Any] | None = None,
    start_at: datetime | None = None,
    tags: list[str] | None = None,
    flow_run_name: str | None = None,
) -> FlowRun:
    """A new run of the deployment, Scheduled for `start_at` (default now).

    The server checks the parameters against the deployment's schema when it enforces
    one; its reason for refusing is the error's message.
    """
    from prefect.exceptions import PrefectHTTPStatusError
    from prefect.states import Scheduled

    deployment = await read_deployment_ref(client, ref)
    try:
        return await client.create_flow_run_from_deployment(
            deployment.id,
            parameters=parameters,
            job_variables=job_variables or None,
            state=Scheduled(scheduled_time=start_at) if start_at is not None else None,
            tags=tags,
            name=flow_run_name,
        )
    except PrefectHTTPStatusError as exc:
        if 400 <= exc.status_code < 500:
            raise ConsoleError(f"The run was refused: {exc.detail}") from None
        raise


async def delete_deployment(client: PrefectClient, ref: str | uuid.UUID) -> Deployment:
    deployment = await read_deployment_ref(client, ref)
    await client.delete_deployment(deployment.id)
    return deployment


async def pause_deployment(client: PrefectClient, ref: str | uuid.UUID) -> Deployment:
    deployment = await read_deployment_ref(client, ref)
    await client.pause_deployment(deployment.id)
    return deployment


async def resume_deployment(client: PrefectClient, ref: str | uuid.UUID) -> Deployment:
    deployment = await read_deployment_ref(client, ref)
    await client.resume_deployment(deployment.id)
    return deployment


async def list_schedules(
    client: PrefectClient, ref: str | uuid.UUID
) -> tuple[Deployment, list[DeploymentSchedule]]:
    deployment = await read_deployment_ref(client, ref)
    return deployment, await client.read_deployment_schedules(deployment.id)


async def create_schedule(
    client: PrefectClient, ref: str | uuid.UUID, schedule: dict[str, Any], *, active: bool = True
) -> DeploymentSchedule:
    """Add one schedule (a dict as `build.schedule_dicts` makes) to the deployment."""
    from prefect.schemas.deployments import DeploymentScheduleCreate

    deployment = await read_deployment_ref(client, ref)
    made = await client.create_deployment_schedules(
        deployment.id, [DeploymentScheduleCreate.model_validate({**schedule, "active": active})]
    )
    return made[0]


def _schedule_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise ConsoleError(f"{value!r} is not a schedule id", usage=True) from None


async def _own_schedule(
    client: PrefectClient, ref: str | uuid.UUID, schedule_id: str
) -> tuple[Deployment, DeploymentSchedule]:
    wanted = _schedule_id(schedule_id)
    deployment, schedules = await list_schedules(client, ref)
    for schedule in schedules:
        if schedule.id == wanted:
            return deployment, schedule
    raise NotFound(f"Deployment has no schedule '{wanted}'")


async def delete_schedule(client: PrefectClient, ref: str | uuid.UUID, schedule_id: str) -> None:
    deployment, schedule = await _own_schedule(client, ref, schedule_id)
    await client.delete_deployment_schedule(deployment.id, schedule.id)


async def set_schedule_active(
    client: PrefectClient, ref: str | uuid.UUID, schedule_id: str, active: bool
) -> DeploymentSchedule:
    deployment, schedule = await _own_schedule(client, ref, schedule_id)
    await client.update_deployment_schedule(deployment.id, schedule.id, active=active)
    return schedule


async def clear_schedules(client: PrefectClient, ref: str | uuid.UUID) -> int:
    """Delete every schedule of the deployment; how many there were."""
    deployment, schedules = await list_schedules(client, ref)
    for schedule in schedules:
        await client.delete_deployment_schedule(deployment.id, schedule.id)
    return len(schedules)


@dataclass(frozen=True)
class BackfillRun:
    schedule_id: uuid.UUID
    date: datetime
    flow_run: FlowRun | None  # None on a dry run


def backfill_key(deployment_id: uuid.UUID, schedule_id: uuid.UUID, date: datetime) -> str:
    """The scheduler's idempotency key for this date (the server's scheduled_runs module
    makes the same string), so a backfilled date and a scheduled one are one run."""
    return f"scheduled {deployment_id} {schedule_id} {date.astimezone(UTC).isoformat()}"


async def backfill(
    client: PrefectClient,
    ref: str | uuid.UUID,
    start: datetime,
    end: datetime,
    *,
    dry_run: bool = False,
) -> list[BackfillRun]:
    """The runs the deployment's active schedules would have made in [start, end].

    A date that already has its run (from the scheduler or an earlier backfill) is not
    made twice: the run is created with the scheduler's idempotency key.
    """
    from prefect.states import Scheduled

    if end < start:
        raise ConsoleError("--end must not be before --start", usage=True)
    deployment, schedules = await list_schedules(client, ref)
    dated: list[tuple[DeploymentSchedule, datetime]] = []
    for schedule in schedules:
        if not schedule.active:
            continue
        dates = schedule.schedule.get_dates(n=BACKFILL_MAX_RUNS + 1, start=start, end=end)
        dated.extend((schedule, d) for d in dates)
    if len(dated) > BACKFILL_MAX_RUNS:
        raise ConsoleError(
            f"The window holds more than {BACKFILL_MAX_RUNS} runs: backfill it in parts",
            usage=True,
        )
    dated.sort(key=lambda pair: pair[1])
    made: list[BackfillRun] = []
    for schedule, date in dated:
        run = None
        if not dry_run:
            run = await client.create_flow_run_from_deployment(
                deployment.id,
                parameters=dict(schedule.parameters or {}),
                state=Scheduled(scheduled_time=date),
                tags=["backfill"],
                idempotency_key=backfill_key(deployment.id, schedule.id, date),
            )
        made.append(BackfillRun(schedule.id, date, run))
    return made
