"""PostgreSQL indexes that match the flow-run sort orders exactly.

The API sorts runs with NULLS LAST and the id as tie-breaker on both backends (so pages
agree). On PostgreSQL a plain index cannot serve `DESC NULLS LAST`, and a million runs are
then sorted in full for every page (0.3-0.7 s measured); these indexes make the newest
page an index scan. SQLite already orders NULLs last on DESC and has no such index syntax,
and the ORM does not declare them (they are expression indexes): `ix_pg_sort_` names them
for the schema comparison to skip.

Revision ID: 0002_pg_sort_indexes
Revises: 0001_initial
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0002_pg_sort_indexes"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_pg_sort_flow_run_expected_start_time_desc": (
        "flow_run (expected_start_time DESC NULLS LAST, id DESC)"
    ),
    "ix_pg_sort_flow_run_start_time_desc": (
        "flow_run ((COALESCE(start_time, expected_start_time)) DESC NULLS LAST, id DESC)"
    ),
    "ix_pg_sort_flow_run_end_time_desc": "flow_run (end_time DESC NULLS LAST, id DESC)",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, target in INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
