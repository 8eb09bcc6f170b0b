"""ORM tables: Variables and artifacts."""

from __future__ import annotations

from prefect_server.database.orm import Base  # noqa: F401
