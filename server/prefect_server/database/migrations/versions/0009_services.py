"""Tables the background services and pause/resume need: flow run inputs.

Revision ID: 0009_services
Revises: 0008_events
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from prefect_server.database.types import Timestamp

revision = "0009_services"
down_revision = "0008_events"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "flow_run_input",
        sa.Column("flow_run_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("sender", sa.String(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created", Timestamp(), nullable=False),
        sa.Column("updated", Timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_flow_run_input"),
        sa.ForeignKeyConstraint(
            ["flow_run_id"],
            ["flow_run.id"],
            name="fk_flow_run_input__flow_run_id__flow_run",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("flow_run_id", "key", name="uq_flow_run_input__flow_run_id_key"),
    )


def downgrade() -> None:
    op.drop_table("flow_run_input")
