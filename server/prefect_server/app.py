"""The ASGI app: `create_app()` for uvicorn, with the store opened by its lifespan."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import prefect
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError

from prefect_server.api import (
    artifacts,
    blocks,
    concurrency_limits,
    deployments,
    events,
    flow_runs,
    flows,
    logs,
    root,
    states,
    task_runs,
    variables,
    work_pools,
)
from prefect_server.api.hot_routes import HotRoutes
from prefect_server.database.engine import Database
from prefect_server.database.migrate import migrate

if TYPE_CHECKING:
    from prefect.settings import Settings


def database_url_from(settings: Settings | None) -> str:
    if settings is None:
        from prefect.settings import get_current_settings

        settings = get_current_settings()
    return settings.server_database_connection_url


def database_timeout_from(settings: Settings | None) -> float:
    if settings is None:
        from prefect.settings import get_current_settings

        settings = get_current_settings()
    return settings.server_database_timeout


async def open_database(url: str, *, timeout: float = 10.0) -> Database:
    """An engine on `url` with the schema brought up to date."""
    db = Database(url, timeout=timeout)
    try:
        await migrate(db)
    except BaseException:
        await db.dispose()
        raise
    return db


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    # a constraint the request broke (e.g. a task run reported for an unknown flow run)
    reason = str(getattr(exc, "orig", exc)).splitlines()[0]
    return JSONResponse(
        status_code=409, content={"detail": f"Conflicts with stored data: {reason}"}
    )


def _sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a database error (asyncpg keeps it on the driver's exception)."""
    seen: BaseException | None = exc
    while seen is not None:
        code = getattr(seen, "sqlstate", None)
        if isinstance(code, str):
            return code
        seen = getattr(seen, "orig", None) or seen.__cause__
    return None


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    # class 22 is "data exception": a value the database cannot hold (a NUL character, a
    # number out of range), so the request's fault and a 422 with the reason, not a 500
    code = _sqlstate(exc)
    if code is None or not code.startswith("22"):
        raise exc
    reason = str(getattr(exc, "orig", exc)).splitlines()[0]
    return JSONResponse(status_code=422, content={"detail": f"Value cannot be stored: {reason}"})


async def _overflow(request: Request, exc: Exception) -> JSONResponse:
    # a number too large for the database or for a date (found by fuzzing the API)
    return JSONResponse(status_code=422, content={"detail": f"Value out of range: {exc}"})


def build_app(database: Database | None = None) -> FastAPI:
    """The app with its routes; `database` is the open store (else the lifespan opens one)."""
    # the schema and the docs live under /api, beside the routes they describe, as in Prefect
    app = FastAPI(
        title="Prefect API",
        version=prefect.__version__,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.database = database
    for router in (
        root.router,
        flows.router,
        flow_runs.router,
        task_runs.router,
        states.flow_run_states,
        states.task_run_states,
        logs.router,
        *work_pools.routers,
        *deployments.routers,
        *blocks.routers,
        *variables.routers,
        *artifacts.routers,
        *concurrency_limits.routers,
        *events.routers,
    ):
        app.include_router(router, prefix="/api")
    # before the routing: the hottest write skips it (see `hot_routes`)
    app.add_middleware(HotRoutes)
    app.add_exception_handler(IntegrityError, _integrity_error)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            from prefect_server.api.bulk import add_bulk_schemas

            app.openapi_schema = add_bulk_schemas(
                get_openapi(title=app.title, version=app.version, routes=app.routes)
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(OverflowError, _overflow)
    return app


def create_app(settings: Settings | None = None, *, database_url: str | None = None) -> FastAPI:
    """The API server app; its lifespan migrates and opens the store, and closes it.

    The store is `database_url`, else the settings' `server_database_connection_url`.
    """
    url = database_url or database_url_from(settings)
    timeout = database_timeout_from(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.database is not None:
            yield
            return
        app.state.database = await open_database(url, timeout=timeout)
        try:
            yield
        finally:
            await app.state.database.dispose()
            app.state.database = None

    app = build_app()
    app.router.lifespan_context = lifespan
    return app
