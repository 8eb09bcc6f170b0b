"""/flows routes."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Body, Depends, Response, status
from prefect.schemas.actions import FlowCreate, FlowUpdate
from prefect.schemas.filters import CountRequest, FlowFilterRequest, FlowPaginateRequest
from prefect.schemas.objects import Flow
from prefect.schemas.responses import FlowPaginationResponse

from prefect_server.api import convert
from prefect_server.api.dependencies import get_db, not_found
from prefect_server.api.pagination import page_count, page_request
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


# `:path`, so that a flow name holding "/" is still found
@router.get("/name/{name:path}")
async def read_flow_by_name(name: str, db: Database = Depends(get_db)) -> Flow:
    async with db.read() as session:
        row = await models.get_flow_by_name(session, name)
    if row is None:
        not_found("Flow")
    return convert.flow(row)


@router.patch("/{id}", status_code=status.HTTP_204_NO_CONTENT)
async def update_flow(id: uuid.UUID, flow: FlowUpdate, db: Database = Depends(get_db)) -> None:
    async with db.write() as session:
        found = await models.update_flow(session, id, flow)
    if not found:
        not_found("Flow")


@router.delete("/{id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_flow(id: uuid.UUID, db: Database = Depends(get_db)) -> None:
    async with db.write() as session:
        found = await models.delete_flow(session, id)
    if not found:
        not_found("Flow")


@router.post("/paginate")
async def paginate_flows(
    body: FlowPaginateRequest = Body(default_factory=FlowPaginateRequest),
    db: Database = Depends(get_db),
) -> FlowPaginationResponse:
    request = page_request(body, FlowFilterRequest)
    async with db.read() as session:
        count = await models.count_flows(session, request)
        rows = await models.read_flows(session, request)
    return FlowPaginationResponse(
        results=[convert.flow(row) for row in rows],
        count=count,
        limit=body.limit,
        pages=page_count(count, body.limit),
        page=body.page,
    )
