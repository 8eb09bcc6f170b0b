"""The client's block methods against the embedded store, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from prefect.client.orchestration import PrefectClient, SyncPrefectClient, get_client
from prefect.exceptions import (
    ObjectAlreadyExists,
    ObjectNotFound,
    PrefectHTTPStatusError,
    ProtectedBlockError,
)
from prefect.schemas.blocks import (
    OBFUSCATED_SECRET,
    BlockDocument,
    BlockDocumentCreate,
    BlockDocumentUpdate,
    BlockSchema,
    BlockSchemaCreate,
    BlockType,
    BlockTypeCreate,
    BlockTypeUpdate,
    block_schema_checksum,
)
from prefect_server.database.engine import Database
from prefect_server.models.block_types import create_block_type
from pydantic import SecretStr

FIELDS = {
    "title": "Creds",
    "type": "object",
    "properties": {"user": {"type": "string"}, "password": {"type": "string"}},
    "secret_fields": ["password"],
}


@pytest.fixture
async def client(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[PrefectClient]:
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", database_url)
    async with get_client() as c:
        yield c


async def _registered(client: PrefectClient) -> tuple[BlockType, BlockSchema]:
    block_type = await client.create_block_type(BlockTypeCreate(name="Creds", slug="creds"))
    schema = await client.create_block_schema(
        BlockSchemaCreate(block_type_id=block_type.id, fields=FIELDS, capabilities=["auth"])
    )
    return block_type, schema


async def test_block_types(client: PrefectClient, database_url: str) -> None:
    created = await client.create_block_type(
        BlockTypeCreate(name="Creds", slug="creds", description="Keys")
    )
    assert isinstance(created, BlockType) and created.description == "Keys"
    assert (await client.read_block_type_by_slug("creds")).id == created.id
    with pytest.raises(ObjectAlreadyExists):
        await client.create_block_type(BlockTypeCreate(name="Again", slug="creds"))
    with pytest.raises(ObjectNotFound):
        await client.read_block_type_by_slug("nope")

    await client.update_block_type(created.id, BlockTypeUpdate(code_example="use(it)"))
    updated = await client.read_block_type_by_slug("creds")
    assert (updated.code_example, updated.description) == ("use(it)", "Keys")
    # a read block type can be sent back as the update, as Prefect's Block classes do
    await client.update_block_type(created.id, updated)
    with pytest.raises(ObjectNotFound):
        await client.update_block_type(uuid.uuid4(), BlockTypeUpdate(description="x"))

    await client.create_block_type(BlockTypeCreate(name="Another", slug="another"))
    assert [t.slug for t in await client.read_block_types()] == ["another", "creds"]

    await client.delete_block_type(created.id)
    with pytest.raises(ObjectNotFound):
        await client.delete_block_type(created.id)

    db = Database(database_url)
    try:
        async with db.write() as session:
            row = await create_block_type(
                session, BlockTypeCreate(name="Built In", slug="built-in"), is_protected=True
            )
            assert row is not None
            protected = row.id
    finally:
        await db.dispose()
    with pytest.raises(ProtectedBlockError):
        await client.delete_block_type(protected)
    with pytest.raises(ProtectedBlockError, match="cannot be updated"):
        await client.update_block_type(protected, BlockTypeUpdate(description="changed"))


async def test_block_schemas(client: PrefectClient) -> None:
    block_type, schema = await _registered(client)
    assert schema.checksum == block_schema_checksum(FIELDS)
    assert schema.block_type is not None and schema.block_type.slug == "creds"
    again = await client.create_block_schema(
        BlockSchemaCreate(block_type_id=block_type.id, fields=FIELDS)
    )
    assert again.id == schema.id

    assert (await client.read_block_schema_by_checksum(schema.checksum)).id == schema.id
    pinned = await client.read_block_schema_by_checksum(schema.checksum, version="non-versioned")
    assert pinned.id == schema.id
    with pytest.raises(ObjectNotFound):
        await client.read_block_schema_by_checksum(schema.checksum, version="9")
    with pytest.raises(ObjectNotFound):
        await client.read_block_schema_by_checksum("sha256:nope")

    newer = await client.create_block_schema(
        BlockSchemaCreate(block_type_id=block_type.id, fields={**FIELDS, "title": "Creds 2"})
    )
    assert [s.id for s in await client.read_block_schemas()] == [newer.id, schema.id]
    latest = await client.get_most_recent_block_schema_for_block_type(block_type.id)
    assert latest is not None and latest.id == newer.id
    assert await client.get_most_recent_block_schema_for_block_type(uuid.uuid4()) is None
    with pytest.raises(ObjectNotFound):
        await client.create_block_schema(BlockSchemaCreate(block_type_id=uuid.uuid4()))


async def test_block_documents(client: PrefectClient) -> None:
    block_type, schema = await _registered(client)

    def create(name: str | None, data: dict[str, object], **extra: object) -> BlockDocumentCreate:
        return BlockDocumentCreate.model_validate(
            {
                "name": name,
                "data": data,
                "block_schema_id": schema.id,
                "block_type_id": block_type.id,
                **extra,
            }
        )

    created = await client.create_block_document(
        create("mine", {"user": "u", "password": SecretStr("p")})
    )
    assert isinstance(created, BlockDocument)
    assert created.data == {"user": "u", "password": OBFUSCATED_SECRET}
    read = await client.read_block_document(created.id)
    assert read.data == {"user": "u", "password": "p"}  # include_secrets=True by default
    hidden = await client.read_block_document(created.id, include_secrets=False)
    assert hidden.data["password"] == OBFUSCATED_SECRET
    by_name = await client.read_block_document_by_name("mine", "creds")
    assert by_name.id == created.id and by_name.data["password"] == "p"
    with pytest.raises(ObjectNotFound):
        await client.read_block_document_by_name("nope", "creds")
    with pytest.raises(ObjectNotFound):
        await client.read_block_document(uuid.uuid4())
    with pytest.raises(ObjectAlreadyExists):
        await client.create_block_document(create("mine", {}))

    # a secret left out of what is stored, on purpose
    unsent = await client.create_block_document(
        create("unsent", {"password": SecretStr("p")}), include_secrets=False
    )
    assert (await client.read_block_document(unsent.id)).data["password"] == OBFUSCATED_SECRET

    anonymous = await client.create_block_document(create(None, {}, is_anonymous=True))
    assert anonymous.name is not None and anonymous.name.startswith("anonymous-")

    await client.update_block_document(
        created.id, BlockDocumentUpdate(data={"user": "v", "password": OBFUSCATED_SECRET})
    )
    assert (await client.read_block_document(created.id)).data == {"user": "v", "password": "p"}
    await client.update_block_document(
        created.id, BlockDocumentUpdate(data={"user": "w"}, merge_existing_data=False)
    )
    assert (await client.read_block_document(created.id)).data == {"user": "w"}
    with pytest.raises(ObjectNotFound):
        await client.update_block_document(uuid.uuid4(), BlockDocumentUpdate(data={}))

    parent = await client.create_block_document(
        create("parent", {"inner": {"$ref": {"block_document_id": str(created.id)}}})
    )
    assert parent.data == {"inner": {"user": "w"}}
    assert parent.block_document_references["inner"]["block_document"]["name"] == "mine"

    listed = await client.read_block_documents()
    assert [d.name for d in listed] == ["mine", "parent", "unsent"]  # no anonymous ones
    assert [d.name for d in await client.read_block_documents(offset=1, limit=1)] == ["parent"]
    assert (await client.read_block_documents(include_secrets=False))[0].data == {"user": "w"}
    assert await client.read_block_documents(block_schema_type="other") == []
    by_type = await client.read_block_documents_by_type("creds", limit=2)
    assert [d.name for d in by_type] == ["mine", "parent"]
    assert [d.name for d in await client.read_block_documents_by_type("creds", offset=2)] == [
        "unsent"
    ]
    with pytest.raises(ObjectNotFound):
        await client.read_block_documents_by_type("nope")

    await client.delete_block_document(created.id)
    with pytest.raises(ObjectNotFound):
        await client.delete_block_document(created.id)
    assert (await client.read_block_document(parent.id)).data == {}


async def test_bad_documents_raise_with_the_reason(client: PrefectClient) -> None:
    block_type, schema = await _registered(client)
    document = BlockDocument(
        name="Not Valid", block_schema_id=schema.id, block_type_id=block_type.id
    )
    with pytest.raises(PrefectHTTPStatusError, match="lowercase letters") as caught:
        await client.create_block_document(document)
    assert caught.value.status_code == 422


def test_sync_client_has_the_block_methods(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", database_url)
    with get_client(sync_client=True) as client:
        assert isinstance(client, SyncPrefectClient)
        block_type = client.create_block_type(BlockTypeCreate(name="Sync", slug="sync"))
        assert client.read_block_type_by_slug("sync").id == block_type.id
        with pytest.raises(ObjectNotFound):
            client.read_block_document(uuid.uuid4())
