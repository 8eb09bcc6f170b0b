"""Routes: Artifacts, with their latest versions by key."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Body, Depends, status
from prefect.schemas.artifacts import (
    Artifact,
    ArtifactCollection,
    ArtifactCollectionCountRequest,
    ArtifactCollectionFilterRequest,
    ArtifactCountRequest,
    ArtifactCreate,
    ArtifactFilterRequest,
    ArtifactUpdate,
)

from prefect_server.api.dependencies import get_db, not_found
from prefect_server.database import orm_variables
from prefect_server.database.engine import Database
from prefect_server.models import artifacts as models

router = APIRouter(prefix="/artifacts", tags=["Artifacts"])


def _out(row: orm_variables.Artifact) -> Artifact:
    return Artifact.model_validate(row, from_attributes=True)


def _latest_out(row: orm_variables.ArtifactCollection) -> ArtifactCollection:
    return ArtifactCollection.model_validate(row, from_attributes=True)


@router.post("/", status_code=status.HTTP_201_CREATED)
async def create_artifact(artifact: ArtifactCreate, db: Database = Depends(get_db)) -> Artifact:
    async with db.write() as session:
        row = await models.create_artifact(session, artifact)
    return _out(row)


@router.post("/filter")
async def read_artifacts(
    body: ArtifactFilterRequest = Body(default_factory=ArtifactFilterRequest),
    db: Database = Depends(get_db),
) -> list[Artifact]:
    async with db.read() as session:
        rows = await models.read_artifacts(session, body)
    return [_out(row) for row in rows]


@router.post("/count")
async def count_artifacts(
    body: ArtifactCountRequest = Body(default_factory=ArtifactCountRequest),
    db: Database = Depends(get_db),
) -> int:
    async with db.read() as session:
        return await models.count_artifacts(session, body)


@router.post("/latest/filter")
async def read_latest_artifacts(
    body: ArtifactCollectionFilterRequest = Body(default_factory=ArtifactCollectionFilterRequest),
    db: Database = Depends(get_db),
) -> list[ArtifactCollection]:
    async with db.read() as session:
        rows = await models.read_latest_artifacts(session, body)
    return [_latest_out(row) for row in rows]


@router.post("/latest/count")
async def count_latest_artifacts(
    body: ArtifactCollectionCountRequest = Body(default_factory=ArtifactCollectionCountRequest),
    db: Database = Depends(get_db),
) -> int:
    async with db.read() as session:
        return await models.count_latest_artifacts(session, body)


@router.get("/{key}/latest")
async def read_latest_artifact(key: str, db: Database = Depends(get_db)) -> Artifact:
    async with db.read() as session:
        row = await models.read_latest_artifact(session, key)
    if row is None:
        not_found("Artifact")
    return _out(row)


@router.get("/{id}")
async def read_artifact(id: uuid.UUID, db: Database = Depends(get_db)) -> Artifact:
    async with db.read() as session:
        row = await models.read_artifact(session, id)
    if row is None:
        not_found("Artifact")
    return _out(row)


@router.patch("/{id}", status_code=status.HTTP_204_NO_CONTENT)
async def update_artifact(
    id: uuid.UUID, artifact: ArtifactUpdate, db: Database = Depends(get_db)
) -> None:
    async with db.write() as session:
        found = await models.update_artifact(session, id, artifact)
    if not found:
        not_found("Artifact")


@router.delete("/{id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_artifact(id: uuid.UUID, db: Database = Depends(get_db)) -> None:
    async with db.write() as session:
        found = await models.delete_artifact(session, id)
    if not found:
        not_found("Artifact")


# every router here is mounted under /api by `prefect_server.app`
routers: list[APIRouter] = [router]
