"""Block filter bodies (`prefect.schemas.blocks`) turned into SQL.

A request's relation filters narrow each other: block types "with a schema that has
these capabilities", documents "whose type has this slug", and so on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from prefect.schemas import blocks as b
from sqlalchemy.sql.elements import ColumnElement

from prefect_server.database import orm_blocks

Condition = ColumnElement[bool]


def _combine(operator: str, conditions: Sequence[Condition]) -> Condition:
    if not conditions:
        return sa.true()
    if len(conditions) == 1:
        return conditions[0]
    return sa.and_(*conditions) if operator == "and_" else sa.or_(*conditions)


def _literal_like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _json_has_all(col: Any, values: list[str], dialect: str) -> list[Condition]:
    """The JSON list column holds every one of `values`."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import JSONB

        contains: Condition = sa.type_coerce(col, JSONB).contains(values)
        return [contains]
    out: list[Condition] = []
    for value in values:
        elements = sa.func.json_each(col).table_valued("value")
        out.append(sa.exists(sa.select(1).select_from(elements).where(elements.c.value == value)))
    return out


def block_type_condition(flt: b.BlockTypeFilter | None) -> Condition:
    if flt is None:
        return sa.true()
    t = orm_blocks.BlockType
    out: list[Condition] = []
    if flt.name is not None and flt.name.like_ is not None:
        out.append(t.name.ilike(_literal_like(flt.name.like_), escape="\\"))
    if flt.slug is not None and flt.slug.any_ is not None:
        out.append(t.slug.in_(flt.slug.any_))
    return _combine("and_", out)


def block_schema_condition(flt: b.BlockSchemaFilter | None, dialect: str) -> Condition:
    if flt is None:
        return sa.true()
    t = orm_blocks.BlockSchema
    out: list[Condition] = []
    if flt.block_type_id is not None and flt.block_type_id.any_ is not None:
        out.append(t.block_type_id.in_(flt.block_type_id.any_))
    if flt.block_capabilities is not None and flt.block_capabilities.all_ is not None:
        out.extend(_json_has_all(t.capabilities, flt.block_capabilities.all_, dialect))
    if flt.id is not None and flt.id.any_ is not None:
        out.append(t.id.in_(flt.id.any_))
    if flt.version is not None and flt.version.any_ is not None:
        out.append(t.version.in_(flt.version.any_))
    return _combine(flt.operator, out)


def block_document_condition(flt: b.BlockDocumentFilter) -> Condition:
    t = orm_blocks.BlockDocument
    out: list[Condition] = []
    if flt.id is not None and flt.id.any_ is not None:
        out.append(t.id.in_(flt.id.any_))
    if flt.is_anonymous is not None and flt.is_anonymous.eq_ is not None:
        out.append(t.is_anonymous.is_(flt.is_anonymous.eq_))
    if flt.block_type_id is not None and flt.block_type_id.any_ is not None:
        out.append(t.block_type_id.in_(flt.block_type_id.any_))
    if flt.name is not None:
        if flt.name.any_ is not None:
            out.append(t.name.in_(flt.name.any_))
        if flt.name.like_ is not None:
            # wildcards pass through, as Prefect documents for block document names
            out.append(t.name.ilike(f"%{flt.name.like_}%"))
    return _combine(flt.operator, out)


def block_types_where(body: b.BlockTypeFilterRequest, dialect: str) -> list[Condition]:
    out = [block_type_condition(body.block_types)]
    if body.block_schemas is not None:
        s = orm_blocks.BlockSchema
        out.append(
            sa.exists(
                sa.select(1).where(
                    s.block_type_id == orm_blocks.BlockType.id,
                    block_schema_condition(body.block_schemas, dialect),
                )
            )
        )
    return out


def block_schemas_where(body: b.BlockSchemaFilterRequest, dialect: str) -> list[Condition]:
    return [block_schema_condition(body.block_schemas, dialect)]


def block_documents_where(
    body: b.BlockDocumentFilterRequest | b.BlockDocumentCountRequest, dialect: str
) -> list[Condition]:
    d = orm_blocks.BlockDocument
    # no document filter at all still leaves anonymous documents out, as in Prefect
    documents = body.block_documents or b.BlockDocumentFilter()
    out = [block_document_condition(documents)]
    type_filters = [block_type_condition(body.block_types)] if body.block_types else []
    slug = getattr(body, "block_schema_type", None)
    if slug is not None:
        type_filters.append(orm_blocks.BlockType.slug == slug)
    if type_filters:
        out.append(d.block_type_id.in_(sa.select(orm_blocks.BlockType.id).where(*type_filters)))
    if body.block_schemas is not None:
        out.append(
            d.block_schema_id.in_(
                sa.select(orm_blocks.BlockSchema.id).where(
                    block_schema_condition(body.block_schemas, dialect)
                )
            )
        )
    return out


def block_document_order(sort: b.BlockDocumentSort) -> list[Any]:
    d = orm_blocks.BlockDocument
    if sort == b.BlockDocumentSort.NAME_DESC:
        return [d.name.desc(), d.id.desc()]
    if sort == b.BlockDocumentSort.BLOCK_TYPE_AND_NAME_ASC:
        type_name = (
            sa.select(orm_blocks.BlockType.name)
            .where(orm_blocks.BlockType.id == d.block_type_id)
            .scalar_subquery()
        )
        return [type_name.asc(), d.name.asc(), d.id.asc()]
    return [d.name.asc(), d.id.asc()]
