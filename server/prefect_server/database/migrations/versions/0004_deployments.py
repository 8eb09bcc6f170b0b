"""Tables of deployments and deployment schedules; the flow-run index of deployment queries.

Revision ID: 0004_deployments
Revises: 0003_work_pools
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from prefect_server.database.types import Timestamp
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.schema import SchemaItem

revision = "0004_deployments"
down_revision = "0003_work_pools"
branch_labels = None
depends_on = None

# Frozen here on purpose: a migration must not change when the ORM does.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
RUN_INDEX = "ix_flow_run__deployment_id_state_type"


def _base(table: str) -> list[SchemaItem]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created", Timestamp(), nullable=False),
        sa.Column("updated", Timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
    ]


def upgrade() -> None:
    op.create_table(
        "deployment",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("version", sa.String(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("flow_id", sa.Uuid(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("last_polled", Timestamp(), nullable=True),
        sa.Column("work_queue_id", sa.Uuid(), nullable=True),
        sa.Column("work_queue_name", sa.String(), nullable=True),
        sa.Column("concurrency_limit", sa.Integer(), nullable=True),
        sa.Column("concurrency_options", JSON, nullable=True),
        sa.Column("global_concurrency_limit_id", sa.Uuid(), nullable=True),
        sa.Column("parameters", JSON, nullable=False),
        sa.Column("parameter_openapi_schema", JSON, nullable=True),
        sa.Column("enforce_parameter_schema", sa.Boolean(), nullable=False),
        sa.Column("job_variables", JSON, nullable=False),
        sa.Column("pull_steps", JSON, nullable=True),
        sa.Column("tags", JSON, nullable=False),
        sa.Column("labels", JSON, nullable=False),
        sa.Column("path", sa.String(), nullable=True),
        sa.Column("entrypoint", sa.String(), nullable=True),
        sa.Column("storage_document_id", sa.Uuid(), nullable=True),
        sa.Column("infrastructure_document_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", JSON, nullable=True),
        sa.Column("updated_by", JSON, nullable=True),
        sa.Column("version_info", JSON, nullable=True),
        *_base("deployment"),
        sa.ForeignKeyConstraint(
            ["flow_id"], ["flow.id"], name="fk_deployment__flow_id__flow", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("flow_id", "name", name="uq_deployment__flow_id_name"),
    )
    op.create_index("ix_deployment__name", "deployment", ["name"])
    op.create_index("ix_deployment__work_queue_id", "deployment", ["work_queue_id"])
    op.create_table(
        "deployment_schedule",
        sa.Column("deployment_id", sa.Uuid(), nullable=False),
        sa.Column("schedule", JSON, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("max_scheduled_runs", sa.Integer(), nullable=True),
        sa.Column("parameters", JSON, nullable=False),
        sa.Column("slug", sa.String(), nullable=True),
        *_base("deployment_schedule"),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployment.id"],
            name="fk_deployment_schedule__deployment_id__deployment",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "deployment_id", "slug", name="uq_deployment_schedule__deployment_id_slug"
        ),
    )
    op.create_index(RUN_INDEX, "flow_run", ["deployment_id", "state_type"])


def downgrade() -> None:
    op.drop_index(RUN_INDEX, table_name="flow_run")
    op.drop_table("deployment_schedule")
    op.drop_table("deployment")
