"""Database administration through the server package (imported only when called)."""

from __future__ import annotations


async def reset_database(url: str) -> None:
    from prefect_server.database.admin import reset_database as reset

    await reset(url)


async def upgrade_database(url: str) -> bool:
    from prefect_server.database.admin import upgrade_database as upgrade

    return bool(await upgrade(url))
