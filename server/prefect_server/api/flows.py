"""/flows routes."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Body, Depends, Response, status
from prefect.schemas.actions import FlowCreate
from prefect.schemas.filters import CountRequest, FlowFilterRequest
from prefect.schemas.objects import Flow

from prefect_server.api import convert
from prefect_server.api.dependencies import get_db, not_found
from prefect_server.database.engine import Database
from prefect_server.models import flows as models

router = APIRouter(prefix="/flows", tags=["Flows"])


@router.post("/", status_code=status.HTTP_201_CREATED)
async def create_flow(flow: FlowCreate, response: Response, db: Database = Depends(get_db)) -> Flow:
    async with db.write() as session:
        row, created = await models.create_flow(session, flow)
    if not created:
        response.status_code = status.HTTP_200_OK
    return convert.flow(row)


@router.get("/{id}")
async def read_flow(id: uuid.UUID, db: Database = Depends(get_db)) -> Flow:
    async with db.read() as session:
        row = await models.read_flow(session, id)
    if row is None:
        not_found("Flow")
    return convert.flow(row)


@router.post("/filter")
async def read_flows(
    body: FlowFilterRequest = Body(default_factory=FlowFilterRequest),
    db: Database = Depends(get_db),
) -> list[Flow]:
    async with db.read() as session:
        rows = await models.read_flows(session, body)
    return [convert.flow(row) for row in rows]


@router.post("/count")
async def count_flows(
    body: CountRequest = Body(default_factory=CountRequest), db: Database = Depends(get_db)
) -> int:
    async with db.read() as session:
        return await models.count_flows(session, body)
