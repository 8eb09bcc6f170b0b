"""What routes need from the app: the open store, and 404s with a reason."""

from __future__ import annotations

from typing import NoReturn

from fastapi import HTTPException, Request

from prefect_server.database.engine import Database


async def get_db(request: Request) -> Database:
    # async, so that FastAPI calls it on the loop: a plain function dependency is run on
    # a worker thread, a thread hand-off on every request of every route
    db: Database | None = getattr(request.app.state, "database", None)
    if db is None:
        raise RuntimeError("the store is not open: run the app's lifespan or open_embedded_app()")
    return db


def not_found(what: str) -> NoReturn:
    raise HTTPException(status_code=404, detail=f"{what} not found")
