"""Variables: create with a unique name, read by id or name, filter, update, delete."""

from __future__ import annotations

import uuid
from typing import Any, cast

import sqlalchemy as sa
from prefect.schemas.filters import TagsFilter
from prefect.schemas.variables import (
    VariableCountRequest,
    VariableCreate,
    VariableFilter,
    VariableFilterRequest,
    VariableSort,
    VariableUpdate,
)
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database.dialects import dialect_of
from prefect_server.database.filters import Condition, _combine, _tags
from prefect_server.database.orm_variables import Variable


class VariableNameTaken(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(f"A variable named {name!r} already exists")


async def _name_taken(session: AsyncSession, name: str, other_than: uuid.UUID | None) -> bool:
    stmt = sa.select(Variable.id).where(Variable.name == name)
    if other_than is not None:
        stmt = stmt.where(Variable.id != other_than)
    return (await session.execute(stmt.limit(1))).first() is not None


async def create_variable(session: AsyncSession, variable: VariableCreate) -> Variable:
    """The new variable; `VariableNameTaken` when the name is in use.

    The unique constraint still guards a concurrent create of the same name: the loser's
    IntegrityError is turned into the same 409 by the route.
    """
    if await _name_taken(session, variable.name, None):
        raise VariableNameTaken(variable.name)
    row = Variable(id=uuid.uuid4(), name=variable.name, value=variable.value, tags=variable.tags)
    session.add(row)
    await session.flush()
    return row


async def read_variable(session: AsyncSession, variable_id: uuid.UUID) -> Variable | None:
    return await session.get(Variable, variable_id)


async def read_variable_by_name(session: AsyncSession, name: str) -> Variable | None:
    result = await session.execute(sa.select(Variable).where(Variable.name == name))
    return result.scalar_one_or_none()


def _like(col: Any, pattern: str) -> Condition:
    # Prefect lets `%` and `_` through as wildcards; a backslash is taken literally
    escaped = pattern.replace("\\", "\\\\")
    condition: Condition = col.ilike(f"%{escaped}%", escape="\\")
    return condition


def variable_condition(flt: VariableFilter | None, dialect: str) -> Condition:
    if flt is None:
        return sa.true()
    t = Variable
    out: list[Condition] = []
    if flt.id is not None and flt.id.any_ is not None:
        out.append(t.id.in_(flt.id.any_))
    if flt.name is not None:
        if flt.name.any_ is not None:
            out.append(t.name.in_(flt.name.any_))
        if flt.name.like_ is not None:
            out.append(_like(t.name, flt.name.like_))
    if flt.tags is not None:
        tags = _tags(t.tags, TagsFilter(all_=flt.tags.all_, is_null_=flt.tags.is_null_), dialect)
        if tags:
            out.append(_combine(flt.tags.operator, tags))
    return _combine(flt.operator, out)


def _order(sort: VariableSort) -> list[Any]:
    t = Variable
    by: dict[VariableSort, list[Any]] = {
        VariableSort.CREATED_DESC: [t.created.desc()],
        VariableSort.UPDATED_DESC: [t.updated.desc()],
        VariableSort.NAME_DESC: [t.name.desc()],
        VariableSort.NAME_ASC: [t.name.asc()],
    }
    return [*by[sort], t.id.desc()]


async def read_variables(session: AsyncSession, body: VariableFilterRequest) -> list[Variable]:
    stmt = (
        sa.select(Variable)
        .where(variable_condition(body.variables, dialect_of(session)))
        .order_by(*_order(body.sort))
        .offset(body.offset)
        .limit(body.limit)
    )
    return list((await session.execute(stmt)).scalars())


async def count_variables(session: AsyncSession, body: VariableCountRequest) -> int:
    stmt = (
        sa.select(sa.func.count())
        .select_from(Variable)
        .where(variable_condition(body.variables, dialect_of(session)))
    )
    return int((await session.execute(stmt)).scalar_one())


async def update_variable(session: AsyncSession, row: Variable, update: VariableUpdate) -> None:
    """Apply the fields sent in `update`; `VariableNameTaken` for a rename onto another's name.

    A null name or tags leaves them as they are; a null value sets the value to null.
    """
    changes = update.model_dump(exclude_unset=True)
    new_name = changes.get("name")
    if (
        new_name is not None
        and new_name != row.name
        and await _name_taken(session, new_name, row.id)
    ):
        raise VariableNameTaken(new_name)
    for key, value in changes.items():
        if value is None and key != "value":
            continue
        setattr(row, key, value)
    await session.flush()


async def delete_variable(session: AsyncSession, variable_id: uuid.UUID) -> bool:
    stmt = sa.delete(Variable).where(Variable.id == variable_id)
    result = cast(CursorResult[Any], await session.execute(stmt))
    return bool(result.rowcount)
