"""Alembic environment: runs on a connection handed over by `prefect_server.database.migrate`."""

from __future__ import annotations

from alembic import context

from prefect_server.database.orm import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things; batch mode rebuilds tables instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
