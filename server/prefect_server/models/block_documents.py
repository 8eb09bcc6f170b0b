"""Block documents: create, read (hydrated, secrets hidden), filter, count, update, delete.

A field of a document's data that holds `{"$ref": {"block_document_id": ...}}` is stored
as a row of `block_document_reference`, not in the data. Reading a document puts the
referenced document's data (hydrated the same way, recursively) back in that field and
describes it in `block_document_references`. Secrets are hidden per document with its
own schema's `secret_fields`, then with the parent's (which may name nested paths).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from prefect._time import now
from prefect.schemas.blocks import (
    BlockDocument,
    BlockDocumentCountRequest,
    BlockDocumentCreate,
    BlockDocumentFilter,
    BlockDocumentFilterRequest,
    BlockDocumentUpdate,
    keep_unchanged_secrets,
    obfuscate_secrets,
    split_references,
)
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database import filters_blocks, orm_blocks
from prefect_server.database.dialects import dialect_of
from prefect_server.models import block_schemas, block_types

Doc = orm_blocks.BlockDocument
Ref = orm_blocks.BlockDocumentReference


class BlockDocumentRejected(Exception):
    """A create or update the API refuses; carries the HTTP status and the reason."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail


# -- reading: load the reference graph, then hydrate -----------------------------------


class _Graph:
    def __init__(self) -> None:
        self.docs: dict[uuid.UUID, Doc] = {}
        self.refs: dict[uuid.UUID, list[tuple[str, uuid.UUID]]] = {}


async def _load_graph(session: AsyncSession, roots: Iterable[Doc]) -> _Graph:
    """The roots and every document they reach through references, one level per query."""
    graph = _Graph()
    frontier = set()
    for row in roots:
        graph.docs[row.id] = row
        frontier.add(row.id)
    while frontier:
        found = await session.execute(
            sa.select(Ref.parent_block_document_id, Ref.name, Ref.reference_block_document_id)
            .where(Ref.parent_block_document_id.in_(frontier))
            .order_by(Ref.name)
        )
        targets: set[uuid.UUID] = set()
        for parent, name, target in found:
            graph.refs.setdefault(parent, []).append((name, target))
            if target not in graph.docs:
                targets.add(target)
        if targets:
            rows = await session.execute(
                sa.select(Doc).where(Doc.id.in_(targets)).execution_options(populate_existing=True)
            )
            for row in rows.scalars():
                graph.docs[row.id] = row
        frontier = targets
    return graph


def _secret_fields(row: Doc) -> list[str]:
    fields = row.block_schema.fields.get("secret_fields", [])
    return [f for f in fields if isinstance(f, str)] if isinstance(fields, list) else []


