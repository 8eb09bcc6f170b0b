"""Tables of block types, block schemas and block documents.

Revision ID: 0005_blocks
Revises: 0004_deployments
Create Date: 2026-11-25
"""

from __future__ import annotations

revision = "0005_blocks"
down_revision = "0004_deployments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
