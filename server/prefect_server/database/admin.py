"""Store administration for `prefect server database reset|upgrade`."""

from __future__ import annotations

import sqlalchemy as sa

from prefect_server.database.engine import Database
from prefect_server.database.migrate import migrate
from prefect_server.database.orm import Base


def _url(url: str | None) -> str:
    if url is not None:
        return url
    from prefect.settings import get_current_settings

    return get_current_settings().server_database_connection_url


async def upgrade_database(url: str | None = None) -> bool:
    """Apply pending migrations; True when any were applied."""
    db = Database(_url(url))
    try:
        return await migrate(db)
    finally:
        await db.dispose()


async def reset_database(url: str | None = None) -> None:
    """Drop every table of the store (all data) and migrate it again from scratch."""
    db = Database(_url(url))
    try:
        async with db.write_engine.begin() as conn:
            await conn.run_sync(Base.metadata.drop_all)
            await conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        await migrate(db)
    finally:
        await db.dispose()
