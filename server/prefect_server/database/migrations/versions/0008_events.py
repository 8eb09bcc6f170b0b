"""Tables of events and event resources.

Revision ID: 0008_events
Revises: 0007_concurrency
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from prefect_server.database.types import Timestamp
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.schema import SchemaItem

revision = "0008_events"
down_revision = "0007_concurrency"
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


def _indexes(table: str, *columns: str | tuple[str, ...]) -> None:
    for cols in columns:
        names = (cols,) if isinstance(cols, str) else cols
        op.create_index(f"ix_{table}__{'_'.join(names)}", table, list(names))


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("occurred", Timestamp(), nullable=False),
        sa.Column("event", sa.Text(), nullable=False),
        sa.Column("resource_id", sa.Text(), nullable=False),
        sa.Column("resource", JSON, nullable=False),
        sa.Column("related_resource_ids", JSON, nullable=False),
        sa.Column("related", JSON, nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("received", Timestamp(), nullable=False),
        sa.Column("recorded", Timestamp(), nullable=False),
        sa.Column("follows", sa.Uuid(), nullable=True),
        *_base("events"),
    )
    _indexes(
        "events",
        ("occurred", "id"),
        ("event", "occurred", "id"),
        ("resource_id", "occurred"),
        "recorded",
    )

    op.create_table(
        "event_resources",
        sa.Column("occurred", Timestamp(), nullable=False),
        sa.Column("resource_id", sa.Text(), nullable=False),
        sa.Column("resource_role", sa.Text(), nullable=False),
        sa.Column("resource", JSON, nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        *_base("event_resources"),
    )
    _indexes("event_resources", ("resource_id", "occurred"), "occurred")


def downgrade() -> None:
    op.drop_table("event_resources")
    op.drop_table("events")
