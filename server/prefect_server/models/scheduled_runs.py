"""Runs created ahead from deployment schedules, and their removal when plans change.

Every (deployment, schedule, date) gets one run whose idempotency key names all three, so a
scheduler pass that is repeated, restarted or run twice at once never duplicates a run:
rows are inserted in batches with ON CONFLICT DO NOTHING on (flow_id, idempotency_key),
and only the runs this pass really inserted get their Scheduled state row.

How far ahead (Prefect's rules): for each active schedule, dates from now until both at
least MIN_RUNS runs and MIN_SCHEDULED_TIME ahead are covered, never more than MAX_RUNS
(or the schedule's own `max_scheduled_runs`) and never past MAX_SCHEDULED_TIME.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from prefect.schemas.deployments import DeploymentSchedule as ScheduleModel
from prefect.schemas.objects import StateDetails, StateType
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database import orm
from prefect_server.database.dialects import insert
from prefect_server.database.orm_deployments import Deployment, DeploymentSchedule
from prefect_server.events.scheduled import runs_scheduled
from prefect_server.models.flow_runs import delete_runs_cascade
from prefect_server.models.names import generate_run_name

if TYPE_CHECKING:
    from prefect.settings import Settings

# rows per INSERT statement, as Prefect's scheduler batches them
INSERT_BATCH = 500
AUTO_SCHEDULED_TAG = "auto-scheduled"


@dataclass(frozen=True)
class SchedulingPolicy:
    min_runs: int = 3
    max_runs: int = 100
    min_time: timedelta = timedelta(hours=1)
    max_time: timedelta = timedelta(days=100)

    @classmethod
    def from_settings(cls, settings: Settings) -> SchedulingPolicy:
        return cls(
            min_runs=settings.server_services_scheduler_min_runs,
            max_runs=settings.server_services_scheduler_max_runs,
            min_time=timedelta(seconds=settings.server_services_scheduler_min_scheduled_time),
            max_time=timedelta(seconds=settings.server_services_scheduler_max_scheduled_time),
        )


def current_policy() -> SchedulingPolicy:
    from prefect.settings import get_current_settings

    return SchedulingPolicy.from_settings(get_current_settings())


def schedule_dates(
    schedule: ScheduleModel, now: datetime, policy: SchedulingPolicy
) -> list[datetime]:
    """The dates (UTC) to have runs for: from `now` until both minimums are met."""
    max_runs = policy.max_runs
    if schedule.max_scheduled_runs is not None:
        max_runs = min(max_runs, schedule.max_scheduled_runs)
    min_runs = min(policy.min_runs, max_runs)
    if max_runs <= 0:
        return []
    candidates = schedule.schedule.get_dates(n=max_runs, start=now, end=now + policy.max_time)
    dates: list[datetime] = []
    for date in candidates:
        dates.append(date.astimezone(UTC))
        if len(dates) >= min_runs and date >= now + policy.min_time:
            break
    return dates


def run_labels(deployment: Deployment, given: dict[str, Any] | None = None) -> dict[str, Any]:
    """Labels of a run of the deployment: its labels, the system's, then the run's own."""
    system = {
        "prefect.flow.id": str(deployment.flow_id),
        "prefect.deployment.id": str(deployment.id),
    }
    return {**(deployment.labels or {}), **system, **(given or {})}


def idempotency_key(deployment_id: uuid.UUID, schedule_id: uuid.UUID, date: datetime) -> str:
    return f"scheduled {deployment_id} {schedule_id} {date.astimezone(UTC).isoformat()}"


def _run_row(
    deployment: Deployment, schedule: DeploymentSchedule, date: datetime, now: datetime
) -> dict[str, Any]:
    run_id = uuid.uuid4()
    tags = [AUTO_SCHEDULED_TAG, *(t for t in deployment.tags if t != AUTO_SCHEDULED_TAG)]
    return {
        "id": run_id,
        "created": now,
        "updated": now,
        "name": generate_run_name(),
        "flow_id": deployment.flow_id,
        "deployment_id": deployment.id,
        "deployment_version": deployment.version,
        "work_queue_id": deployment.work_queue_id,
        "work_queue_name": deployment.work_queue_name,
        "work_pool_id": deployment.work_pool_id,
        "work_pool_name": deployment.work_pool_name,
        "parameters": {**deployment.parameters, **(schedule.parameters or {})},
        "idempotency_key": idempotency_key(deployment.id, schedule.id, date),
        "context": {},
        "tags": tags,
        "labels": run_labels(deployment),
        "empirical_policy": {},
        "auto_scheduled": True,
        "infrastructure_document_id": deployment.infrastructure_document_id,
        # a run's own overrides only: workers merge them over the deployment's
        "job_variables": None,
        "state_id": uuid.uuid4(),
        "state_type": StateType.SCHEDULED.value,
        "state_name": "Scheduled",
        "run_count": 0,
        "total_run_time": timedelta(0),
        "expected_start_time": date,
        "next_scheduled_start_time": date,
        "created_by": {
            "id": str(schedule.id),
            "display_value": schedule.slug or _schedule_kind(schedule),
            "type": "SCHEDULE",
        },
    }


def _schedule_kind(schedule: DeploymentSchedule) -> str:
    kinds = {"interval": "IntervalSchedule", "cron": "CronSchedule", "rrule": "RRuleSchedule"}
    return next((kinds[k] for k in kinds if k in schedule.schedule), "NoSchedule")


def _state_row(run: dict[str, Any], now: datetime) -> dict[str, Any]:
    details = StateDetails(flow_run_id=run["id"], scheduled_time=run["expected_start_time"])
    return {
        "id": run["state_id"],
        "created": now,
        "updated": now,
        "flow_run_id": run["id"],
        "type": StateType.SCHEDULED.value,
        "name": "Scheduled",
        "timestamp": now,
        "message": "Flow run scheduled",
        "state_details": details.model_dump(mode="json"),
        "data": None,
    }


async def _insert_new(session: AsyncSession, rows: list[dict[str, Any]], now: datetime) -> int:
    """Insert the runs whose key is new, with their states; how many were inserted."""
    keys = [row["idempotency_key"] for row in rows]
    flow_ids = {row["flow_id"] for row in rows}
    existing = sa.select(orm.FlowRun.flow_id, orm.FlowRun.idempotency_key).where(
        orm.FlowRun.flow_id.in_(flow_ids), orm.FlowRun.idempotency_key.in_(keys)
    )
    taken = {(row[0], row[1]) for row in (await session.execute(existing)).all()}
    fresh = [row for row in rows if (row["flow_id"], row["idempotency_key"]) not in taken]
    if not fresh:
        return 0
    stmt = insert(session, orm.FlowRun).on_conflict_do_nothing(
        index_elements=["flow_id", "idempotency_key"]
    )
    await session.execute(stmt, fresh)
    # a concurrent scheduler may have won some keys between the read and the insert
    ids = [row["id"] for row in fresh]
    inserted = set(
        (await session.execute(sa.select(orm.FlowRun.id).where(orm.FlowRun.id.in_(ids))))
        .scalars()
        .all()
    )
    states = [_state_row(row, now) for row in fresh if row["id"] in inserted]
    if states:
        await session.execute(sa.insert(orm.FlowRunState), states)
        # the Scheduled event a run created through the API gets, in one INSERT per batch
        await runs_scheduled(session, fresh, states)
    return len(states)


async def _schedulable(
    session: AsyncSession, deployment_ids: Sequence[uuid.UUID]
) -> list[tuple[Deployment, DeploymentSchedule]]:
    stmt = (
        sa.select(Deployment, DeploymentSchedule)
        .join(DeploymentSchedule, DeploymentSchedule.deployment_id == Deployment.id)
        .where(
            Deployment.id.in_(deployment_ids),
            Deployment.paused.is_(False),
            DeploymentSchedule.active.is_(True),
        )
        .order_by(Deployment.id, DeploymentSchedule.id)
        # the request may have just moved the deployment to another queue in this session
        .execution_options(populate_existing=True)
    )
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]


async def schedule_runs(
    session: AsyncSession,
    deployment_ids: Sequence[uuid.UUID],
    now: datetime,
    policy: SchedulingPolicy,
) -> int:
    """Create the missing runs of the active schedules of these (unpaused) deployments."""
    if not deployment_ids:
        return 0
    rows: list[dict[str, Any]] = []
    created = 0
    for deployment, schedule in await _schedulable(session, deployment_ids):
        model = ScheduleModel.model_validate(schedule, from_attributes=True)
        for date in schedule_dates(model, now, policy):
            rows.append(_run_row(deployment, schedule, date, now))
            if len(rows) >= INSERT_BATCH:
                created += await _insert_new(session, rows, now)
                rows = []
    if rows:
        created += await _insert_new(session, rows, now)
    return created


async def schedulable_deployment_ids(
    session: AsyncSession, after: uuid.UUID | None, limit: int
) -> list[uuid.UUID]:
    """A page (by id) of the unpaused deployments that have an active schedule."""
    has_schedule = sa.exists(
        sa.select(1).where(
            DeploymentSchedule.deployment_id == Deployment.id, DeploymentSchedule.active.is_(True)
        )
    )
    stmt = sa.select(Deployment.id).where(Deployment.paused.is_(False), has_schedule)
    if after is not None:
        stmt = stmt.where(Deployment.id > after)
    stmt = stmt.order_by(Deployment.id).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def delete_future_auto_scheduled_runs(
    session: AsyncSession, deployment_ids: Sequence[uuid.UUID], now: datetime
) -> None:
    """Delete the runs the scheduler made that have not started and are not due yet."""
    if not deployment_ids:
        return
    runs = sa.select(orm.FlowRun.id).where(
        orm.FlowRun.deployment_id.in_(deployment_ids),
        orm.FlowRun.state_type == StateType.SCHEDULED.value,
        orm.FlowRun.auto_scheduled.is_(True),
        orm.FlowRun.run_count == 0,
        orm.FlowRun.next_scheduled_start_time >= now,
    )
    ids = list((await session.execute(runs)).scalars())
    for start in range(0, len(ids), INSERT_BATCH):
        await delete_runs_cascade(session, ids[start : start + INSERT_BATCH])


async def reschedule(
    session: AsyncSession,
    deployment_ids: Sequence[uuid.UUID],
    now: datetime,
    policy: SchedulingPolicy | None = None,
) -> int:
    """Replace the future auto-scheduled runs of these deployments at once (same transaction)."""
    await delete_future_auto_scheduled_runs(session, deployment_ids, now)
    return await schedule_runs(session, deployment_ids, now, policy or current_policy())
