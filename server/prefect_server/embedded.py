"""The embedded store: the API app in-process, for the SDK and the console.

    async with open_embedded_app() as app:
        transport = httpx.ASGITransport(app=app)

Core finds this through the `prefect.embedded_store` entry point (name `default`), so it
never imports the server. The app is ready when yielded (schema migrated, engine open);
no ASGI lifespan has to run.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from prefect_server.app import build_app, database_timeout_from, database_url_from, open_database


@contextlib.asynccontextmanager
async def open_embedded_app(database_url: str | None = None) -> AsyncIterator[FastAPI]:
    """Yield a ready ASGI app on `database_url` (default: the configured store)."""
    url = database_url or database_url_from(None)
    db = await open_database(url, timeout=database_timeout_from(None))
    try:
        yield build_app(db)
    finally:
        await db.dispose()
