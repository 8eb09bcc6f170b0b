"""Tables of concurrency limits v1 and v2.

Revision ID: 0007_concurrency
Revises: 0006_variables_artifacts
Create Date: 2026-11-25
"""

from __future__ import annotations

revision = "0007_concurrency"
down_revision = "0006_variables_artifacts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
