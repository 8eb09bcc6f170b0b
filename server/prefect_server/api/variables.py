"""Routes: Variables, by id and by name."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Body, Depends, HTTPException, status
from prefect.schemas.variables import (
    Variable,
    VariableCountRequest,
    VariableCreate,
    VariableFilterRequest,
    VariableUpdate,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.api.dependencies import get_db, not_found
from prefect_server.database import orm_variables
from prefect_server.database.engine import Database
from prefect_server.models import variables as models

router = APIRouter(prefix="/variables", tags=["Variables"])


def _out(row: orm_variables.Variable) -> Variable:
    return Variable.model_validate(row, from_attributes=True)


@asynccontextmanager
async def _writing(db: Database, name: str | None) -> AsyncIterator[AsyncSession]:
    """A write transaction in which a taken name becomes a 409."""
    try:
        async with db.write() as session:
            yield session
    except models.VariableNameTaken as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    except IntegrityError:
        # a concurrent request took the name between our check and our write
        raise HTTPException(
            status_code=409, detail=str(models.VariableNameTaken(name or ""))
        ) from None


@router.post("/", status_code=status.HTTP_201_CREATED)
async def create_variable(variable: VariableCreate, db: Database = Depends(get_db)) -> Variable:
    async with _writing(db, variable.name) as session:
        row = await models.create_variable(session, variable)
    return _out(row)


@router.post("/filter")
async def read_variables(
    body: VariableFilterRequest = Body(default_factory=VariableFilterRequest),
    db: Database = Depends(get_db),
) -> list[Variable]:
    async with db.read() as session:
        rows = await models.read_variables(session, body)
    return [_out(row) for row in rows]


@router.post("/count")
async def count_variables(
    body: VariableCountRequest = Body(default_factory=VariableCountRequest),
    db: Database = Depends(get_db),
) -> int:
    async with db.read() as session:
        return await models.count_variables(session, body)


@router.get("/{id}")
async def read_variable(id: uuid.UUID, db: Database = Depends(get_db)) -> Variable:
    async with db.read() as session:
        row = await models.read_variable(session, id)
    if row is None:
        not_found("Variable")
    return _out(row)


@router.patch("/{id}", status_code=status.HTTP_204_NO_CONTENT)
async def update_variable(
    id: uuid.UUID, variable: VariableUpdate, db: Database = Depends(get_db)
) -> None:
    async with _writing(db, variable.name) as session:
        row = await models.read_variable(session, id)
        if row is None:
            not_found("Variable")
        await models.update_variable(session, row, variable)


@router.delete("/{id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_variable(id: uuid.UUID, db: Database = Depends(get_db)) -> None:
    async with db.write() as session:
        found = await models.delete_variable(session, id)
    if not found:
        not_found("Variable")


# `:path`, so that a name holding "/" is answered "Variable not found" like any other
@router.get("/name/{name:path}")
async def read_variable_by_name(name: str, db: Database = Depends(get_db)) -> Variable:
    async with db.read() as session:
        row = await models.read_variable_by_name(session, name)
    if row is None:
        not_found("Variable")
    return _out(row)


@router.patch("/name/{name:path}", status_code=status.HTTP_204_NO_CONTENT)
async def update_variable_by_name(
    name: str, variable: VariableUpdate, db: Database = Depends(get_db)
) -> None:
    async with _writing(db, variable.name) as session:
        row = await models.read_variable_by_name(session, name)
        if row is None:
            not_found("Variable")
        await models.update_variable(session, row, variable)


@router.delete("/name/{name:path}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_variable_by_name(name: str, db: Database = Depends(get_db)) -> None:
    async with db.write() as session:
        row = await models.read_variable_by_name(session, name)
        if row is None:
            not_found("Variable")
        await session.delete(row)


# every router here is mounted under /api by `prefect_server.app`
routers: list[APIRouter] = [router]
