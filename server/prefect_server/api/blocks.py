"""Routes: Block types, block schemas, block documents and block capabilities."""

from __future__ import annotations

import uuid
from typing import NoReturn

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Response, status
from prefect.schemas.blocks import (
    BlockDocument,
    BlockDocumentCountRequest,
    BlockDocumentCreate,
    BlockDocumentFilterRequest,
    BlockDocumentUpdate,
    BlockSchema,
    BlockSchemaCreate,
    BlockSchemaFilterRequest,
    BlockType,
    BlockTypeCreate,
    BlockTypeFilterRequest,
    BlockTypeUpdate,
)
from sqlalchemy.exc import IntegrityError

from prefect_server.api.dependencies import get_db, not_found
from prefect_server.database.engine import Database
from prefect_server.models import block_documents, block_schemas, block_types
from prefect_server.models.block_documents import BlockDocumentRejected
from prefect_server.models.block_types import BlockTypeProtected

block_types_router = APIRouter(prefix="/block_types", tags=["Block types"])
block_schemas_router = APIRouter(prefix="/block_schemas", tags=["Block schemas"])
block_documents_router = APIRouter(prefix="/block_documents", tags=["Block documents"])
block_capabilities_router = APIRouter(prefix="/block_capabilities", tags=["Block capabilities"])

# every router here is mounted under /api by `prefect_server.app`
routers: list[APIRouter] = [
    block_types_router,
    block_schemas_router,
    block_documents_router,
    block_capabilities_router,
]

_INCLUDE_SECRETS = Query(False, description="Whether to include secret values unmasked.")


def _forbidden(exc: BlockTypeProtected) -> NoReturn:
    raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail=str(exc)) from None


def _rejected(exc: BlockDocumentRejected) -> NoReturn:
    raise HTTPException(status_code=exc.status_code, detail=exc.detail) from None


def _lenient_int(value: str | None, name: str) -> int | None:
    # Prefect's client sends `?offset=&limit=` for "not given"; Prefect's server ignores them
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise HTTPException(
            status_code=422, detail=f"{name} must be a non-negative integer, got {value!r}"
        )
    return number


# -- /block_types -----------------------------------------------------------------------


@block_types_router.post("/", status_code=status.HTTP_201_CREATED)
async def create_block_type(
    block_type: BlockTypeCreate, db: Database = Depends(get_db)
) -> BlockType:
    # names beginning with "Prefect" are kept for the built-in types, as in Prefect
    if block_type.name.lower().startswith("prefect"):
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN,
            detail="Block type names beginning with 'Prefect' are reserved.",
        )
    conflict = f'Block type with slug "{block_type.slug}" already exists'
    try:
        async with db.write() as session:
            row = await block_types.create_block_type(session, block_type)
            if row is None:
                raise HTTPException(status_code=status.HTTP_409_CONFLICT, detail=conflict)
            return block_types.to_wire(row)
    except IntegrityError:
        # another request registered the same slug between our check and our insert
        raise HTTPException(status_code=status.HTTP_409_CONFLICT, detail=conflict) from None


@block_types_router.get("/{id}")
async def read_block_type_by_id(id: uuid.UUID, db: Database = Depends(get_db)) -> BlockType:
    async with db.read() as session:
        row = await block_types.read_block_type(session, id)
        if row is None:
            not_found("Block type")
        return block_types.to_wire(row)


@block_types_router.get("/slug/{slug}")
async def read_block_type_by_slug(slug: str, db: Database = Depends(get_db)) -> BlockType:
    async with db.read() as session:
        row = await block_types.read_block_type_by_slug(session, slug)
        if row is None:
            not_found("Block type")
        return block_types.to_wire(row)


@block_types_router.post("/filter")
async def read_block_types(
    body: BlockTypeFilterRequest = Body(default_factory=BlockTypeFilterRequest),
    db: Database = Depends(get_db),
) -> list[BlockType]:
    async with db.read() as session:
        return [
            block_types.to_wire(row) for row in await block_types.read_block_types(session, body)
        ]


@block_types_router.patch("/{id}", status_code=status.HTTP_204_NO_CONTENT)
async def update_block_type(
    id: uuid.UUID, block_type: BlockTypeUpdate, db: Database = Depends(get_db)
) -> None:
    try:
        async with db.write() as session:
            found = await block_types.update_block_type(session, id, block_type)
    except BlockTypeProtected as exc:
        _forbidden(exc)
    if not found:
        not_found("Block type")


