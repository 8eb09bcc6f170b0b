"""ORM tables: Block types, block schemas and block documents."""

from __future__ import annotations

from prefect_server.database.orm import Base  # noqa: F401
