"""A partial index of flow-run heartbeat events, for the zombies service.

Revision ID: 0010_heartbeats
Revises: 0009_services
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_heartbeats"
down_revision = "0009_services"
branch_labels = None
depends_on = None

# as prefect_server.database.orm_events.HEARTBEAT_PREDICATE (a migration keeps its own copy)
PREDICATE = "event = 'prefect.flow-run.heartbeat'"


def upgrade() -> None:
    op.create_index(
        "ix_events__flow_run_heartbeats",
        "events",
        ["resource_id", "occurred"],
        sqlite_where=sa.text(PREDICATE),
        postgresql_where=sa.text(PREDICATE),
    )


def downgrade() -> None:
    op.drop_index("ix_events__flow_run_heartbeats", table_name="events")
