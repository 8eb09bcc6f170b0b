"""Tables of variables and artifacts.

Revision ID: 0006_variables_artifacts
Revises: 0005_blocks
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from prefect_server.database.types import Timestamp
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.schema import SchemaItem

revision = "0006_variables_artifacts"
down_revision = "0005_blocks"
branch_labels = None
depends_on = None

# Frozen here on purpose: a migration must not change when the ORM does.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _base(table: str) -> list[SchemaItem]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created", Timestamp(), nullable=False),
        sa.Column("updated", Timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
    ]


def _artifact_columns() -> list[SchemaItem]:
    return [
        sa.Column("type", sa.String(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("data", JSON, nullable=True),
        sa.Column("metadata_", JSON, nullable=True),
        sa.Column("flow_run_id", sa.Uuid(), nullable=True),
        sa.Column("task_run_id", sa.Uuid(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "variable",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("value", JSON, nullable=True),
        sa.Column("tags", JSON, nullable=False),
        *_base("variable"),
        sa.UniqueConstraint("name", name="uq_variable__name"),
    )
    op.create_table(
        "artifact",
        sa.Column("key", sa.String(), nullable=True),
        *_artifact_columns(),
        *_base("artifact"),
    )
    op.create_index("ix_artifact__key_created", "artifact", ["key", "created"])
    op.create_index("ix_artifact__flow_run_id", "artifact", ["flow_run_id"])
    op.create_index("ix_artifact__task_run_id", "artifact", ["task_run_id"])
    op.create_table(
        "artifact_collection",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("latest_id", sa.Uuid(), nullable=False),
        *_artifact_columns(),
        *_base("artifact_collection"),
        sa.UniqueConstraint("key", name="uq_artifact_collection__key"),
        sa.UniqueConstraint("latest_id", name="uq_artifact_collection__latest_id"),
    )


def downgrade() -> None:
    for table in ("artifact_collection", "artifact", "variable"):
        op.drop_table(table)
