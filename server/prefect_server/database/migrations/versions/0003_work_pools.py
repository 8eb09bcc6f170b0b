"""Tables of work pools, work queues and workers; the flow-run index that polling uses.

Revision ID: 0003_work_pools
Revises: 0002_pg_sort_indexes
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from prefect_server.database.types import Timestamp
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.schema import SchemaItem

revision = "0003_work_pools"
down_revision = "0002_pg_sort_indexes"
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


def _pool_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["work_pool_id"],
        ["work_pool.id"],
        name=f"fk_{table}__work_pool_id__work_pool",
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "work_pool",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("type", sa.String(), nullable=False),
        sa.Column("base_job_template", JSON, nullable=False),
        sa.Column("storage_configuration", JSON, nullable=False),
        sa.Column("is_paused", sa.Boolean(), nullable=False),
        sa.Column("concurrency_limit", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(20), nullable=True),
        sa.Column("default_queue_id", sa.Uuid(), nullable=True),
        *_base("work_pool"),
        sa.UniqueConstraint("name", name="uq_work_pool__name"),
    )
    op.create_table(
        "work_queue",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("is_paused", sa.Boolean(), nullable=False),
        sa.Column("concurrency_limit", sa.Integer(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("work_pool_id", sa.Uuid(), nullable=False),
        sa.Column("last_polled", Timestamp(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        *_base("work_queue"),
        _pool_fk("work_queue"),
        sa.UniqueConstraint("work_pool_id", "name", name="uq_work_queue__work_pool_id_name"),
    )
    op.create_index(
        "ix_work_queue__work_pool_id_priority", "work_queue", ["work_pool_id", "priority"]
    )
    op.create_table(
        "worker",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("work_pool_id", sa.Uuid(), nullable=False),
        sa.Column("last_heartbeat_time", Timestamp(), nullable=False),
        sa.Column("heartbeat_interval_seconds", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        *_base("worker"),
        _pool_fk("worker"),
        sa.UniqueConstraint("work_pool_id", "name", name="uq_worker__work_pool_id_name"),
    )
    op.create_index(
        "ix_worker__work_pool_id_last_heartbeat_time",
        "worker",
        ["work_pool_id", "last_heartbeat_time"],
    )
    op.create_index(
        "ix_flow_run__work_queue_id_state_type", "flow_run", ["work_queue_id", "state_type"]
    )


def downgrade() -> None:
    op.drop_index("ix_flow_run__work_queue_id_state_type", table_name="flow_run")
    for table in ("worker", "work_queue", "work_pool"):
        op.drop_table(table)
