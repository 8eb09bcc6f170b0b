"""`Block`: a pydantic model saved by name in the API as a block document.

    from prefect.filesystems import LocalFileSystem

    LocalFileSystem(basepath="/data/results").save("results")     # type, schema, document
    fs = LocalFileSystem.load("results")                            # or Block.load(
                                                                    #   "local-file-system/results")

Saving registers the class's block type (its slug, `local-file-system` for "Local File
System") and block schema (its JSON schema) when the API does not know them yet, then
stores the fields as a document. Loading reads the document and builds the class its
type's slug names, so `Block.load("slug/name")` works for any subclass imported in this
process. As in Prefect 3, `save`, `load` and `register_type_and_schema` return
coroutines when called from async code (`asave`, `aload`, ... are the async spellings).

Kept small on purpose: nested blocks (a block field holding another block) and block
capabilities beyond a declared list are not handled.
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, PrivateAttr, SecretBytes, SecretStr

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.blocks import BlockDocument

__all__ = ["Block", "block_class_for_slug"]

B = TypeVar("B", bound="Block")

# block type slug -> the class that loads its documents (filled as subclasses are defined)
_registry: dict[str, type[Block]] = {}


def _slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def block_class_for_slug(slug: str) -> type[Block]:
    """The Block subclass registered for `slug` (KeyError when none is imported)."""
    if slug not in _registry:
        # the built-in blocks register on import; a document of theirs may be read first
        import prefect.filesystems  # noqa: F401
    return _registry[slug]


def _dispatch(sync: bool | None, call: Any) -> Any:
    from prefect.engine.user_api import call_async, call_sync
    from prefect.variables import in_async_context

    if sync is None:
        sync = not in_async_context()
    return call_sync(call) if sync else call_async(call)


class Block(BaseModel):
    """Base of blocks: fields are the configuration, stored as a block document."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    _block_type_name: ClassVar[str | None] = None
    _block_type_slug: ClassVar[str | None] = None
    _logo_url: ClassVar[str | None] = None
    _documentation_url: ClassVar[str | None] = None
    _description: ClassVar[str | None] = None
    _code_example: ClassVar[str | None] = None
    _block_schema_capabilities: ClassVar[list[str]] = []
    _block_schema_version: ClassVar[str | None] = None

    _block_document_id: uuid.UUID | None = PrivateAttr(default=None)
    _block_document_name: str | None = PrivateAttr(default=None)
    _is_anonymous: bool = PrivateAttr(default=False)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        _registry[cls.get_block_type_slug()] = cls

    # -- names ----------------------------------------------------------------------------

    @classmethod
    def get_block_type_name(cls) -> str:
        return cls._block_type_name or cls.__name__

    @classmethod
    def get_block_type_slug(cls) -> str:
        return cls._block_type_slug or _slugify(cls.get_block_type_name())

    @classmethod
    def get_description(cls) -> str | None:
        import inspect

        return cls._description or inspect.getdoc(cls)

    # -- what the API stores --------------------------------------------------------------

    @classmethod
    def _secret_fields(cls) -> list[str]:
        return [
            name
            for name, info in cls.model_fields.items()
            if info.annotation in (SecretStr, SecretBytes, SecretStr | None, SecretBytes | None)
        ]

    @classmethod
    def _schema_fields(cls) -> dict[str, Any]:
        fields: dict[str, Any] = cls.model_json_schema()
        fields["block_type_slug"] = cls.get_block_type_slug()
        fields["secret_fields"] = cls._secret_fields()
        fields["block_schema_references"] = {}
        return fields

    def _document_data(self) -> dict[str, Any]:
        # python mode keeps SecretStr objects; the client stores their values
        data: dict[str, Any] = self.model_dump(mode="python")
        return data

    # -- registering, saving and loading (coroutines on the API loop) ----------------------

    @classmethod
    async def _register(cls, client: PrefectClient) -> tuple[uuid.UUID, uuid.UUID]:
        """The ids of this class's block type and schema, registering them when new."""
        from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
        from prefect.schemas.blocks import (
            DEFAULT_BLOCK_SCHEMA_VERSION,
            BlockSchemaCreate,
            BlockTypeCreate,
        )

        slug = cls.get_block_type_slug()
        try:
            block_type = await client.read_block_type_by_slug(slug)
        except ObjectNotFound:
            create = BlockTypeCreate(
                name=cls.get_block_type_name(),
                slug=slug,
                logo_url=cls._logo_url,
                documentation_url=cls._documentation_url,
                description=cls.get_description(),
                code_example=cls._code_example,
            )
            try:
                block_type = await client.create_block_type(create)
            except ObjectAlreadyExists:
                # another process registered it meanwhile
                block_type = await client.read_block_type_by_slug(slug)
        schema = await client.create_block_schema(
            BlockSchemaCreate(
                block_type_id=block_type.id,
                fields=cls._schema_fields(),
                capabilities=list(cls._block_schema_capabilities),
                version=cls._block_schema_version or DEFAULT_BLOCK_SCHEMA_VERSION,
            )
        )
        return block_type.id, schema.id

    async def _save(self, client: PrefectClient, name: str | None, overwrite: bool) -> uuid.UUID:
        from prefect.exceptions import ObjectAlreadyExists
        from prefect.schemas.blocks import BlockDocumentCreate, BlockDocumentUpdate

        type_id, schema_id = await self._register(client)
        data = self._document_data()
        try:
            document = await client.create_block_document(
                BlockDocumentCreate(
                    name=name,
                    data=data,
                    block_schema_id=schema_id,
                    block_type_id=type_id,
                    is_anonymous=name is None,
                )
            )
        except ObjectAlreadyExists:
            if not overwrite or name is None:
                raise ValueError(
                    f"A {self.get_block_type_slug()} block named {name!r} already exists; "
                    "pass overwrite=True to replace its values."
                ) from None
            document = await client.read_block_document_by_name(
                name, self.get_block_type_slug(), include_secrets=False
            )
            await client.update_block_document(
                document.id,
                BlockDocumentUpdate(
                    block_schema_id=schema_id, data=data, merge_existing_data=False
                ),
            )
        self._block_document_id = document.id
        self._block_document_name = document.name
        self._is_anonymous = name is None
        return document.id

    @classmethod
    def _from_block_document(cls, document: BlockDocument) -> Block:
        slug = document.block_type.slug if document.block_type else None
        target: type[Block] = cls
        if slug is not None and slug != cls.get_block_type_slug():
            try:
                target = block_class_for_slug(slug)
            except KeyError:
                raise ValueError(
                    f"No block class for the block type {slug!r} is imported in this process"
                ) from None
            if not issubclass(target, cls):
                raise ValueError(f"The block document is a {slug!r}, not a {cls.__name__}")
        block = target.model_validate(document.data)
        block._block_document_id = document.id
        block._block_document_name = document.name
        block._is_anonymous = document.is_anonymous
        return block

    @classmethod
    def _split_name(cls, name: str) -> tuple[str, str]:
        if "/" in name:
            slug, _, document_name = name.partition("/")
            return slug, document_name
        if cls is Block:
            raise ValueError(f"Block.load needs a 'block-type-slug/name' name, not {name!r}")
        return cls.get_block_type_slug(), name

    @classmethod
    async def _load(cls: type[B], client: PrefectClient, name: str) -> B:
        slug, document_name = cls._split_name(name)
        from prefect.exceptions import ObjectNotFound

        try:
            document = await client.read_block_document_by_name(document_name, slug)
        except ObjectNotFound:
            raise ValueError(
                f"Unable to find block document named {document_name!r} for block type {slug!r}"
            ) from None
        block = cls._from_block_document(document)
        assert isinstance(block, cls)
        return block

    @classmethod
    async def _load_by_id(cls: type[B], client: PrefectClient, block_document_id: Any) -> B:
        document = await client.read_block_document(block_document_id)
        block = cls._from_block_document(document)
        assert isinstance(block, cls)
        return block

    # -- public spellings -------------------------------------------------------------------

    async def asave(self, name: str | None = None, overwrite: bool = False) -> uuid.UUID:
        """Store this block as the document `name` (anonymous without a name); returns
        the document's id. A name in use needs `overwrite=True`."""
        from prefect.engine.user_api import call_async

        return await call_async(lambda client: self._save(client, name, overwrite))

    def save(
        self, name: str | None = None, overwrite: bool = False, _sync: bool | None = None
    ) -> Any:
        """`asave` from sync code (a coroutine in async code)."""
        return _dispatch(_sync, lambda client: self._save(client, name, overwrite))

    @classmethod
    async def aload(cls: type[B], name: str) -> B:
        """The block saved as `name` ("name", or "block-type-slug/name")."""
        from prefect.engine.user_api import call_async

        return await call_async(lambda client: cls._load(client, name))

    @classmethod
    def load(cls, name: str, _sync: bool | None = None) -> Any:
        """`aload` from sync code (a coroutine in async code)."""
        return _dispatch(_sync, lambda client: cls._load(client, name))

    @classmethod
    async def aload_by_id(cls: type[B], block_document_id: uuid.UUID | str) -> B:
        """The block saved as the document `block_document_id` (how a result's
        `storage_block_id` is resolved in another process)."""
        from prefect.engine.user_api import call_async

        return await call_async(lambda client: cls._load_by_id(client, block_document_id))

    @classmethod
    def load_by_id(cls, block_document_id: uuid.UUID | str, _sync: bool | None = None) -> Any:
        """`aload_by_id` from sync code (a coroutine in async code)."""
        return _dispatch(_sync, lambda client: cls._load_by_id(client, block_document_id))

    @classmethod
    async def aregister_type_and_schema(cls) -> None:
        from prefect.engine.user_api import call_async

        await call_async(cls._register)

    @classmethod
    def register_type_and_schema(cls, _sync: bool | None = None) -> Any:
        """Register the block type and schema without saving a document."""

        async def register(client: PrefectClient) -> None:
            await cls._register(client)

        return _dispatch(_sync, register)
