"""ORM tables: Work pools, their queues and the workers that poll them."""

from __future__ import annotations

from prefect_server.database.orm import Base  # noqa: F401
