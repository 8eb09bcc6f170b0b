"""Block schemas: idempotent create by checksum and version, read, filter, delete.

The checksum is computed here from the fields (`prefect.schemas.blocks.
block_schema_checksum`, the same as Prefect's), never taken from the client. Fields are
stored as sent; nested block schemas listed in `block_schema_references` must name
block types that exist.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from prefect.schemas.blocks import (
    BlockSchema,
    BlockSchemaCreate,
    BlockSchemaFilterRequest,
    block_schema_checksum,
)
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database import filters_blocks, orm_blocks
from prefect_server.database.dialects import dialect_of
from prefect_server.models.block_types import BlockTypeProtected, read_block_type_by_slug


class MissingBlockType(Exception):
    """A nested block schema names a block type that is not registered."""


def to_wire(row: orm_blocks.BlockSchema) -> BlockSchema:
    schema = BlockSchema.model_validate(row, from_attributes=True)
    # Prefect always answers with the references key, empty for a schema with no nesting
    schema.fields.setdefault("block_schema_references", {})
    return schema


def _referenced_slugs(fields: dict[str, Any]) -> list[str]:
    references = fields.get("block_schema_references")
    if not isinstance(references, dict):
        return []
    slugs: list[str] = []
    for entry in references.values():
        for item in entry if isinstance(entry, list) else [entry]:
            if isinstance(item, dict) and isinstance(item.get("block_type_slug"), str):
                slugs.append(item["block_type_slug"])
    return slugs


async def read_block_schema(
    session: AsyncSession, block_schema_id: uuid.UUID
) -> orm_blocks.BlockSchema | None:
    return await session.get(orm_blocks.BlockSchema, block_schema_id)


async def read_block_schema_by_checksum(
    session: AsyncSession, checksum: str, version: str | None = None
) -> orm_blocks.BlockSchema | None:
    """The schema with `checksum` (and `version`); without a version, the newest."""
    t = orm_blocks.BlockSchema
    stmt = sa.select(t).where(t.checksum == checksum)
    if version is not None:
        stmt = stmt.where(t.version == version)
    stmt = stmt.order_by(t.created.desc(), t.id.desc()).limit(1)
    return (await session.execute(stmt)).scalar_one_or_none()


async def create_block_schema(
    session: AsyncSession, block_schema: BlockSchemaCreate
) -> tuple[orm_blocks.BlockSchema, bool]:
    """The schema with these fields and version, created unless it exists; True if created.

    The block type must exist (the caller checks it, to answer 404).
    """
    checksum = block_schema_checksum(block_schema.fields)
    existing = await read_block_schema_by_checksum(session, checksum, block_schema.version)
    if existing is not None:
        return existing, False
    for slug in _referenced_slugs(block_schema.fields):
        if await read_block_type_by_slug(session, slug) is None:
            raise MissingBlockType(
                f"Cannot create block schema because block type {slug!r} was not found. "
                "Did you forget to register the block type?"
            )
    row = orm_blocks.BlockSchema(
        id=uuid.uuid4(),
        checksum=checksum,
        fields=block_schema.fields,
        capabilities=block_schema.capabilities,
        version=block_schema.version,
        block_type_id=block_schema.block_type_id,
    )
    session.add(row)
    await session.flush()
    await session.refresh(row, attribute_names=["block_type"])
    return row, True


async def read_block_schemas(
    session: AsyncSession, body: BlockSchemaFilterRequest
) -> list[orm_blocks.BlockSchema]:
    t = orm_blocks.BlockSchema
    stmt = (
        sa.select(t)
        .where(*filters_blocks.block_schemas_where(body, dialect_of(session)))
        .order_by(t.created.desc(), t.id.desc())
        .offset(body.offset)
        .limit(body.limit)
    )
    return list((await session.execute(stmt)).scalars())


async def delete_block_schema(session: AsyncSession, block_schema_id: uuid.UUID) -> bool:
    """Delete the schema and the documents written for it; False if unknown."""
    row = await read_block_schema(session, block_schema_id)
    if row is None:
        return False
    if row.block_type.is_protected:
        raise BlockTypeProtected("Block schemas for protected block types cannot be deleted.")
    await session.execute(
        sa.delete(orm_blocks.BlockSchema).where(orm_blocks.BlockSchema.id == block_schema_id),
        execution_options={"synchronize_session": False},
    )
    return True


async def read_block_capabilities(session: AsyncSession) -> list[str]:
    """Every capability some stored schema declares, sorted."""
    rows = (await session.execute(sa.select(orm_blocks.BlockSchema.capabilities))).scalars()
    found = {c for capabilities in rows for c in capabilities or [] if isinstance(c, str)}
    return sorted(found)
