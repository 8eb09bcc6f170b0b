"""A deployment's schedules: add, list, change, remove, and replace the whole set by slug."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from prefect.schemas.deployments import DeploymentScheduleCreate, DeploymentScheduleUpdate
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database.orm_deployments import DeploymentSchedule


class DuplicateScheduleSlug(ValueError):
    """Two schedules sent together share a slug (a 422)."""


class ScheduleSlugTaken(ValueError):
    """Another schedule of the deployment has the slug already (a 409)."""


def _schedule_values(create: DeploymentScheduleCreate) -> dict[str, Any]:
    return {
        "schedule": create.schedule.model_dump(mode="json"),
        "active": create.active,
        "max_scheduled_runs": create.max_scheduled_runs,
        "parameters": create.parameters,
        "slug": create.slug,
    }


async def read_schedules(
    session: AsyncSession, deployment_id: uuid.UUID
) -> list[DeploymentSchedule]:
    stmt = (
        sa.select(DeploymentSchedule)
        .where(DeploymentSchedule.deployment_id == deployment_id)
        .order_by(DeploymentSchedule.created, DeploymentSchedule.id)
    )
    return list((await session.execute(stmt)).scalars())


async def read_schedule(
    session: AsyncSession, deployment_id: uuid.UUID, schedule_id: uuid.UUID
) -> DeploymentSchedule | None:
    row = await session.get(DeploymentSchedule, schedule_id)
    if row is None or row.deployment_id != deployment_id:
        return None
    return row


def _check_unique_slugs(slugs: Sequence[str | None]) -> None:
    named = [s for s in slugs if s is not None]
    duplicates = sorted({s for s in named if named.count(s) > 1})
    if duplicates:
        raise DuplicateScheduleSlug(
            f"Schedule slugs must be unique within a deployment: {', '.join(duplicates)}"
        )


def _check_free_slugs(taken: Sequence[str | None], wanted: Sequence[str | None]) -> None:
    clashes = sorted({s for s in wanted if s is not None and s in taken})
    if clashes:
        raise ScheduleSlugTaken(
            f"The deployment already has a schedule with slug {', '.join(clashes)}"
        )


async def create_schedules(
    session: AsyncSession, deployment_id: uuid.UUID, creates: Sequence[DeploymentScheduleCreate]
) -> list[DeploymentSchedule]:
    """Add schedules to the deployment (DuplicateScheduleSlug if a slug is taken)."""
    _check_unique_slugs([c.slug for c in creates])
    existing = [s.slug for s in await read_schedules(session, deployment_id)]
    _check_free_slugs(existing, [c.slug for c in creates])
    rows = [
        DeploymentSchedule(id=uuid.uuid4(), deployment_id=deployment_id, **_schedule_values(c))
        for c in creates
    ]
    session.add_all(rows)
    await session.flush()
    return rows


async def sync_schedules(
    session: AsyncSession, deployment_id: uuid.UUID, creates: Sequence[DeploymentScheduleCreate]
) -> None:
    """Make `creates` the deployment's schedules.

    A schedule whose slug (or `replaces`) names an existing one updates it in place,
    keeping its id; the others are added; existing schedules not named are deleted.
    """
    _check_unique_slugs([c.slug for c in creates])
    by_slug = {s.slug: s for s in await read_schedules(session, deployment_id) if s.slug}
    updates: list[tuple[DeploymentSchedule, DeploymentScheduleCreate]] = []
    added: list[DeploymentSchedule] = []
    for create in creates:
        target = by_slug.pop(create.replaces or create.slug or "", None)
        if target is not None:
            updates.append((target, create))
        else:
            row = DeploymentSchedule(
                id=uuid.uuid4(), deployment_id=deployment_id, **_schedule_values(create)
            )
            added.append(row)
    # stale rows go first, so that the slugs they held are free for the others
    stale = sa.delete(DeploymentSchedule).where(DeploymentSchedule.deployment_id == deployment_id)
    kept = [target.id for target, _ in updates]
    if kept:
        stale = stale.where(DeploymentSchedule.id.not_in(kept))
    await session.execute(stale, execution_options={"synchronize_session": False})
    for target, create in updates:
        for key, value in _schedule_values(create).items():
            setattr(target, key, value)
    await session.flush()
    session.add_all(added)
    await session.flush()


async def update_schedule(
    session: AsyncSession, row: DeploymentSchedule, update: DeploymentScheduleUpdate
) -> None:
    sent = update.model_dump(exclude_unset=True)
    if sent.get("slug") is not None and sent["slug"] != row.slug:
        others = [s.slug for s in await read_schedules(session, row.deployment_id) if s is not row]
        _check_free_slugs(others, [sent["slug"]])
    for key, value in sent.items():
        if key == "schedule":
            if update.schedule is not None:
                row.schedule = update.schedule.model_dump(mode="json")
        elif key == "parameters":
            row.parameters = value or {}
        elif key == "active":
            if value is not None:
                row.active = value
        else:
            # max_scheduled_runs and slug may be cleared with null
            setattr(row, key, value)
    await session.flush()


async def delete_schedule(session: AsyncSession, row: DeploymentSchedule) -> None:
    await session.delete(row)
    await session.flush()
