"""Bringing a store to the newest schema, cheaply when it is already there.

Every flow process opens the embedded store, so the common case (already migrated) costs
one `SELECT` and never imports alembic. When a migration is needed, it runs inside a write
transaction that holds the store's lock (BEGIN IMMEDIATE on SQLite, an advisory lock on
PostgreSQL), so processes starting together on a fresh store migrate it once.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from prefect_server.database.engine import Database
from prefect_server.database.migrations import HEAD

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# any constant works; it only has to be the same in every process
_PG_LOCK_KEY = 0x7072_6566_6563


async def current_revision(db: Database) -> str | None:
    """The store's alembic revision, or None for a store never migrated.

    Connection errors propagate: an unreachable store is not an empty one.
    """
    async with db.engine.connect() as conn:
        try:
            result = await conn.execute(sa.text("SELECT version_num FROM alembic_version"))
        except sa.exc.DBAPIError:
            return None
        return result.scalar()


def alembic_config(connection: sa.Connection) -> object:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: sa.Connection) -> None:
    from alembic import command

    command.upgrade(alembic_config(connection), "head")  # type: ignore[arg-type]


async def migrate(db: Database) -> bool:
    """Apply pending migrations; True when something was applied."""
    if await current_revision(db) == HEAD:
        return False
    async with db.write_engine.connect() as conn, conn.begin():
        if db.dialect == "postgresql":
            await conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
        # another process may have migrated while we waited for the lock
        if await _revision_in(conn) == HEAD:
            return False
        await conn.run_sync(_upgrade)
    return True


async def _revision_in(conn: AsyncConnection) -> str | None:
    has_table = await conn.run_sync(lambda c: sa.inspect(c).has_table("alembic_version"))
    if not has_table:
        return None
    result = await conn.execute(sa.text("SELECT version_num FROM alembic_version"))
    return result.scalar()
