"""Tables of work pools, work queues and workers.

Revision ID: 0003_work_pools
Revises: 0002_pg_sort_indexes
Create Date: 2026-11-25
"""

from __future__ import annotations

revision = "0003_work_pools"
down_revision = "0002_pg_sort_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