@block_types_router.delete("/{id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_block_type(id: uuid.UUID, db: Database = Depends(get_db)) -> None:
    try:
        async with db.write() as session:
            found = await block_types.delete_block_type(session, id)
    except BlockTypeProtected as exc:
        _forbidden(exc)
    if not found:
        not_found("Block type")


@block_types_router.get("/slug/{slug}/block_documents", tags=["Block documents"])
async def read_block_documents_for_block_type(
    slug: str,
    include_secrets: bool = _INCLUDE_SECRETS,
    offset: str | None = Query(None),
    limit: str | None = Query(None),
    db: Database = Depends(get_db),
) -> list[BlockDocument]:
    start = _lenient_int(offset, "offset") or 0
    count = _lenient_int(limit, "limit")
    async with db.read() as session:
        block_type = await block_types.read_block_type_by_slug(session, slug)
        if block_type is None:
            not_found("Block type")
        body = block_documents.documents_of_type(
            block_type.id, include_secrets=include_secrets, offset=start, limit=count
        )
        return await block_documents.read_block_documents(session, body)


@block_types_router.get("/slug/{slug}/block_documents/name/{name}", tags=["Block documents"])
async def read_block_document_by_name_for_block_type(
    slug: str, name: str, include_secrets: bool = _INCLUDE_SECRETS, db: Database = Depends(get_db)
) -> BlockDocument:
    async with db.read() as session:
        document = await block_documents.read_block_document_by_name(
            session, slug, name, include_secrets=include_secrets
        )
    if document is None:
        not_found("Block document")
    return document


# -- /block_schemas ---------------------------------------------------------------------


@block_schemas_router.post("/", status_code=status.HTTP_201_CREATED)
async def create_block_schema(
    block_schema: BlockSchemaCreate, response: Response, db: Database = Depends(get_db)
) -> BlockSchema:
    async with db.write() as session:
        if await block_types.read_block_type(session, block_schema.block_type_id) is None:
            raise HTTPException(
                status_code=status.HTTP_404_NOT_FOUND,
                detail=f"Block type {block_schema.block_type_id} not found.",
            )
        try:
            row, created = await block_schemas.create_block_schema(session, block_schema)
        except block_schemas.MissingBlockType as exc:
            raise HTTPException(status_code=status.HTTP_409_CONFLICT, detail=str(exc)) from None
        if not created:
            response.status_code = status.HTTP_200_OK
        return block_schemas.to_wire(row)


@block_schemas_router.post("/filter")
async def read_block_schemas(
    body: BlockSchemaFilterRequest = Body(default_factory=BlockSchemaFilterRequest),
    db: Database = Depends(get_db),
) -> list[BlockSchema]:
    async with db.read() as session:
        rows = await block_schemas.read_block_schemas(session, body)
        return [block_schemas.to_wire(row) for row in rows]


@block_schemas_router.get("/checksum/{checksum}")
async def read_block_schema_by_checksum(
    checksum: str,
    version: str | None = Query(
        None, description="Without it, the newest schema with this checksum."
    ),
    db: Database = Depends(get_db),
) -> BlockSchema:
    async with db.read() as session:
        row = await block_schemas.read_block_schema_by_checksum(session, checksum, version)
        if row is None:
            not_found("Block schema")
        return block_schemas.to_wire(row)


@block_schemas_router.get("/{id}")
async def read_block_schema_by_id(id: uuid.UUID, db: Database = Depends(get_db)) -> BlockSchema:
    async with db.read() as session:
        row = await block_schemas.read_block_schema(session, id)
        if row is None:
            not_found("Block schema")
        return block_schemas.to_wire(row)


@block_schemas_router.delete("/{id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_block_schema(id: uuid.UUID, db: Database = Depends(get_db)) -> None:
    try:
        async with db.write() as session:
            found = await block_schemas.delete_block_schema(session, id)
    except BlockTypeProtected as exc:
        _forbidden(exc)
    if not found:
        not_found("Block schema")


# -- /block_documents -------------------------------------------------------------------


@block_documents_router.post("/", status_code=status.HTTP_201_CREATED)
async def create_block_document(
    block_document: BlockDocumentCreate, db: Database = Depends(get_db)
) -> BlockDocument:
    try:
        async with db.write() as session:
            return await block_documents.create_block_document(session, block_document)
    except BlockDocumentRejected as exc:
        _rejected(exc)
    except IntegrityError:
        # the same name, written by another request between our check and our insert
        raise HTTPException(status_code=409, detail="Block already exists") from None


@block_documents_router.post("/filter")
async def read_block_documents(
    body: BlockDocumentFilterRequest = Body(default_factory=BlockDocumentFilterRequest),
    db: Database = Depends(get_db),
) -> list[BlockDocument]:
    async with db.read() as session:
        return await block_documents.read_block_documents(session, body)


@block_documents_router.post("/count")
async def count_block_documents(
    body: BlockDocumentCountRequest = Body(default_factory=BlockDocumentCountRequest),
    db: Database = Depends(get_db),
) -> int:
    async with db.read() as session:
        return await block_documents.count_block_documents(session, body)


@block_documents_router.get("/{id}")
async def read_block_document_by_id(
    id: uuid.UUID, include_secrets: bool = _INCLUDE_SECRETS, db: Database = Depends(get_db)
) -> BlockDocument:
    async with db.read() as session:
        document = await block_documents.read_block_document(
            session, id, include_secrets=include_secrets
        )
    if document is None:
        not_found("Block document")
    return document


@block_documents_router.patch("/{id}", status_code=status.HTTP_204_NO_CONTENT)
async def update_block_document_data(
    id: uuid.UUID, block_document: BlockDocumentUpdate, db: Database = Depends(get_db)
) -> None:
    try:
        async with db.write() as session:
            found = await block_documents.update_block_document(session, id, block_document)
    except BlockDocumentRejected as exc:
        _rejected(exc)
    if not found:
        not_found("Block document")


@block_documents_router.delete("/{id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_block_document(id: uuid.UUID, db: Database = Depends(get_db)) -> None:
    async with db.write() as session:
        found = await block_documents.delete_block_document(session, id)
    if not found:
        not_found("Block document")


# -- /block_capabilities ----------------------------------------------------------------


@block_capabilities_router.get("/")
async def read_available_block_capabilities(db: Database = Depends(get_db)) -> list[str]:
    async with db.read() as session:
        return await block_schemas.read_block_capabilities(session)
