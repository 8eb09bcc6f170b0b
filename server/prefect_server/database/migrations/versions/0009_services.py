"""Tables of columns the background services need.

Revision ID: 0009_services
Revises: 0008_events
Create Date: 2026-11-25
"""

from __future__ import annotations

revision = "0009_services"
down_revision = "0008_events"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
