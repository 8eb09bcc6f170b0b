"""Tables of events and event resources.

Revision ID: 0008_events
Revises: 0007_concurrency
Create Date: 2026-11-25
"""

from __future__ import annotations

revision = "0008_events"
down_revision = "0007_concurrency"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
