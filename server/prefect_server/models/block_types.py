"""Block types: create (unique slug), read by id or slug, filter, update, delete.

Protected block types are the built-in ones, registered through `create_block_type(...,
is_protected=True)` by the server itself; the API cannot change or delete them.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from prefect.schemas.blocks import (
    BlockType,
    BlockTypeCreate,
    BlockTypeFilterRequest,
    BlockTypeUpdate,
)
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database import filters_blocks, orm_blocks
from prefect_server.database.dialects import dialect_of


class BlockTypeProtected(Exception):
    """A change to a protected block type; the message is the API's reason."""


def to_wire(row: orm_blocks.BlockType) -> BlockType:
    return BlockType.model_validate(row, from_attributes=True)


async def read_block_type(
    session: AsyncSession, block_type_id: uuid.UUID
) -> orm_blocks.BlockType | None:
    return await session.get(orm_blocks.BlockType, block_type_id)


async def read_block_type_by_slug(session: AsyncSession, slug: str) -> orm_blocks.BlockType | None:
    stmt = sa.select(orm_blocks.BlockType).where(orm_blocks.BlockType.slug == slug)
    return (await session.execute(stmt)).scalar_one_or_none()


async def create_block_type(
    session: AsyncSession, block_type: BlockTypeCreate, *, is_protected: bool = False
) -> orm_blocks.BlockType | None:
    """The new block type, or None when its slug is taken."""
    if await read_block_type_by_slug(session, block_type.slug) is not None:
        return None
    row = orm_blocks.BlockType(
        id=uuid.uuid4(), is_protected=is_protected, **block_type.model_dump()
    )
    session.add(row)
    await session.flush()
    return row


async def read_block_types(
    session: AsyncSession, body: BlockTypeFilterRequest
) -> list[orm_blocks.BlockType]:
    t = orm_blocks.BlockType
    stmt = (
        sa.select(t)
        .where(*filters_blocks.block_types_where(body, dialect_of(session)))
        .order_by(t.name.asc(), t.id.asc())
        .offset(body.offset)
        .limit(body.limit)
    )
    return list((await session.execute(stmt)).scalars())


def _changes(row: orm_blocks.BlockType, update: BlockTypeUpdate) -> dict[str, Any]:
    wanted = update.model_dump(exclude_unset=True)
    return {key: value for key, value in wanted.items() if getattr(row, key) != value}


async def update_block_type(
    session: AsyncSession, block_type_id: uuid.UUID, update: BlockTypeUpdate
) -> bool:
    """Apply the fields sent; False if unknown.

    An update that changes nothing is accepted even for a protected type: clients
    re-register their block types at every start, and most of those calls are no-ops.
    """
    row = await read_block_type(session, block_type_id)
    if row is None:
        return False
    changes = _changes(row, update)
    if not changes:
        return True
    if row.is_protected:
        raise BlockTypeProtected("protected block types cannot be updated.")
    for key, value in changes.items():
        setattr(row, key, value)
    await session.flush()
    return True


async def delete_block_type(session: AsyncSession, block_type_id: uuid.UUID) -> bool:
    """Delete the type with its schemas and documents; False if unknown."""
    row = await read_block_type(session, block_type_id)
    if row is None:
        return False
    if row.is_protected:
        raise BlockTypeProtected("protected block types cannot be deleted.")
    await session.execute(
        sa.delete(orm_blocks.BlockType).where(orm_blocks.BlockType.id == block_type_id),
        execution_options={"synchronize_session": False},
    )
    return True
