"""Initial schema: flows, flow runs, task runs, their states, and logs.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from prefect_server.database.types import Seconds, Timestamp
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.schema import SchemaItem

revision = "0001_initial"
down_revision = None
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


def _run_columns() -> list[SchemaItem]:
    return [
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("state_id", sa.Uuid(), nullable=True),
        sa.Column("state_type", sa.String(20), nullable=True),
        sa.Column("state_name", sa.String(), nullable=True),
        sa.Column("tags", JSON, nullable=False),
        sa.Column("labels", JSON, nullable=False),
        sa.Column("empirical_policy", JSON, nullable=False),
        sa.Column("run_count", sa.Integer(), nullable=False),
        sa.Column("expected_start_time", Timestamp(), nullable=True),
        sa.Column("next_scheduled_start_time", Timestamp(), nullable=True),
        sa.Column("start_time", Timestamp(), nullable=True),
        sa.Column("end_time", Timestamp(), nullable=True),
        sa.Column("total_run_time", Seconds(), nullable=False),
    ]


def _state_columns(run_fk: str, run_table: str, table: str) -> list[SchemaItem]:
    return [
        sa.Column(run_fk, sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("timestamp", Timestamp(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("state_details", JSON, nullable=False),
        sa.Column("data", JSON, nullable=True),
        sa.ForeignKeyConstraint(
            [run_fk],
            [f"{run_table}.id"],
            name=f"fk_{table}__{run_fk}__{run_table}",
            ondelete="CASCADE",
        ),
    ]


def _indexes(table: str, *columns: str | tuple[str, ...]) -> None:
    for cols in columns:
        names = (cols,) if isinstance(cols, str) else cols
        op.create_index(f"ix_{table}__{'_'.join(names)}", table, list(names))


def upgrade() -> None:
    op.create_table(
        "flow",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("tags", JSON, nullable=False),
        sa.Column("labels", JSON, nullable=False),
        *_base("flow"),
        sa.UniqueConstraint("name", name="uq_flow__name"),
    )
    op.create_table(
        "log",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("timestamp", Timestamp(), nullable=False),
        sa.Column("flow_run_id", sa.Uuid(), nullable=True),
        sa.Column("task_run_id", sa.Uuid(), nullable=True),
        sa.Column("worker_id", sa.Uuid(), nullable=True),
        *_base("log"),
    )
    _indexes("log", ("flow_run_id", "timestamp"), "task_run_id", "timestamp")

    op.create_table(
        "flow_run",
        sa.Column("flow_id", sa.Uuid(), nullable=False),
        sa.Column("deployment_id", sa.Uuid(), nullable=True),
        sa.Column("deployment_version", sa.String(), nullable=True),
        sa.Column("work_queue_id", sa.Uuid(), nullable=True),
        sa.Column("work_queue_name", sa.String(), nullable=True),
        sa.Column("work_pool_id", sa.Uuid(), nullable=True),
        sa.Column("work_pool_name", sa.String(), nullable=True),
        sa.Column("flow_version", sa.String(), nullable=True),
        sa.Column("parameters", JSON, nullable=False),
        sa.Column("idempotency_key", sa.String(), nullable=True),
        sa.Column("context", JSON, nullable=False),
        sa.Column("parent_task_run_id", sa.Uuid(), nullable=True),
        sa.Column("auto_scheduled", sa.Boolean(), nullable=False),
        sa.Column("infrastructure_document_id", sa.Uuid(), nullable=True),
        sa.Column("infrastructure_pid", sa.String(), nullable=True),
        sa.Column("created_by", JSON, nullable=True),
        sa.Column("job_variables", JSON, nullable=True),
        *_run_columns(),
        *_base("flow_run"),
        sa.ForeignKeyConstraint(
            ["flow_id"], ["flow.id"], name="fk_flow_run__flow_id__flow", ondelete="CASCADE"
        ),
        sa.UniqueConstraint(
            "flow_id", "idempotency_key", name="uq_flow_run__flow_id_idempotency_key"
        ),
    )
    _indexes(
        "flow_run",
        "created",
        "end_time",
        "expected_start_time",
        "flow_id",
        "name",
        "next_scheduled_start_time",
        "parent_task_run_id",
        "start_time",
        "state_type",
    )

    op.create_table(
        "flow_run_state",
        *_state_columns("flow_run_id", "flow_run", "flow_run_state"),
        *_base("flow_run_state"),
    )
    _indexes("flow_run_state", ("flow_run_id", "timestamp"))

    op.create_table(
        "task_run",
        sa.Column("flow_run_id", sa.Uuid(), nullable=True),
        sa.Column("task_key", sa.String(), nullable=False),
        sa.Column("dynamic_key", sa.String(), nullable=False),
        sa.Column("cache_key", sa.String(), nullable=True),
        sa.Column("cache_expiration", Timestamp(), nullable=True),
        sa.Column("task_version", sa.String(), nullable=True),
        sa.Column("task_inputs", JSON, nullable=False),
        sa.Column("flow_run_run_count", sa.Integer(), nullable=False),
        *_run_columns(),
        *_base("task_run"),
        sa.ForeignKeyConstraint(
            ["flow_run_id"],
            ["flow_run.id"],
            name="fk_task_run__flow_run_id__flow_run",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "flow_run_id",
            "task_key",
            "dynamic_key",
            name="uq_task_run__flow_run_id_task_key_dynamic_key",
        ),
    )
    _indexes(
        "task_run",
        "end_time",
        "expected_start_time",
        "flow_run_id",
        "name",
        "start_time",
        "state_type",
    )

    op.create_table(
        "task_run_state",
        *_state_columns("task_run_id", "task_run", "task_run_state"),
        *_base("task_run_state"),
    )
    _indexes("task_run_state", ("task_run_id", "timestamp"))


def downgrade() -> None:
    for table in ("task_run_state", "task_run", "flow_run_state", "flow_run", "log", "flow"):
        op.drop_table(table)
