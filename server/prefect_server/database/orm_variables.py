"""ORM tables: Variables and artifacts.

Artifacts name their runs in plain columns, without foreign keys, as Prefect's do: they
may be reported before their run is, and they outlive a deleted run. `artifact_collection`
holds a copy of the latest artifact of each key, kept in step by
`prefect_server.models.artifacts`, so that "the latest of every key" is one indexed read.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from prefect_server.database.orm import Base
from prefect_server.database.types import JSONType


class Variable(Base):
    __tablename__ = "variable"

    name: Mapped[str] = mapped_column(sa.String(), unique=True)
    value: Mapped[Any] = mapped_column(JSONType(), nullable=True)
    tags: Mapped[list[Any]] = mapped_column(JSONType(), default=list, nullable=False)


class _ArtifactColumns:
    type: Mapped[str | None] = mapped_column(sa.String())
    description: Mapped[str | None] = mapped_column(sa.Text())
    data: Mapped[Any] = mapped_column(JSONType(), nullable=True)
    # `metadata` is taken by the declarative base
    metadata_: Mapped[dict[str, Any] | None] = mapped_column(JSONType(), nullable=True)
    flow_run_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid())
    task_run_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid())


class Artifact(_ArtifactColumns, Base):
    __tablename__ = "artifact"
    __table_args__ = (
        # the previous version of a key is found through this one when its latest goes
        sa.Index(None, "key", "created"),
        sa.Index(None, "flow_run_id"),
        sa.Index(None, "task_run_id"),
    )

    key: Mapped[str | None] = mapped_column(sa.String())


class ArtifactCollection(_ArtifactColumns, Base):
    __tablename__ = "artifact_collection"

    key: Mapped[str] = mapped_column(sa.String(), unique=True)
    latest_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid(), unique=True)


__all__ = ["Artifact", "ArtifactCollection", "Variable"]
