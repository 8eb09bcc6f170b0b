"""Tables of concurrency limits v1 and v2, and the leases on v2 slots.

Revision ID: 0007_concurrency
Revises: 0006_variables_artifacts
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from prefect_server.database.types import Timestamp
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.schema import SchemaItem

revision = "0007_concurrency"
down_revision = "0006_variables_artifacts"
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


def upgrade() -> None:
    op.create_table(
        "concurrency_limit",
        sa.Column("tag", sa.String(), nullable=False),
        sa.Column("concurrency_limit", sa.Integer(), nullable=False),
        sa.Column("active_slots", JSON, nullable=False),
        *_base("concurrency_limit"),
        sa.UniqueConstraint("tag", name="uq_concurrency_limit__tag"),
    )
    op.create_table(
        "concurrency_limit_v2",
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("limit", sa.Integer(), nullable=False),
        sa.Column("active_slots", sa.Integer(), nullable=False),
        sa.Column("denied_slots", sa.Integer(), nullable=False),
        sa.Column("slot_decay_per_second", sa.Float(), nullable=False),
        sa.Column("avg_slot_occupancy_seconds", sa.Float(), nullable=False),
        sa.Column("slots_as_of", Timestamp(), nullable=False),
        *_base("concurrency_limit_v2"),
        sa.UniqueConstraint("name", name="uq_concurrency_limit_v2__name"),
    )
    op.create_table(
        "concurrency_lease",
        sa.Column("expiration", Timestamp(), nullable=False),
        sa.Column("resource_ids", JSON, nullable=False),
        sa.Column("slots", sa.Integer(), nullable=False),
        sa.Column("holder", JSON, nullable=True),
        *_base("concurrency_lease"),
    )
    op.create_index("ix_concurrency_lease__expiration", "concurrency_lease", ["expiration"])


def downgrade() -> None:
    op.drop_index("ix_concurrency_lease__expiration", table_name="concurrency_lease")
    for table in ("concurrency_lease", "concurrency_limit_v2", "concurrency_limit"):
        op.drop_table(table)
