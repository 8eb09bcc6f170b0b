"""Artifacts and the latest artifact of each key (the `artifact_collection` table).

Writes keep the two tables in step, in the caller's transaction: a new keyed artifact
becomes its key's latest; an update of the latest is copied to its collection row; and
deleting the latest makes the key's previous artifact (by creation time) the latest, or
drops the key when none is left.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from prefect._time import now
from prefect.schemas.artifacts import (
    ArtifactCollectionCountRequest,
    ArtifactCollectionFilter,
    ArtifactCollectionFilterRequest,
    ArtifactCollectionSort,
    ArtifactCountRequest,
    ArtifactCreate,
    ArtifactFilter,
    ArtifactFilterKey,
    ArtifactFilterRequest,
    ArtifactFilterType,
    ArtifactSort,
    ArtifactUpdate,
)
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database import orm
from prefect_server.database.dialects import dialect_of, insert
from prefect_server.database.filters import (
    Condition,
    _combine,
    flow_condition,
    flow_run_condition,
    task_run_condition,
)
from prefect_server.database.orm_variables import Artifact, ArtifactCollection

Table = type[Artifact] | type[ArtifactCollection]

# the columns a collection row copies from its latest artifact
_COPIED = ("type", "description", "data", "metadata_", "flow_run_id", "task_run_id")


def _copy_of(artifact: Artifact) -> dict[str, Any]:
    return {name: getattr(artifact, name) for name in _COPIED}


async def create_artifact(session: AsyncSession, artifact: ArtifactCreate) -> Artifact:
    stamp = now()
    row = Artifact(id=uuid.uuid4(), created=stamp, updated=stamp, **artifact.model_dump())
    session.add(row)
    await session.flush()
    if row.key is not None:
        # one statement, so that two runs publishing the same key at once both succeed
        values = _copy_of(row)
        stmt = (
            insert(session, ArtifactCollection)
            .values(
                id=uuid.uuid4(),
                key=row.key,
                latest_id=row.id,
                created=stamp,
                updated=stamp,
                **values,
            )
            .on_conflict_do_update(
                index_elements=["key"], set_={"latest_id": row.id, "updated": stamp, **values}
            )
        )
        await session.execute(stmt)
    return row


async def read_artifact(session: AsyncSession, artifact_id: uuid.UUID) -> Artifact | None:
    return await session.get(Artifact, artifact_id)


async def read_latest_artifact(session: AsyncSession, key: str) -> Artifact | None:
    """The latest artifact of `key` (the artifact itself, with its own id)."""
    stmt = (
        sa.select(Artifact)
        .join(ArtifactCollection, ArtifactCollection.latest_id == Artifact.id)
        .where(ArtifactCollection.key == key)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def update_artifact(
    session: AsyncSession, artifact_id: uuid.UUID, update: ArtifactUpdate
) -> bool:
    row = await read_artifact(session, artifact_id)
    if row is None:
        return False
    for name, value in update.model_dump(exclude_unset=True).items():
        setattr(row, name, value)
    row.updated = now()
    await session.flush()
    await session.execute(
        sa.update(ArtifactCollection)
        .where(ArtifactCollection.latest_id == artifact_id)
        .values(updated=row.updated, **_copy_of(row)),
        execution_options={"synchronize_session": False},
    )
    return True


async def delete_artifact(session: AsyncSession, artifact_id: uuid.UUID) -> bool:
    row = await read_artifact(session, artifact_id)
    if row is None:
        return False
    latest_of = (
        await session.execute(
            sa.select(ArtifactCollection).where(ArtifactCollection.latest_id == artifact_id)
        )
    ).scalar_one_or_none()
    if latest_of is not None:
        previous = (
            await session.execute(
                sa.select(Artifact)
                .where(Artifact.key == row.key, Artifact.id != artifact_id)
                .order_by(Artifact.created.desc(), Artifact.id.desc())
                .limit(1)
            )
        ).scalar_one_or_none()
        if previous is None:
            await session.delete(latest_of)
        else:
            latest_of.latest_id = previous.id
            latest_of.updated = now()
            for name, value in _copy_of(previous).items():
                setattr(latest_of, name, value)
    await session.delete(row)
    await session.flush()
    return True


# -- filters ----------------------------------------------------------------------------


def _like(col: Any, pattern: str) -> Condition:
    # Prefect lets `%` and `_` through as wildcards; a backslash is taken literally
    escaped = pattern.replace("\\", "\\\\")
    condition: Condition = col.ilike(f"%{escaped}%", escape="\\")
    return condition


def _key(col: Any, flt: ArtifactFilterKey | None) -> list[Condition]:
    if flt is None:
        return []
    out: list[Condition] = []
    if flt.any_ is not None:
        out.append(col.in_(flt.any_))
    if flt.like_ is not None:
        out.append(_like(col, flt.like_))
    if flt.exists_ is not None:
        out.append(col.is_not(None) if flt.exists_ else col.is_(None))
    return out


def _type(col: Any, flt: ArtifactFilterType | None) -> list[Condition]:
    if flt is None:
        return []
    out: list[Condition] = []
    if flt.any_ is not None:
        out.append(col.in_(flt.any_))
    if flt.not_any_ is not None:
        # an artifact without a type is not of any excluded type
        out.append(sa.or_(col.is_(None), col.not_in(flt.not_any_)))
    return out


def _any(col: Any, values: list[uuid.UUID] | None) -> list[Condition]:
    return [] if values is None else [col.in_(values)]


def _artifact_condition(
    t: Table, flt: ArtifactFilter | ArtifactCollectionFilter | None
) -> Condition:
    if flt is None:
        return sa.true()
    out = [
        *_key(t.key, flt.key),
        *_type(t.type, flt.type),
        *_any(t.flow_run_id, flt.flow_run_id.any_ if flt.flow_run_id else None),
        *_any(t.task_run_id, flt.task_run_id.any_ if flt.task_run_id else None),
    ]
    if isinstance(flt, ArtifactFilter):
        out.extend(_any(t.id, flt.id.any_ if flt.id else None))
    else:
        out.extend(
            _any(ArtifactCollection.latest_id, flt.latest_id.any_ if flt.latest_id else None)
        )
    return _combine(flt.operator, out)


def _where(
    t: Table,
    body: ArtifactFilterRequest
    | ArtifactCountRequest
    | ArtifactCollectionFilterRequest
    | ArtifactCollectionCountRequest,
    dialect: str,
) -> list[Condition]:
    """The artifact filter, and its flow run / flow / task run matching theirs (AND)."""
    out = [_artifact_condition(t, body.artifacts)]
    if body.flow_runs is not None or body.flows is not None:
        runs = sa.select(orm.FlowRun.id).where(
            orm.FlowRun.id == t.flow_run_id, flow_run_condition(body.flow_runs, dialect)
        )
        if body.flows is not None:
            runs = runs.where(
                orm.FlowRun.flow_id.in_(
                    sa.select(orm.Flow.id).where(flow_condition(body.flows, dialect))
                )
            )
        out.append(sa.exists(runs))
    if body.task_runs is not None:
        tasks = sa.select(orm.TaskRun.id).where(
            orm.TaskRun.id == t.task_run_id, task_run_condition(body.task_runs, dialect)
        )
        out.append(sa.exists(tasks))
    return out


def _order(t: Table, sort: str) -> list[Any]:
    # NULLS LAST on both backends, so that keyless artifacts page the same way; id breaks ties
    by: dict[str, list[Any]] = {
        "CREATED_DESC": [t.created.desc()],
        "UPDATED_DESC": [t.updated.desc()],
        "ID_DESC": [],
        "KEY_DESC": [t.key.desc().nulls_last()],
        "KEY_ASC": [t.key.asc().nulls_last()],
    }
    return [*by[sort], t.id.desc()]


async def read_artifacts(session: AsyncSession, body: ArtifactFilterRequest) -> list[Artifact]:
    stmt = (
        sa.select(Artifact)
        .where(*_where(Artifact, body, dialect_of(session)))
        .order_by(*_order(Artifact, ArtifactSort(body.sort).value))
        .offset(body.offset)
        .limit(body.limit)
    )
    return list((await session.execute(stmt)).scalars())


async def count_artifacts(session: AsyncSession, body: ArtifactCountRequest) -> int:
    stmt = (
        sa.select(sa.func.count())
        .select_from(Artifact)
        .where(*_where(Artifact, body, dialect_of(session)))
    )
    return int((await session.execute(stmt)).scalar_one())


async def read_latest_artifacts(
    session: AsyncSession, body: ArtifactCollectionFilterRequest
) -> list[ArtifactCollection]:
    stmt = (
        sa.select(ArtifactCollection)
        .where(*_where(ArtifactCollection, body, dialect_of(session)))
        .order_by(*_order(ArtifactCollection, ArtifactCollectionSort(body.sort).value))
        .offset(body.offset)
        .limit(body.limit)
    )
    return list((await session.execute(stmt)).scalars())


async def count_latest_artifacts(
    session: AsyncSession, body: ArtifactCollectionCountRequest
) -> int:
    stmt = (
        sa.select(sa.func.count())
        .select_from(ArtifactCollection)
        .where(*_where(ArtifactCollection, body, dialect_of(session)))
    )
    return int((await session.execute(stmt)).scalar_one())
