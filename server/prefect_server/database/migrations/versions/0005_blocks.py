"""Tables of block types, block schemas and block documents.

Revision ID: 0005_blocks
Revises: 0004_deployments
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from prefect_server.database.types import Timestamp
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.schema import SchemaItem

revision = "0005_blocks"
down_revision = "0004_deployments"
branch_labels = None
depends_on = None

# Frozen here on purpose: a migration must not change when the ORM does.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _base(table: str) -> list[SchemaItem]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created", Timestamp(), nullable=False),
        sa.Column("updated", Timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
    ]


def _cascading_fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=f"fk_{table}__{column}__{target}", ondelete="CASCADE"
    )


def _index(table: str, *columns: str) -> None:
    op.create_index(f"ix_{table}__{'_'.join(columns)}", table, list(columns))


def upgrade() -> None:
    op.create_table(
        "block_type",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("slug", sa.String(), nullable=False),
        sa.Column("logo_url", sa.String(), nullable=True),
        sa.Column("documentation_url", sa.String(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("code_example", sa.Text(), nullable=True),
        sa.Column("is_protected", sa.Boolean(), nullable=False),
        *_base("block_type"),
        sa.UniqueConstraint("slug", name="uq_block_type__slug"),
    )
    op.create_table(
        "block_schema",
        sa.Column("checksum", sa.String(), nullable=False),
        sa.Column("fields", JSON, nullable=False),
        sa.Column("capabilities", JSON, nullable=False),
        sa.Column("version", sa.String(), nullable=False),
        sa.Column("block_type_id", sa.Uuid(), nullable=False),
        *_base("block_schema"),
        _cascading_fk("block_schema", "block_type_id", "block_type"),
        sa.UniqueConstraint("checksum", "version", name="uq_block_schema__checksum_version"),
    )
    _index("block_schema", "block_type_id")
    _index("block_schema", "created")

    op.create_table(
        "block_document",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("is_anonymous", sa.Boolean(), nullable=False),
        sa.Column("block_type_id", sa.Uuid(), nullable=False),
        sa.Column("block_schema_id", sa.Uuid(), nullable=False),
        *_base("block_document"),
        _cascading_fk("block_document", "block_type_id", "block_type"),
        _cascading_fk("block_document", "block_schema_id", "block_schema"),
        sa.UniqueConstraint("block_type_id", "name", name="uq_block_document__block_type_id_name"),
    )
    _index("block_document", "block_schema_id")
    _index("block_document", "name")

    op.create_table(
        "block_document_reference",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("parent_block_document_id", sa.Uuid(), nullable=False),
        sa.Column("reference_block_document_id", sa.Uuid(), nullable=False),
        *_base("block_document_reference"),
        sa.ForeignKeyConstraint(
            ["parent_block_document_id"],
            ["block_document.id"],
            name="fk_block_document_reference__parent_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reference_block_document_id"],
            ["block_document.id"],
            name="fk_block_document_reference__reference_id",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "parent_block_document_id",
            "name",
            name="uq_block_document_reference__parent_block_document_id_name",
        ),
    )
    _index("block_document_reference", "reference_block_document_id")


def downgrade() -> None:
    for table in ("block_document_reference", "block_document", "block_schema", "block_type"):
        op.drop_table(table)
