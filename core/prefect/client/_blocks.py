"""Block type, schema and document methods of the client (Prefect 3 names).

Missing objects raise `ObjectNotFound`, taken names and slugs `ObjectAlreadyExists`, and
changes to a protected (built-in) block type `ProtectedBlockError`.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from prefect.client._base import BaseClient, _jsonable
from prefect.exceptions import PrefectHTTPStatusError, ProtectedBlockError

if TYPE_CHECKING:
    from pydantic import BaseModel

    from prefect.schemas.blocks import (
        BlockDocument,
        BlockDocumentCreate,
        BlockDocumentUpdate,
        BlockSchema,
        BlockSchemaCreate,
        BlockType,
        BlockTypeCreate,
        BlockTypeUpdate,
    )


def _segment(value: str) -> str:
    return quote(value, safe="")


def _body(model: BaseModel, fields: set[str], **extra: Any) -> dict[str, Any]:
    """The fields of `model` an action accepts, those that were set, as JSON data."""
    data: dict[str, Any] = model.model_dump(mode="json", exclude_unset=True, include=fields)
    data.update(extra)
    return data


def _reveal(value: Any, include_secrets: bool) -> Any:
    """Block data with pydantic secrets turned into their values, or the placeholder."""
    from pydantic import SecretBytes, SecretStr

    from prefect.schemas.blocks import OBFUSCATED_SECRET

    if isinstance(value, SecretStr | SecretBytes):
        if not include_secrets:
            return OBFUSCATED_SECRET
        secret = value.get_secret_value()
        return secret.decode() if isinstance(secret, bytes) else secret
    if isinstance(value, dict):
        return {k: _reveal(v, include_secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_reveal(v, include_secrets) for v in value]
    return value


def _documents(data: Any) -> list[BlockDocument]:
    from prefect.schemas.blocks import BlockDocument

    return [BlockDocument.model_validate(item) for item in data]


class BlockClientMixin(BaseClient):
    # -- block types ----------------------------------------------------------------------

    async def create_block_type(self, block_type: BlockTypeCreate | BlockType) -> BlockType:
        """Register a block type; `ObjectAlreadyExists` when its slug is taken."""
        from prefect.schemas.blocks import BlockType, BlockTypeCreate

        body = _body(block_type, set(BlockTypeCreate.model_fields))
        return BlockType.model_validate(await self._post("/block_types/", body))

    async def read_block_type_by_slug(self, slug: str) -> BlockType:
        from prefect.schemas.blocks import BlockType

        return BlockType.model_validate(await self._get(f"/block_types/slug/{_segment(slug)}"))

    async def update_block_type(
        self, block_type_id: uuid.UUID | str, block_type: BlockTypeUpdate | BlockType
    ) -> None:
        """Change the fields of `block_type` that were set (description, URLs, example)."""
        from prefect.schemas.blocks import BlockTypeUpdate

        body = _body(block_type, BlockTypeUpdate.updatable_fields())
        try:
            await self._patch(f"/block_types/{block_type_id}", body)
        except PrefectHTTPStatusError as exc:
            if exc.status_code == 403:
                raise ProtectedBlockError(str(exc.detail)) from exc
            raise

    async def delete_block_type(self, block_type_id: uuid.UUID | str) -> None:
        """Delete a block type with its schemas and documents."""
        try:
            await self._delete(f"/block_types/{block_type_id}")
        except PrefectHTTPStatusError as exc:
            if exc.status_code == 403:
                raise ProtectedBlockError("Protected block types cannot be deleted.") from exc
            raise

    async def read_block_types(self) -> list[BlockType]:
        from prefect.schemas.blocks import BlockType

        return [BlockType.model_validate(t) for t in await self._post("/block_types/filter", {})]

    # -- block schemas --------------------------------------------------------------------

    async def create_block_schema(
        self, block_schema: BlockSchemaCreate | BlockSchema
    ) -> BlockSchema:
        """Register a schema; the one already stored when its fields and version are known."""
        from prefect.schemas.blocks import BlockSchema, BlockSchemaCreate

        body = _body(block_schema, set(BlockSchemaCreate.model_fields))
        return BlockSchema.model_validate(await self._post("/block_schemas/", body))

    async def read_block_schema_by_checksum(
        self, checksum: str, version: str | None = None
    ) -> BlockSchema:
        """The schema with `checksum` (and `version`); without a version, the newest."""
        from prefect.schemas.blocks import BlockSchema

        params = {"version": version} if version else {}
        data = await self._get(f"/block_schemas/checksum/{_segment(checksum)}", **params)
        return BlockSchema.model_validate(data)

    async def read_block_schemas(self) -> list[BlockSchema]:
        """Every block schema, the most recently created first."""
        from prefect.schemas.blocks import BlockSchema

        return [
            BlockSchema.model_validate(s) for s in await self._post("/block_schemas/filter", {})
        ]

    async def get_most_recent_block_schema_for_block_type(
        self, block_type_id: uuid.UUID | str
    ) -> BlockSchema | None:
        from prefect.schemas.blocks import BlockSchema

        body = {"block_schemas": {"block_type_id": {"any_": [str(block_type_id)]}}, "limit": 1}
        found = await self._post("/block_schemas/filter", body)
        return BlockSchema.model_validate(found[0]) if found else None

    # -- block documents ------------------------------------------------------------------

    async def create_block_document(
        self,
        block_document: BlockDocumentCreate | BlockDocument,
        include_secrets: bool = True,
    ) -> BlockDocument:
        """Store a block document; `ObjectAlreadyExists` when its type has one so named.

        Pydantic secrets in its data are stored as their values unless `include_secrets`
        is False. The document returned has its secrets hidden, as the API answers.
        """
        from prefect.schemas.blocks import BlockDocument, BlockDocumentCreate

        fields = set(BlockDocumentCreate.model_fields) - {"data", "block_type_name"}
        body = _body(block_document, fields)
        if "data" in block_document.model_fields_set:
            body["data"] = _jsonable(_reveal(block_document.data, include_secrets))
        return BlockDocument.model_validate(await self._post("/block_documents/", body))

    async def update_block_document(
        self, block_document_id: uuid.UUID | str, block_document: BlockDocumentUpdate
    ) -> None:
        """Merge (or with `merge_existing_data=False`, replace) the document's data."""
        body = block_document.model_dump(
            mode="json",
            exclude_unset=True,
            include={"data", "merge_existing_data", "block_schema_id"},
        )
        if "data" in body:
            body["data"] = _jsonable(_reveal(block_document.data, True))
        await self._patch(f"/block_documents/{block_document_id}", body)

    async def delete_block_document(self, block_document_id: uuid.UUID | str) -> None:
        await self._delete(f"/block_documents/{block_document_id}")

    async def read_block_document(
        self, block_document_id: uuid.UUID | str, include_secrets: bool = True
    ) -> BlockDocument:
        from prefect.schemas.blocks import BlockDocument

        data = await self._get(
            f"/block_documents/{block_document_id}", include_secrets=include_secrets
        )
        return BlockDocument.model_validate(data)

    async def read_block_document_by_name(
        self, name: str, block_type_slug: str, include_secrets: bool = True
    ) -> BlockDocument:
        from prefect.schemas.blocks import BlockDocument

        path = (
            f"/block_types/slug/{_segment(block_type_slug)}/block_documents/name/{_segment(name)}"
        )
        return BlockDocument.model_validate(await self._get(path, include_secrets=include_secrets))

    async def read_block_documents(
        self,
        block_schema_type: str | None = None,
        offset: int | None = None,
        limit: int | None = None,
        include_secrets: bool = True,
    ) -> list[BlockDocument]:
        """Named (not anonymous) block documents by name; `block_schema_type` is a type slug."""
        body = {
            "block_schema_type": block_schema_type,
            "offset": offset,
            "limit": limit,
            "include_secrets": include_secrets,
        }
        return _documents(await self._post("/block_documents/filter", body))

    async def read_block_documents_by_type(
        self,
        block_type_slug: str,
        offset: int | None = None,
        limit: int | None = None,
        include_secrets: bool = True,
    ) -> list[BlockDocument]:
        params: dict[str, Any] = {"include_secrets": include_secrets}
        if offset is not None:
            params["offset"] = offset
        if limit is not None:
            params["limit"] = limit
        path = f"/block_types/slug/{_segment(block_type_slug)}/block_documents"
        return _documents(await self._get(path, **params))
