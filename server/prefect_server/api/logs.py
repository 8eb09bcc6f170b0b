"""/logs routes."""

from __future__ import annotations

from fastapi import APIRouter, Body, Depends, status
from prefect.schemas.actions import LogCreate
from prefect.schemas.filters import LogFilterRequest
from prefect.schemas.objects import Log

from prefect_server.api import convert
from prefect_server.api.bulk import bulk_body, bulk_openapi
from prefect_server.api.dependencies import get_db
from prefect_server.database.engine import Database
from prefect_server.models import logs as models

router = APIRouter(prefix="/logs", tags=["Logs"])


@router.post("/", status_code=status.HTTP_201_CREATED, openapi_extra=bulk_openapi(LogCreate))
async def create_logs(
    logs: list[LogCreate] = Depends(bulk_body(LogCreate)), db: Database = Depends(get_db)
) -> None:
    async with db.write() as session:
        await models.create_logs(session, logs)


@router.post("/filter")
async def read_logs(
    body: LogFilterRequest = Body(default_factory=LogFilterRequest),
    db: Database = Depends(get_db),
) -> list[Log]:
    async with db.read() as session:
        rows = await models.read_logs(session, body)
    return [convert.log(row) for row in rows]
