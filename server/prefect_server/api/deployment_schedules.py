"""Routes: the schedules of a deployment (`/deployments/{id}/schedules`).

Each change replaces the deployment's future auto-scheduled runs in the same transaction.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Body, Depends, HTTPException, status
from prefect._time import now
from prefect.schemas.deployments import (
    DeploymentSchedule,
    DeploymentScheduleCreate,
    DeploymentScheduleUpdate,
)
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.api.dependencies import get_db, not_found
from prefect_server.database.engine import Database
from prefect_server.database.orm_deployments import DeploymentSchedule as ScheduleRow
from prefect_server.models import deployment_schedules as models
from prefect_server.models.deployments import read_deployment
from prefect_server.models.scheduled_runs import reschedule

router = APIRouter(prefix="/deployments", tags=["Deployments"])


def schedule(row: ScheduleRow) -> DeploymentSchedule:
    return DeploymentSchedule.model_validate(row, from_attributes=True)


async def _require_deployment(session: AsyncSession, deployment_id: uuid.UUID) -> None:
    if await read_deployment(session, deployment_id) is None:
        not_found("Deployment")


async def _require_schedule(
    session: AsyncSession, deployment_id: uuid.UUID, schedule_id: uuid.UUID
) -> ScheduleRow:
    await _require_deployment(session, deployment_id)
    row = await models.read_schedule(session, deployment_id, schedule_id)
    if row is None:
        not_found("Schedule")
    return row


def _slug_error(exc: ValueError) -> HTTPException:
    code = 409 if isinstance(exc, models.ScheduleSlugTaken) else 422
    return HTTPException(status_code=code, detail=str(exc))


@router.get("/{id}/schedules")
async def read_deployment_schedules(
    id: uuid.UUID, db: Database = Depends(get_db)
) -> list[DeploymentSchedule]:
    async with db.read() as session:
        await _require_deployment(session, id)
        return [schedule(row) for row in await models.read_schedules(session, id)]


@router.post("/{id}/schedules", status_code=status.HTTP_201_CREATED)
async def create_deployment_schedules(
    id: uuid.UUID,
    schedules: list[DeploymentScheduleCreate] = Body(...),
    db: Database = Depends(get_db),
) -> list[DeploymentSchedule]:
    try:
        async with db.write() as session:
            await _require_deployment(session, id)
            rows = await models.create_schedules(session, id, schedules)
            await reschedule(session, [id], now())
            return [schedule(row) for row in rows]
    except (models.DuplicateScheduleSlug, models.ScheduleSlugTaken) as exc:
        raise _slug_error(exc) from None


@router.patch("/{id}/schedules/{schedule_id}", status_code=status.HTTP_204_NO_CONTENT)
async def update_deployment_schedule(
    id: uuid.UUID,
    schedule_id: uuid.UUID,
    body: DeploymentScheduleUpdate,
    db: Database = Depends(get_db),
) -> None:
    try:
        async with db.write() as session:
            row = await _require_schedule(session, id, schedule_id)
            await models.update_schedule(session, row, body)
            await reschedule(session, [id], now())
    except models.ScheduleSlugTaken as exc:
        raise _slug_error(exc) from None


@router.delete("/{id}/schedules/{schedule_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_deployment_schedule(
    id: uuid.UUID, schedule_id: uuid.UUID, db: Database = Depends(get_db)
) -> None:
    async with db.write() as session:
        row = await _require_schedule(session, id, schedule_id)
        await models.delete_schedule(session, row)
        await reschedule(session, [id], now())
