"""Blocks on the wire: block types, block schemas, block documents (Prefect 3's names).

A *block type* is a kind of configuration (slug ``aws-credentials``); a *block schema* is
one version of its JSON schema, known by a checksum; a *block document* is a named
instance: data valid for a schema. Documents may nest other documents: a field holding
``{"$ref": {"block_document_id": "..."}}`` is stored as a reference and read back with
the referenced document's data in its place (and an entry in `block_document_references`).

Values at a schema's ``secret_fields`` are read back as `OBFUSCATED_SECRET` unless secrets
are asked for; an update that sends that placeholder back keeps the stored secret.
"""

from __future__ import annotations

import enum
import re
import uuid
from functools import partial
from typing import Annotated, Any

from pydantic import AfterValidator, Field, model_validator

from prefect.schemas._base import ActionBaseModel, ObjectBaseModel
from prefect.schemas._block_data import (
    OBFUSCATED_SECRET,
    block_schema_checksum,
    is_reference,
    keep_unchanged_secrets,
    obfuscate_secrets,
    split_references,
)
from prefect.schemas.filters import FilterBase, OperatorFilter

__all__ = [
    "DEFAULT_BLOCK_SCHEMA_VERSION",
    "OBFUSCATED_SECRET",
    "BlockDocument",
    "BlockDocumentCountRequest",
    "BlockDocumentCreate",
    "BlockDocumentFilter",
    "BlockDocumentFilterBlockTypeId",
    "BlockDocumentFilterId",
    "BlockDocumentFilterIsAnonymous",
    "BlockDocumentFilterName",
    "BlockDocumentFilterRequest",
    "BlockDocumentReference",
    "BlockDocumentReferenceCreate",
    "BlockDocumentSort",
    "BlockDocumentUpdate",
    "BlockSchema",
    "BlockSchemaCreate",
    "BlockSchemaFilter",
    "BlockSchemaFilterBlockTypeId",
    "BlockSchemaFilterCapabilities",
    "BlockSchemaFilterId",
    "BlockSchemaFilterRequest",
    "BlockSchemaFilterVersion",
    "BlockType",
    "BlockTypeCreate",
    "BlockTypeFilter",
    "BlockTypeFilterName",
    "BlockTypeFilterRequest",
    "BlockTypeFilterSlug",
    "BlockTypeUpdate",
    "block_schema_checksum",
    "is_reference",
    "keep_unchanged_secrets",
    "obfuscate_secrets",
    "split_references",
]

DEFAULT_BLOCK_SCHEMA_VERSION = "non-versioned"

# -- names, validated as Prefect 3 validates them ----------------------------------------

_BANNED_CHARACTERS = "/%&><"
_LOWERCASE_DASHES = re.compile(r"^[a-z0-9-]*$")


def _lowercase_dashes(value: str, *, what: str) -> str:
    if not _LOWERCASE_DASHES.match(value):
        raise ValueError(f"{what} must only contain lowercase letters, numbers, and dashes.")
    return value


# free text without the characters that break URLs: "/", "%", "&", ">", "<"
Name = Annotated[str, Field(pattern=rf"^[^{_BANNED_CHARACTERS}]+$")]
BlockTypeSlug = Annotated[
    str, Field(min_length=1), AfterValidator(partial(_lowercase_dashes, what="Block type slug"))
]
BlockDocumentName = Annotated[
    Name, AfterValidator(partial(_lowercase_dashes, what="Block document name"))
]


# -- block types ----------------------------------------------------------------------


class BlockType(ObjectBaseModel):
    name: str
    slug: str
    logo_url: str | None = None
    documentation_url: str | None = None
    description: str | None = None
    code_example: str | None = None
    # protected types are the built-in ones: the API refuses to change or delete them
    is_protected: bool = False


class BlockTypeCreate(ActionBaseModel):
    name: Name
    slug: BlockTypeSlug
    logo_url: str | None = None
    documentation_url: str | None = None
    description: str | None = None
    code_example: str | None = None


class BlockTypeUpdate(ActionBaseModel):
    logo_url: str | None = None
    documentation_url: str | None = None
    description: str | None = None
    code_example: str | None = None

    @classmethod
    def updatable_fields(cls) -> set[str]:
        return set(cls.model_fields)


# -- block schemas --------------------------------------------------------------------


class BlockSchema(ObjectBaseModel):
    checksum: str
    fields: dict[str, Any] = Field(default_factory=dict)
    block_type_id: uuid.UUID | None
    block_type: BlockType | None = None
    capabilities: list[str] = Field(default_factory=list)
    version: str = DEFAULT_BLOCK_SCHEMA_VERSION


class BlockSchemaCreate(ActionBaseModel):
    """The server computes the checksum from `fields`; a client never sends one."""

    fields: dict[str, Any] = Field(default_factory=dict)
    block_type_id: uuid.UUID
    capabilities: list[str] = Field(default_factory=list)
    version: str = DEFAULT_BLOCK_SCHEMA_VERSION


# -- block documents ------------------------------------------------------------------


class BlockDocument(ObjectBaseModel):
    name: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    block_schema_id: uuid.UUID
    block_schema: BlockSchema | None = None
    block_type_id: uuid.UUID
    block_type_name: str | None = None
    block_type: BlockType | None = None
    # {field: {"block_document": {"id", "name", "block_type", "is_anonymous",
    #                             "block_document_references"}}} for each nested document
    block_document_references: dict[str, dict[str, Any]] = Field(default_factory=dict)
    is_anonymous: bool = False


