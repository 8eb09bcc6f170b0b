"""ORM tables: Concurrency limits: v1 (by tag) and v2 (global, with leases)."""

from __future__ import annotations

from prefect_server.database.orm import Base  # noqa: F401
