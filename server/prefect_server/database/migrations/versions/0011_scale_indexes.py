"""Indexes for the console's run listings and counts on a store of millions of runs.

Measured on PostgreSQL with 1,000,000 flow runs and 10,000,000 task runs
(tests/bench/bench_scale.py): without them the dashboard's late runs walked the whole
expected-start-time index (2 s), the newest task runs were sorted in full (1.3 s), and a
state filter on the newest runs read tens of thousands of rows to find 200.

- On both backends, the state-type and deployment indexes of runs gain the expected start
  time, so "runs in these states, before or after a time" (late runs, upcoming runs, the
  dashboard's counts per hour, a queue's due runs) is one index range; they replace the
  narrower indexes they begin with.
- On PostgreSQL, indexes in the exact order of the newest-first sorts (`DESC NULLS LAST`,
  then the id), as in 0002, for task runs and for flow runs of one state type, state name
  or deployment: such a page is then the first 200 entries of one index. SQLite needs none:
  it orders NULLs last on DESC by itself. Named `ix_pg_sort_` for the schema comparison.

The indexes are built in the migration's transaction, which blocks writes to the run
tables while they build (about a minute per index for 10,000,000 task runs).

Revision ID: 0011_scale_indexes
Revises: 0010_heartbeats
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0011_scale_indexes"
down_revision = "0010_heartbeats"
branch_labels = None
depends_on = None

# (old index, its columns), (new index, its columns): the new one begins with the old one
REPLACED = [
    (
        ("ix_flow_run__state_type", "flow_run", ["state_type"]),
        ("ix_flow_run__state_type_expected_start_time", ["state_type", "expected_start_time"]),
    ),
    (
        ("ix_task_run__state_type", "task_run", ["state_type"]),
        ("ix_task_run__state_type_expected_start_time", ["state_type", "expected_start_time"]),
    ),
    (
        ("ix_flow_run__deployment_id_state_type", "flow_run", ["deployment_id", "state_type"]),
        (
            "ix_flow_run__deployment_id_state_type_expected_start_time",
            ["deployment_id", "state_type", "expected_start_time"],
        ),
    ),
]

_NEWEST = "expected_start_time DESC NULLS LAST, id DESC"
PG_INDEXES = {
    "ix_pg_sort_flow_run_state_type_expected_desc": f"flow_run (state_type, {_NEWEST})",
    "ix_pg_sort_flow_run_state_name_expected_desc": f"flow_run (state_name, {_NEWEST})",
    "ix_pg_sort_flow_run_deployment_id_expected_desc": f"flow_run (deployment_id, {_NEWEST})",
    "ix_pg_sort_task_run_expected_start_time_desc": f"task_run ({_NEWEST})",
    "ix_pg_sort_task_run_end_time_desc": "task_run (end_time DESC NULLS LAST, id DESC)",
    "ix_pg_sort_task_run_state_type_expected_desc": f"task_run (state_type, {_NEWEST})",
}


def upgrade() -> None:
    for (old, table, _old_columns), (new, columns) in REPLACED:
        op.create_index(new, table, columns)
        op.drop_index(old, table_name=table)
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, target in PG_INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in PG_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
    for (old, table, old_columns), (new, _columns) in REPLACED:
        op.create_index(old, table, old_columns)
        op.drop_index(new, table_name=table)
