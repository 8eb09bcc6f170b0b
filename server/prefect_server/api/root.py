"""Health, readiness and version routes."""

from __future__ import annotations

import prefect
import sqlalchemy as sa
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from prefect_server.api.dependencies import get_db
from prefect_server.database.engine import Database

# The REST API version Prefect 3 clients expect to talk to.
API_VERSION = "0.8.4"

router = APIRouter(tags=["Root"])


@router.get("/health")
async def health() -> bool:
    return True


@router.get("/version")
async def version() -> str:
    return API_VERSION


@router.get("/admin/version")
async def server_version() -> str:
    # Prefect 3 clients check this for a major version of 3 (e.g. its events clients)
    return prefect.PREFECT_COMPATIBLE_VERSION


@router.get("/ready")
async def ready(db: Database = Depends(get_db)) -> JSONResponse:
    """200 when the store answers a query, else 503 saying why (for load balancers)."""
    try:
        async with db.read() as session:
            await session.execute(sa.text("SELECT 1"))
    except Exception as exc:  # any failure to reach the store means "not ready"
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return JSONResponse(
            status_code=503,
            content={"message": "Database is not available", "detail": reason},
        )
    return JSONResponse(status_code=200, content={"message": "OK"})
