"""Tables of variables and artifacts.

Revision ID: 0006_variables_artifacts
Revises: 0005_blocks
Create Date: 2026-11-25
"""

from __future__ import annotations

revision = "0006_variables_artifacts"
down_revision = "0005_blocks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
