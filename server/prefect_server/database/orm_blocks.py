"""ORM tables: Block types, block schemas and block documents.

Deleting a block type deletes its schemas and documents, and deleting a schema deletes the
documents written for it: the foreign keys cascade, as in Prefect. A nested document is a
row of `block_document_reference` (parent, field name, referenced document); deleting
either end removes the reference.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from prefect_server.database.orm import Base
from prefect_server.database.types import JSONType


class BlockType(Base):
    __tablename__ = "block_type"

    name: Mapped[str] = mapped_column(sa.String())
    slug: Mapped[str] = mapped_column(sa.String(), unique=True)
    logo_url: Mapped[str | None] = mapped_column(sa.String())
    documentation_url: Mapped[str | None] = mapped_column(sa.String())
    description: Mapped[str | None] = mapped_column(sa.Text())
    code_example: Mapped[str | None] = mapped_column(sa.Text())
    is_protected: Mapped[bool] = mapped_column(default=False)


class BlockSchema(Base):
    __tablename__ = "block_schema"
    __table_args__ = (
        sa.UniqueConstraint("checksum", "version"),
        sa.Index(None, "block_type_id"),
        sa.Index(None, "created"),
    )

    checksum: Mapped[str] = mapped_column(sa.String())
    fields: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict, nullable=False)
    capabilities: Mapped[list[Any]] = mapped_column(JSONType(), default=list, nullable=False)
    version: Mapped[str] = mapped_column(sa.String())
    block_type_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("block_type.id", ondelete="CASCADE")
    )

    block_type: Mapped[BlockType] = relationship(lazy="selectin", viewonly=True)


class BlockDocument(Base):
    __tablename__ = "block_document"
    __table_args__ = (
        sa.UniqueConstraint("block_type_id", "name"),
        sa.Index(None, "block_schema_id"),
        sa.Index(None, "name"),
    )

    name: Mapped[str] = mapped_column(sa.String())
    data: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict, nullable=False)
    is_anonymous: Mapped[bool] = mapped_column(default=False)
    block_type_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("block_type.id", ondelete="CASCADE")
    )
    block_schema_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("block_schema.id", ondelete="CASCADE")
    )

    block_type: Mapped[BlockType] = relationship(lazy="selectin", viewonly=True)
    block_schema: Mapped[BlockSchema] = relationship(lazy="selectin", viewonly=True)


class BlockDocumentReference(Base):
    __tablename__ = "block_document_reference"
    __table_args__ = (
        sa.UniqueConstraint("parent_block_document_id", "name"),
        sa.Index(None, "reference_block_document_id"),
    )

    name: Mapped[str] = mapped_column(sa.String())
    # named by hand: the conventional names pass PostgreSQL's 63-character limit
    parent_block_document_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey(
            "block_document.id",
            ondelete="CASCADE",
            name="fk_block_document_reference__parent_id",
        )
    )
    reference_block_document_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey(
            "block_document.id",
            ondelete="CASCADE",
            name="fk_block_document_reference__reference_id",
        )
    )