class BlockDocumentCreate(ActionBaseModel):
    """A new document; anonymous documents may leave the name out (one is generated)."""

    name: BlockDocumentName | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    block_schema_id: uuid.UUID
    block_type_id: uuid.UUID
    is_anonymous: bool = False
    # sent by Prefect's `Block.save` (a whole BlockDocument, dumped); the type's own name
    # is what documents answer with, so this one is accepted and not stored
    block_type_name: str | None = Field(default=None, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _named_unless_anonymous(cls, values: Any) -> Any:
        if isinstance(values, dict) and not values.get("is_anonymous") and not values.get("name"):
            raise ValueError("Names must be provided for block documents.")
        return values


class BlockDocumentUpdate(ActionBaseModel):
    """`merge_existing_data` (the default) merges `data` into the stored data key by key;
    False replaces the stored data with `data`."""

    block_schema_id: uuid.UUID | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    merge_existing_data: bool = True


class BlockDocumentReference(ObjectBaseModel):
    parent_block_document_id: uuid.UUID
    reference_block_document_id: uuid.UUID
    name: str


class BlockDocumentReferenceCreate(ActionBaseModel):
    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    parent_block_document_id: uuid.UUID
    reference_block_document_id: uuid.UUID
    name: str

    @model_validator(mode="after")
    def _not_itself(self) -> BlockDocumentReferenceCreate:
        if self.parent_block_document_id == self.reference_block_document_id:
            raise ValueError(
                "`parent_block_document_id` and `reference_block_document_id` cannot be the same"
            )
        return self


# -- filters --------------------------------------------------------------------------


class BlockTypeFilterName(FilterBase):
    # a case-insensitive substring, taken literally
    like_: str | None = None


class BlockTypeFilterSlug(FilterBase):
    any_: list[str] | None = None


class BlockTypeFilter(FilterBase):
    name: BlockTypeFilterName | None = None
    slug: BlockTypeFilterSlug | None = None


class BlockSchemaFilterBlockTypeId(FilterBase):
    any_: list[uuid.UUID] | None = None


class BlockSchemaFilterId(FilterBase):
    any_: list[uuid.UUID] | None = None


class BlockSchemaFilterCapabilities(FilterBase):
    # schemas having every one of these capabilities (and maybe more)
    all_: list[str] | None = None


class BlockSchemaFilterVersion(FilterBase):
    any_: list[str] | None = None


class BlockSchemaFilter(OperatorFilter):
    block_type_id: BlockSchemaFilterBlockTypeId | None = None
    block_capabilities: BlockSchemaFilterCapabilities | None = None
    id: BlockSchemaFilterId | None = None
    version: BlockSchemaFilterVersion | None = None


class BlockDocumentFilterIsAnonymous(FilterBase):
    eq_: bool | None = None


class BlockDocumentFilterBlockTypeId(FilterBase):
    any_: list[uuid.UUID] | None = None


class BlockDocumentFilterId(FilterBase):
    any_: list[uuid.UUID] | None = None


class BlockDocumentFilterName(FilterBase):
    any_: list[str] | None = None
    # a case-insensitive pattern: SQL's `%` and `_` wildcards work, as in Prefect
    like_: str | None = None


class BlockDocumentFilter(OperatorFilter):
    id: BlockDocumentFilterId | None = None
    # anonymous documents are left out unless asked for (`{"eq_": true}`, or null for all)
    is_anonymous: BlockDocumentFilterIsAnonymous | None = Field(
        default_factory=lambda: BlockDocumentFilterIsAnonymous(eq_=False)
    )
    block_type_id: BlockDocumentFilterBlockTypeId | None = None
    name: BlockDocumentFilterName | None = None


class BlockDocumentSort(enum.StrEnum):
    NAME_DESC = "NAME_DESC"
    NAME_ASC = "NAME_ASC"
    BLOCK_TYPE_AND_NAME_ASC = "BLOCK_TYPE_AND_NAME_ASC"


def _null_means_default(values: Any, *names: str) -> Any:
    # Prefect clients send `"offset": null` for "no offset"; FastAPI reads it as the default
    if isinstance(values, dict):
        return {k: v for k, v in values.items() if not (k in names and v is None)}
    return values


class _PageBody(ActionBaseModel):
    offset: int = Field(default=0, ge=0)
    limit: int | None = Field(default=None, ge=0, le=1000)

    @model_validator(mode="before")
    @classmethod
    def _nulls(cls, values: Any) -> Any:
        return _null_means_default(values, "offset")


class BlockTypeFilterRequest(_PageBody):
    """Body of `POST /block_types/filter`: types sorted by name."""

    block_types: BlockTypeFilter | None = None
    block_schemas: BlockSchemaFilter | None = None


class BlockSchemaFilterRequest(_PageBody):
    """Body of `POST /block_schemas/filter`: the most recently created schemas first."""

    block_schemas: BlockSchemaFilter | None = None


class BlockDocumentCountRequest(ActionBaseModel):
    block_documents: BlockDocumentFilter | None = None
    block_types: BlockTypeFilter | None = None
    block_schemas: BlockSchemaFilter | None = None


class BlockDocumentFilterRequest(_PageBody):
    block_documents: BlockDocumentFilter | None = None
    block_types: BlockTypeFilter | None = None
    block_schemas: BlockSchemaFilter | None = None
    include_secrets: bool = False
    sort: BlockDocumentSort = BlockDocumentSort.NAME_ASC
    # sent by Prefect's `read_block_documents`; read here as a block type slug
    block_schema_type: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _null_sort(cls, values: Any) -> Any:
        return _null_means_default(values, "sort", "include_secrets")
