"""Tables of deployments and deployment schedules.

Revision ID: 0004_deployments
Revises: 0003_work_pools
Create Date: 2026-11-25
"""

from __future__ import annotations

revision = "0004_deployments"
down_revision = "0003_work_pools"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