def _hydrate(
    graph: _Graph, doc_id: uuid.UUID, include_secrets: bool, seen: frozenset[uuid.UUID]
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The document's data with nested documents in place, and its references record."""
    row = graph.docs[doc_id]
    data = dict(row.data)
    references: dict[str, dict[str, Any]] = {}
    for name, target in graph.refs.get(doc_id, []):
        child = graph.docs.get(target)
        if child is None or target in seen:
            continue
        child_data, child_refs = _hydrate(graph, target, include_secrets, seen | {doc_id})
        data[name] = child_data
        references[name] = {
            "block_document": {
                "id": str(child.id),
                "name": child.name,
                "block_type": block_types.to_wire(child.block_type).model_dump(mode="json"),
                "is_anonymous": child.is_anonymous,
                "block_document_references": child_refs,
            }
        }
    if not include_secrets:
        data = obfuscate_secrets(data, _secret_fields(row))
    return data, references


async def to_wire(
    session: AsyncSession, rows: list[Doc], *, include_secrets: bool
) -> list[BlockDocument]:
    graph = await _load_graph(session, rows)
    out = []
    for row in rows:
        data, references = _hydrate(graph, row.id, include_secrets, frozenset())
        out.append(
            BlockDocument(
                id=row.id,
                created=row.created,
                updated=row.updated,
                name=row.name,
                data=data,
                block_schema_id=row.block_schema_id,
                block_schema=block_schemas.to_wire(row.block_schema),
                block_type_id=row.block_type_id,
                block_type_name=row.block_type.name,
                block_type=block_types.to_wire(row.block_type),
                block_document_references=references,
                is_anonymous=row.is_anonymous,
            )
        )
    return out


async def _read_rows(session: AsyncSession, stmt: sa.Select[Any]) -> list[Doc]:
    # populate_existing: rows written earlier in this session get their relations loaded
    result = await session.execute(stmt.execution_options(populate_existing=True))
    return list(result.scalars())


async def read_block_document(
    session: AsyncSession, block_document_id: uuid.UUID, *, include_secrets: bool = False
) -> BlockDocument | None:
    rows = await _read_rows(session, sa.select(Doc).where(Doc.id == block_document_id))
    found = await to_wire(session, rows, include_secrets=include_secrets)
    return found[0] if found else None


async def read_block_document_by_name(
    session: AsyncSession, block_type_slug: str, name: str, *, include_secrets: bool = False
) -> BlockDocument | None:
    stmt = (
        sa.select(Doc)
        .join(orm_blocks.BlockType, orm_blocks.BlockType.id == Doc.block_type_id)
        .where(orm_blocks.BlockType.slug == block_type_slug, Doc.name == name)
    )
    found = await to_wire(session, await _read_rows(session, stmt), include_secrets=include_secrets)
    return found[0] if found else None


async def read_block_documents(
    session: AsyncSession, body: BlockDocumentFilterRequest
) -> list[BlockDocument]:
    stmt = (
        sa.select(Doc)
        .where(*filters_blocks.block_documents_where(body, dialect_of(session)))
        .order_by(*filters_blocks.block_document_order(body.sort))
        .offset(body.offset)
        .limit(body.limit)
    )
    rows = await _read_rows(session, stmt)
    return await to_wire(session, rows, include_secrets=body.include_secrets)


async def count_block_documents(session: AsyncSession, body: BlockDocumentCountRequest) -> int:
    stmt = (
        sa.select(sa.func.count())
        .select_from(Doc)
        .where(*filters_blocks.block_documents_where(body, dialect_of(session)))
    )
    return int((await session.execute(stmt)).scalar_one())


def documents_of_type(
    block_type_id: uuid.UUID, *, include_secrets: bool, offset: int, limit: int | None
) -> BlockDocumentFilterRequest:
    """The filter request of `GET /block_types/slug/{slug}/block_documents`."""
    return BlockDocumentFilterRequest(
        block_documents=BlockDocumentFilter.model_validate(
            {"block_type_id": {"any_": [block_type_id]}}
        ),
        include_secrets=include_secrets,
        offset=offset,
        limit=limit,
    )


# -- writing ----------------------------------------------------------------------------


async def _name_taken(session: AsyncSession, block_type_id: uuid.UUID, name: str) -> bool:
    stmt = sa.select(Doc.id).where(Doc.block_type_id == block_type_id, Doc.name == name)
    return (await session.execute(stmt.limit(1))).first() is not None


async def _reaches(session: AsyncSession, start: uuid.UUID, goal: uuid.UUID) -> bool:
    """Whether `goal` is `start` or nested (at any depth) in it."""
    seen: set[uuid.UUID] = set()
    frontier = {start}
    while frontier:
        if goal in frontier:
            return True
        seen |= frontier
        rows = await session.execute(
            sa.select(Ref.reference_block_document_id).where(
                Ref.parent_block_document_id.in_(frontier)
            )
        )
        frontier = set(rows.scalars()) - seen
    return False


async def _check_references(
    session: AsyncSession, references: dict[str, uuid.UUID], parent: uuid.UUID | None
) -> None:
    for key, target in references.items():
        if await session.get(Doc, target) is None:
            raise BlockDocumentRejected(
                404, f"Block document {target} referenced in key {key} not found"
            )
        if parent is not None and await _reaches(session, target, parent):
            raise BlockDocumentRejected(
                400, f"Block document reference in key {key} would nest the document in itself"
            )


async def _write_references(
    session: AsyncSession, parent: uuid.UUID, references: dict[str, uuid.UUID]
) -> None:
    await session.execute(
        sa.delete(Ref).where(Ref.parent_block_document_id == parent),
        execution_options={"synchronize_session": False},
    )
    for key, target in references.items():
        session.add(
            Ref(
                id=uuid.uuid4(),
                name=key,
                parent_block_document_id=parent,
                reference_block_document_id=target,
            )
        )
    await session.flush()


async def create_block_document(
    session: AsyncSession, create: BlockDocumentCreate
) -> BlockDocument:
    """Store a new document and return it as the API reads it (secrets hidden)."""
    block_type = await block_types.read_block_type(session, create.block_type_id)
    if block_type is None:
        raise BlockDocumentRejected(404, f"Block type {create.block_type_id} not found")
    schema = await block_schemas.read_block_schema(session, create.block_schema_id)
    if schema is None:
        raise BlockDocumentRejected(404, f"Block schema {create.block_schema_id} not found")
    if schema.block_type_id != block_type.id:
        raise BlockDocumentRejected(
            422, f"Block schema {schema.id} is not a schema of block type {block_type.slug!r}"
        )
    name = create.name or f"anonymous-{uuid.uuid4()}"
    if await _name_taken(session, block_type.id, name):
        raise BlockDocumentRejected(409, "Block already exists")
    try:
        plain, references = split_references(create.data)
    except ValueError as exc:
        raise BlockDocumentRejected(422, str(exc)) from None
    await _check_references(session, references, None)
    row = Doc(
        id=uuid.uuid4(),
        name=name,
        data=plain,
        is_anonymous=create.is_anonymous,
        block_type_id=block_type.id,
        block_schema_id=schema.id,
    )
    session.add(row)
    await session.flush()
    await _write_references(session, row.id, references)
    created = await read_block_document(session, row.id)
    assert created is not None
    return created


async def _stored_references(session: AsyncSession, parent: uuid.UUID) -> dict[str, Any]:
    rows = await session.execute(
        sa.select(Ref.name, Ref.reference_block_document_id).where(
            Ref.parent_block_document_id == parent
        )
    )
    return {name: {"$ref": {"block_document_id": str(target)}} for name, target in rows}


async def _migrate_schema(session: AsyncSession, row: Doc, block_schema_id: uuid.UUID) -> None:
    if block_schema_id == row.block_schema_id:
        return
    schema = await block_schemas.read_block_schema(session, block_schema_id)
    if schema is None:
        raise BlockDocumentRejected(404, f"Block schema {block_schema_id} not found")
    if schema.block_type_id != row.block_type_id:
        raise BlockDocumentRejected(
            400, "Must migrate block document to a block schema of the same block type."
        )
    row.block_schema_id = block_schema_id


async def update_block_document(
    session: AsyncSession, block_document_id: uuid.UUID, update: BlockDocumentUpdate
) -> bool:
    """Apply `update`; False if the document is unknown.

    With `merge_existing_data` (the default) the data sent is merged into the stored
    data key by key, nested documents included; without it, the data sent replaces it.
    """
    row = await session.get(Doc, block_document_id)
    if row is None:
        return False
    await session.refresh(row, attribute_names=["block_schema"])
    if update.block_schema_id is not None:
        await _migrate_schema(session, row, update.block_schema_id)
    if update.merge_existing_data and "data" not in update.model_fields_set:
        row.updated = now()
        await session.flush()
        return True
    sent = keep_unchanged_secrets(update.data, row.data, _secret_fields(row))
    if update.merge_existing_data:
        sent = {**row.data, **await _stored_references(session, row.id), **sent}
    try:
        plain, references = split_references(sent)
    except ValueError as exc:
        raise BlockDocumentRejected(400, str(exc)) from None
    await _check_references(session, references, row.id)
    row.data = plain
    row.updated = now()
    await session.flush()
    await _write_references(session, row.id, references)
    return True


async def delete_block_document(session: AsyncSession, block_document_id: uuid.UUID) -> bool:
    """Delete the document; documents that nest it lose that field. False if unknown."""
    result = await session.execute(
        sa.delete(Doc).where(Doc.id == block_document_id),
        execution_options={"synchronize_session": False},
    )
    return bool(getattr(result, "rowcount", 0))
