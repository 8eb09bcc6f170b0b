"""What routes need from the app: the open store, and 404s with a reason."""

from __future__ import annotations

from typing import NoReturn

from fastapi import HTTPException, Request

from prefect_server.database.engine import Database


def get_db(request: Request) -> Database:
    db: Database | None = getattr(request.app.state, "database", None)
    if db is None:
        raise RuntimeError("the store is not open: run the app's lifespan or open_embedded_app()")
    return db


def not_found(what: str) -> NoReturn:
    raise HTTPException(status_code=404, detail=f"{what} not found")
