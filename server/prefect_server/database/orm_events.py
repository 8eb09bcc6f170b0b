"""ORM tables: Events and the resources they name."""

from __future__ import annotations

from prefect_server.database.orm import Base  # noqa: F401
