"""Database administration through the server package (imported only when called)."""

from __future__ import annotations


async def reset_database(url: str) -> None:
    from prefect_server.database import admin

    await admin.reset_database(url)


async def upgrade_database(url: str) -> bool:
    from prefect_server.database import admin

    return bool(await admin.upgrade_database(url))
