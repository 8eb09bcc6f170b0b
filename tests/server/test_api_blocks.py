"""/block_types, /block_schemas, /block_documents and /block_capabilities, on both backends."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from prefect.schemas.blocks import BlockTypeCreate, block_schema_checksum
from prefect_server.database.engine import Database
from prefect_server.models.block_types import create_block_type

Json = dict[str, Any]
HIDDEN = "********"

CREDS_FIELDS: Json = {
    "title": "Creds",
    "type": "object",
    "properties": {
        "user": {"type": "string"},
        "password": {"type": "string", "format": "password"},
        "auth": {"type": "object"},
        "headers": {"type": "object"},
    },
    "secret_fields": ["password", "auth.token", "headers.*"],
}


@pytest.fixture
def make_type(api: httpx.AsyncClient) -> Callable[..., Awaitable[Json]]:
    async def make(slug: str = "creds", **fields: Any) -> Json:
        body = {"name": slug.replace("-", " ").title(), "slug": slug, **fields}
        response = await api.post("/block_types/", json=body)
        assert response.status_code == 201, response.text
        result: Json = response.json()
        return result

    return make


@pytest.fixture
def make_schema(api: httpx.AsyncClient) -> Callable[..., Awaitable[Json]]:
    async def make(block_type: Json, fields: Json | None = None, **extra: Any) -> Json:
        body = {"block_type_id": block_type["id"], "fields": fields or CREDS_FIELDS, **extra}
        response = await api.post("/block_schemas/", json=body)
        assert response.status_code == 201, response.text
        result: Json = response.json()
        return result

    return make


@pytest.fixture
def make_document(api: httpx.AsyncClient) -> Callable[..., Awaitable[Json]]:
    async def make(schema: Json, name: str | None, data: Json, **extra: Any) -> Json:
        body = {
            "name": name,
            "block_type_id": schema["block_type_id"],
            "block_schema_id": schema["id"],
            "data": data,
            **extra,
        }
        response = await api.post("/block_documents/", json=body)
        assert response.status_code == 201, response.text
        result: Json = response.json()
        return result

    return make


@pytest.fixture
async def creds(make_type: Any, make_schema: Any) -> Json:
    """A block schema of a "creds" block type with secret fields."""
    schema: Json = await make_schema(await make_type("creds"))
    return schema


async def _protected_type(database_url: str, slug: str) -> uuid.UUID:
    # the API cannot make protected types; the server registers its built-in ones this way
    db = Database(database_url)
    try:
        async with db.write() as session:
            row = await create_block_type(
                session, BlockTypeCreate(name="Built In", slug=slug), is_protected=True
            )
            assert row is not None
            return row.id
    finally:
        await db.dispose()


# -- block types ------------------------------------------------------------------------


async def test_block_type_create_read_and_conflicts(api: httpx.AsyncClient, make_type: Any) -> None:
    created = await make_type("aws-creds", description="Keys", logo_url="https://x/logo.png")
    assert created["is_protected"] is False and created["description"] == "Keys"

    by_id = await api.get(f"/block_types/{created['id']}")
    assert by_id.status_code == 200 and by_id.json()["slug"] == "aws-creds"
    by_slug = await api.get("/block_types/slug/aws-creds")
    assert by_slug.json()["id"] == created["id"]

    again = await api.post("/block_types/", json={"name": "Other", "slug": "aws-creds"})
    assert again.status_code == 409 and "aws-creds" in again.json()["detail"]

    assert (await api.get(f"/block_types/{uuid.uuid4()}")).json() == {
        "detail": "Block type not found"
    }
    assert (await api.get("/block_types/slug/nope")).status_code == 404
    assert (await api.get("/block_types/not-a-uuid")).status_code == 422


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"name": "X", "slug": "Bad_Slug"}, "Block type slug must only contain lowercase"),
        ({"name": "X", "slug": ""}, "at least 1 character"),
        ({"name": "a/b", "slug": "ab"}, "should match pattern"),
        ({"name": "X"}, "Field required"),
        ({"name": "X", "slug": "x", "is_protected": True}, "Extra inputs"),
    ],
)
async def test_block_type_bad_bodies(api: httpx.AsyncClient, body: Json, reason: str) -> None:
    response = await api.post("/block_types/", json=body)
    assert response.status_code == 422
    assert reason in json.dumps(response.json()["detail"])


async def test_prefect_names_are_reserved(api: httpx.AsyncClient) -> None:
    response = await api.post("/block_types/", json={"name": "Prefect Thing", "slug": "thing"})
    assert response.status_code == 403
    assert response.json()["detail"] == "Block type names beginning with 'Prefect' are reserved."


async def test_block_type_filter(api: httpx.AsyncClient, make_type: Any, make_schema: Any) -> None:
    storage = await make_type("local-storage")
    await make_schema(storage, {"title": "S"}, capabilities=["read-path", "write-path"])
    other = await make_type("webhook")
    await make_schema(other, {"title": "W"}, capabilities=["notify"])

    names = [t["slug"] for t in (await api.post("/block_types/filter")).json()]
    assert names == ["local-storage", "webhook"]  # sorted by name
    by_name = await api.post(
        "/block_types/filter", json={"block_types": {"name": {"like_": "HOOK"}}}
    )
    assert [t["slug"] for t in by_name.json()] == ["webhook"]
    by_slug = await api.post(
        "/block_types/filter", json={"block_types": {"slug": {"any_": ["local-storage"]}}}
    )
    assert [t["slug"] for t in by_slug.json()] == ["local-storage"]
    capable = await api.post(
        "/block_types/filter",
        json={"block_schemas": {"block_capabilities": {"all_": ["write-path", "read-path"]}}},
    )
    assert [t["slug"] for t in capable.json()] == ["local-storage"]
    paged = await api.post("/block_types/filter", json={"limit": 1, "offset": 1})
    assert [t["slug"] for t in paged.json()] == ["webhook"]
    bad = await api.post("/block_types/filter", json={"block_types": {"slug": {"all_": []}}})
    assert bad.status_code == 422


async def test_block_type_update_and_protection(
    api: httpx.AsyncClient, make_type: Any, database_url: str
) -> None:
    created = await make_type("thing")
    response = await api.patch(f"/block_types/{created['id']}", json={"description": "new"})
    assert response.status_code == 204
    assert (await api.get(f"/block_types/{created['id']}")).json()["description"] == "new"
    assert (await api.patch(f"/block_types/{uuid.uuid4()}", json={})).status_code == 404
    assert (await api.patch(f"/block_types/{created['id']}", json={"slug": "x"})).status_code == 422

    protected = await _protected_type(database_url, "built-in")
    read = (await api.get(f"/block_types/{protected}")).json()
    assert read["is_protected"] is True
    change = await api.patch(f"/block_types/{protected}", json={"description": "hacked"})
    assert change.status_code == 403
    assert change.json()["detail"] == "protected block types cannot be updated."
    # re-registering a built-in type unchanged is a no-op, not an error
    same = await api.patch(f"/block_types/{protected}", json={"description": None})
    assert same.status_code == 204
    delete = await api.delete(f"/block_types/{protected}")
    assert delete.status_code == 403
    assert delete.json()["detail"] == "protected block types cannot be deleted."
    assert (await api.get(f"/block_types/{protected}")).status_code == 200


async def test_delete_block_type_cascades(
    api: httpx.AsyncClient, creds: Json, make_document: Any
) -> None:
    document = await make_document(creds, "mine", {"user": "u"})
    assert (await api.delete(f"/block_types/{creds['block_type_id']}")).status_code == 204
    assert (await api.get(f"/block_types/{creds['block_type_id']}")).status_code == 404
    assert (await api.get(f"/block_schemas/{creds['id']}")).status_code == 404
    assert (await api.get(f"/block_documents/{document['id']}")).status_code == 404
    assert (await api.delete(f"/block_types/{creds['block_type_id']}")).status_code == 404


# -- block schemas ----------------------------------------------------------------------


def _expected_checksum(fields: Json) -> str:
    # Prefect's recipe, written out: no secret_fields, sorted keys, its (args, kwargs) layout
    trimmed = {k: v for k, v in fields.items() if k != "secret_fields"}
    payload = json.dumps([[trimmed], {}], sort_keys=True)
    return "sha256:" + hashlib.sha256(payload.encode()).hexdigest()


async def test_block_schema_create_is_idempotent(api: httpx.AsyncClient, make_type: Any) -> None:
    block_type = await make_type("creds")
    body = {"block_type_id": block_type["id"], "fields": CREDS_FIELDS, "capabilities": ["x"]}
    first = await api.post("/block_schemas/", json=body)
    assert first.status_code == 201
    schema = first.json()
    assert schema["checksum"] == _expected_checksum(CREDS_FIELDS)
    assert schema["checksum"] == block_schema_checksum(CREDS_FIELDS)
    assert schema["version"] == "non-versioned"
    assert schema["block_type"]["slug"] == "creds"
    assert schema["fields"]["block_schema_references"] == {}

    again = await api.post("/block_schemas/", json=body)
    assert again.status_code == 200 and again.json()["id"] == schema["id"]
    # the secret field list does not count in the checksum
    relisted = {**body, "fields": {**CREDS_FIELDS, "secret_fields": []}}
    assert (await api.post("/block_schemas/", json=relisted)).json()["id"] == schema["id"]
    versioned = await api.post("/block_schemas/", json={**body, "version": "2.0"})
    assert versioned.status_code == 201 and versioned.json()["id"] != schema["id"]


def test_block_schema_checksum_skips_nested_block_definitions() -> None:
    fields: Json = {
        "properties": {"inner": {"$ref": "#/definitions/Inner"}, "x": {"$ref": "#/definitions/X"}},
        "definitions": {
            "Inner": {"block_type_slug": "inner", "title": "Inner"},
            "X": {"title": "X", "properties": {"y": {"$ref": "#/definitions/Y"}}},
            "Y": {"title": "Y"},
            "Unused": {"title": "Unused"},
        },
    }
    plain = {**fields, "definitions": {"X": fields["definitions"]["X"], "Y": {"title": "Y"}}}
    assert block_schema_checksum(fields) == _expected_checksum(plain)
    only_blocks = {"properties": fields["properties"], "definitions": {"Inner": {}}}
    assert block_schema_checksum(only_blocks) == _expected_checksum(
        {"properties": fields["properties"]}
    )


async def test_block_schema_reads(api: httpx.AsyncClient, make_type: Any, make_schema: Any) -> None:
    block_type = await make_type("creds")
    old = await make_schema(block_type, {"title": "v1"}, version="1")
    new = await make_schema(block_type, {"title": "v1"}, version="2", capabilities=["a", "b"])
    other = await make_schema(await make_type("other"), {"title": "o"}, capabilities=["b"])

    assert (await api.get(f"/block_schemas/{old['id']}")).json()["version"] == "1"
    assert (await api.get(f"/block_schemas/{uuid.uuid4()}")).json() == {
        "detail": "Block schema not found"
    }
    newest = await api.get(f"/block_schemas/checksum/{old['checksum']}")
    assert newest.json()["id"] == new["id"]
    pinned = await api.get(f"/block_schemas/checksum/{old['checksum']}", params={"version": "1"})
    assert pinned.json()["id"] == old["id"]
    missing = await api.get("/block_schemas/checksum/sha256:nope")
    assert missing.status_code == 404
    wrong_version = await api.get(
        f"/block_schemas/checksum/{old['checksum']}", params={"version": "9"}
    )
    assert wrong_version.status_code == 404

    everything = (await api.post("/block_schemas/filter")).json()
    assert [s["id"] for s in everything] == [other["id"], new["id"], old["id"]]  # newest first

    async def ids(flt: Json, **extra: Any) -> list[str]:
        response = await api.post("/block_schemas/filter", json={"block_schemas": flt, **extra})
        assert response.status_code == 200, response.text
        return [s["id"] for s in response.json()]

    assert await ids({"block_type_id": {"any_": [block_type["id"]]}}, limit=1) == [new["id"]]
    assert await ids({"block_capabilities": {"all_": ["b"]}}) == [other["id"], new["id"]]
    assert await ids({"block_capabilities": {"all_": ["a", "b"]}}) == [new["id"]]
    assert await ids({"version": {"any_": ["1"]}}) == [old["id"]]
    assert await ids({"id": {"any_": [old["id"]]}}) == [old["id"]]
    either = {"operator": "or_", "version": {"any_": ["1"]}, "block_capabilities": {"all_": ["a"]}}
    assert await ids(either) == [new["id"], old["id"]]

    capabilities = await api.get("/block_capabilities/")
    assert capabilities.status_code == 200 and capabilities.json() == ["a", "b"]


async def test_block_schema_bad_inputs(api: httpx.AsyncClient, make_type: Any) -> None:
    unknown = await api.post("/block_schemas/", json={"block_type_id": str(uuid.uuid4())})
    assert unknown.status_code == 404 and "not found" in unknown.json()["detail"]
    assert (await api.post("/block_schemas/", json={"fields": {}})).status_code == 422
    block_type = await make_type("parent")
    nested = {
        "title": "Parent",
        "block_schema_references": {
            "child": {"block_type_slug": "unregistered", "block_schema_checksum": "sha256:0"}
        },
    }
    missing = await api.post(
        "/block_schemas/", json={"block_type_id": block_type["id"], "fields": nested}
    )
    assert missing.status_code == 409 and "'unregistered' was not found" in missing.json()["detail"]
    # the request left nothing behind
    assert (await api.post("/block_schemas/filter")).json() == []


async def test_block_schema_delete(
    api: httpx.AsyncClient, creds: Json, make_document: Any, database_url: str, make_schema: Any
) -> None:
    document = await make_document(creds, "mine", {})
    assert (await api.delete(f"/block_schemas/{creds['id']}")).status_code == 204
    assert (await api.get(f"/block_schemas/{creds['id']}")).status_code == 404
    assert (await api.get(f"/block_documents/{document['id']}")).status_code == 404
    assert (await api.delete(f"/block_schemas/{creds['id']}")).status_code == 404

    protected = await _protected_type(database_url, "built-in")
    schema = await make_schema({"id": str(protected)}, {"title": "B"})
    refused = await api.delete(f"/block_schemas/{schema['id']}")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Block schemas for protected block types cannot be deleted."


# -- block documents --------------------------------------------------------------------


async def test_document_secrets_are_hidden_unless_asked(
    api: httpx.AsyncClient, creds: Json, make_document: Any
) -> None:
    data = {
        "user": "me",
        "password": "hunter2",
        "auth": {"token": "t0k3n", "kind": "bearer"},
        "headers": {"X-Key": "k", "X-Other": {"deep": "v"}},
    }
    created = await make_document(creds, "mine", data)
    hidden = {
        "user": "me",
        "password": HIDDEN,
        "auth": {"token": HIDDEN, "kind": "bearer"},
        "headers": {"X-Key": HIDDEN, "X-Other": {"deep": HIDDEN}},
    }
    assert created["data"] == hidden
    assert created["block_type_name"] == "Creds"
    assert created["block_schema"]["id"] == creds["id"]
    assert created["block_type"]["slug"] == "creds"
    assert created["is_anonymous"] is False

    read = await api.get(f"/block_documents/{created['id']}")
    assert read.json()["data"] == hidden
    revealed = await api.get(f"/block_documents/{created['id']}", params={"include_secrets": True})
    assert revealed.json()["data"] == data
    by_name = await api.get(
        "/block_types/slug/creds/block_documents/name/mine", params={"include_secrets": "true"}
    )
    assert by_name.json()["data"] == data
    listed = await api.post("/block_documents/filter", json={"include_secrets": True})
    assert listed.json()[0]["data"] == data
    assert (await api.post("/block_documents/filter")).json()[0]["data"] == hidden


async def test_document_names(
    api: httpx.AsyncClient, creds: Json, make_document: Any, make_type: Any, make_schema: Any
) -> None:
    await make_document(creds, "mine", {})
    body = {"block_type_id": creds["block_type_id"], "block_schema_id": creds["id"]}
    taken = await api.post("/block_documents/", json={**body, "name": "mine"})
    assert taken.status_code == 409 and taken.json()["detail"] == "Block already exists"
    # the same name under another block type is another document
    other = await make_schema(await make_type("other"), {"title": "O"})
    await make_document(other, "mine", {})

    for bad in ("Mine", "my_block", "a/b", "with space"):
        response = await api.post("/block_documents/", json={**body, "name": bad})
        assert response.status_code == 422, bad
    lowercase = await api.post("/block_documents/", json={**body, "name": "UPPER"})
    assert "Block document name must only contain lowercase" in json.dumps(lowercase.json())
    unnamed = await api.post("/block_documents/", json=body)
    assert unnamed.status_code == 422
    assert "Names must be provided for block documents." in json.dumps(unnamed.json())
    extra = await api.post("/block_documents/", json={**body, "name": "x", "nmae": "y"})
    assert extra.status_code == 422
    # Prefect's Block.save sends the type's name along; the stored type's name wins
    named = await api.post("/block_documents/", json={**body, "name": "x", "block_type_name": "C"})
    assert named.status_code == 201 and named.json()["block_type_name"] == "Creds"


async def test_anonymous_documents(api: httpx.AsyncClient, creds: Json, make_document: Any) -> None:
    named = await make_document(creds, "named", {})
    anonymous = await make_document(creds, None, {"user": "a"}, is_anonymous=True)
    assert anonymous["is_anonymous"] is True
    assert anonymous["name"].startswith("anonymous-")
    uuid.UUID(anonymous["name"].removeprefix("anonymous-"))

    default = await api.post("/block_documents/filter", json={})
    assert [d["id"] for d in default.json()] == [named["id"]]
    assert (await api.post("/block_documents/count")).json() == 1
    no_filter = {"block_documents": {"is_anonymous": None}}
    everything = await api.post("/block_documents/filter", json=no_filter)
    assert len(everything.json()) == 2
    assert (await api.post("/block_documents/count", json=no_filter)).json() == 2
    only = await api.post(
        "/block_documents/filter", json={"block_documents": {"is_anonymous": {"eq_": True}}}
    )
    assert [d["id"] for d in only.json()] == [anonymous["id"]]
    # read by id finds an anonymous document whatever the filters say
    assert (await api.get(f"/block_documents/{anonymous['id']}")).status_code == 200
    by_type = await api.get("/block_types/slug/creds/block_documents")
    assert [d["id"] for d in by_type.json()] == [named["id"]]


async def test_document_filters_sort_and_pages(
    api: httpx.AsyncClient, make_type: Any, make_schema: Any, make_document: Any
) -> None:
    alpha = await make_schema(await make_type("alpha"), {"title": "A"}, capabilities=["c"])
    beta = await make_schema(await make_type("beta"), {"title": "B"})
    await make_document(beta, "aaa", {})
    await make_document(alpha, "bbb", {})
    await make_document(alpha, "ccc", {})

    async def names(body: Json) -> list[str]:
        response = await api.post("/block_documents/filter", json=body)
        assert response.status_code == 200, response.text
        return [d["name"] for d in response.json()]

    assert await names({}) == ["aaa", "bbb", "ccc"]
    assert await names({"sort": "NAME_DESC"}) == ["ccc", "bbb", "aaa"]
    assert await names({"sort": "BLOCK_TYPE_AND_NAME_ASC"}) == ["bbb", "ccc", "aaa"]
    assert await names({"limit": 1, "offset": 1}) == ["bbb"]
    # Prefect's client sends nulls for "not given"
    assert await names({"offset": None, "limit": None, "block_schema_type": None}) == [
        "aaa",
        "bbb",
        "ccc",
    ]
    assert await names({"block_schema_type": "beta"}) == ["aaa"]
    assert await names({"block_types": {"slug": {"any_": ["alpha"]}}}) == ["bbb", "ccc"]
    assert await names({"block_schemas": {"block_capabilities": {"all_": ["c"]}}}) == [
        "bbb",
        "ccc",
    ]
    assert await names({"block_documents": {"name": {"any_": ["ccc"]}}}) == ["ccc"]
    assert await names({"block_documents": {"name": {"like_": "B%"}}}) == ["bbb"]
    assert await names(
        {"block_documents": {"block_type_id": {"any_": [beta["block_type_id"]]}}}
    ) == ["aaa"]
    count = await api.post(
        "/block_documents/count", json={"block_types": {"slug": {"any_": ["alpha"]}}}
    )
    assert count.json() == 2
    assert (await api.post("/block_documents/filter", json={"sort": "NOPE"})).status_code == 422
    assert (await api.post("/block_documents/filter", json={"offset": -1})).status_code == 422

    by_type = await api.get("/block_types/slug/alpha/block_documents", params={"limit": 1})
    assert [d["name"] for d in by_type.json()] == ["bbb"]
    lenient = await api.get("/block_types/slug/alpha/block_documents?offset=&limit=")
    assert [d["name"] for d in lenient.json()] == ["bbb", "ccc"]
    assert (await api.get("/block_types/slug/alpha/block_documents?limit=x")).status_code == 422
    assert (await api.get("/block_types/slug/nope/block_documents")).status_code == 404
    missing = await api.get("/block_types/slug/alpha/block_documents/name/aaa")
    assert missing.status_code == 404 and missing.json()["detail"] == "Block document not found"


async def test_document_bad_references_to_type_and_schema(
    api: httpx.AsyncClient, creds: Json, make_type: Any, make_schema: Any
) -> None:
    other = await make_schema(await make_type("other"), {"title": "O"})
    base = {"name": "x", "data": {}}
    unknown_type = await api.post(
        "/block_documents/",
        json={**base, "block_type_id": str(uuid.uuid4()), "block_schema_id": creds["id"]},
    )
    assert unknown_type.status_code == 404
    unknown_schema = await api.post(
        "/block_documents/",
        json={
            **base,
            "block_type_id": creds["block_type_id"],
            "block_schema_id": str(uuid.uuid4()),
        },
    )
    assert unknown_schema.status_code == 404
    mismatch = await api.post(
        "/block_documents/",
        json={**base, "block_type_id": creds["block_type_id"], "block_schema_id": other["id"]},
    )
    assert mismatch.status_code == 422 and "is not a schema of block type" in mismatch.text
    assert (await api.post("/block_documents/count", json={"block_documents": None})).json() == 0


async def test_update_merges_replaces_and_keeps_secrets(
    api: httpx.AsyncClient, creds: Json, make_document: Any
) -> None:
    document = await make_document(
        creds, "mine", {"user": "u", "password": "p", "auth": {"token": "t"}, "extra": 1}
    )
    url = f"/block_documents/{document['id']}"

    async def stored() -> Json:
        data: Json = (await api.get(url, params={"include_secrets": True})).json()["data"]
        return data

    # a read-edit-write round trip leaves the secrets as they were
    shown = (await api.get(url)).json()["data"]
    assert shown["password"] == HIDDEN
    assert (await api.patch(url, json={"data": {**shown, "user": "v"}})).status_code == 204
    assert await stored() == {"user": "v", "password": "p", "auth": {"token": "t"}, "extra": 1}

    # merge (the default) changes only the keys sent
    await api.patch(url, json={"data": {"password": "new"}})
    assert await stored() == {"user": "v", "password": "new", "auth": {"token": "t"}, "extra": 1}

    # without merge, the data sent is the whole data
    await api.patch(
        url, json={"data": {"user": "w", "password": HIDDEN}, "merge_existing_data": False}
    )
    assert await stored() == {"user": "w", "password": "new"}
    await api.patch(url, json={"merge_existing_data": False})
    assert await stored() == {}

    before = (await api.get(url)).json()["updated"]
    assert (await api.patch(url, json={})).status_code == 204
    assert (await api.get(url)).json()["updated"] >= before

    assert (await api.patch(f"/block_documents/{uuid.uuid4()}", json={})).status_code == 404
    assert (await api.patch(url, json={"name": "renamed"})).status_code == 422


async def test_update_schema_migration(
    api: httpx.AsyncClient, creds: Json, make_document: Any, make_type: Any, make_schema: Any
) -> None:
    document = await make_document(creds, "mine", {"user": "u"})
    url = f"/block_documents/{document['id']}"
    newer = await make_schema({"id": creds["block_type_id"]}, {"title": "Creds v2"})
    assert (await api.patch(url, json={"block_schema_id": newer["id"]})).status_code == 204
    assert (await api.get(url)).json()["block_schema_id"] == newer["id"]

    foreign = await make_schema(await make_type("other"), {"title": "O"})
    refused = await api.patch(url, json={"block_schema_id": foreign["id"], "data": {"a": 1}})
    assert refused.status_code == 400
    assert refused.json()["detail"] == (
        "Must migrate block document to a block schema of the same block type."
    )
    # the refused update wrote nothing
    assert (await api.get(url, params={"include_secrets": True})).json()["data"] == {"user": "u"}
    unknown = await api.patch(url, json={"block_schema_id": str(uuid.uuid4())})
    assert unknown.status_code == 404


async def test_nested_documents_are_hydrated(
    api: httpx.AsyncClient, creds: Json, make_document: Any, make_type: Any, make_schema: Any
) -> None:
    child = await make_document(creds, "child", {"user": "c", "password": "child-secret"})
    holder_fields = {"title": "Holder", "secret_fields": ["inline.password"]}
    holder = await make_schema(await make_type("holder"), holder_fields)
    parent = await make_document(
        holder,
        "parent",
        {
            "name": "p",
            "creds": {"$ref": {"block_document_id": child["id"]}},
            "inline": {"password": "inline-secret"},
        },
    )
    assert parent["data"] == {
        "name": "p",
        "creds": {"user": "c", "password": HIDDEN},
        "inline": {"password": HIDDEN},
    }
    reference = parent["block_document_references"]["creds"]["block_document"]
    assert reference["id"] == child["id"] and reference["name"] == "child"
    assert reference["block_type"]["slug"] == "creds"
    assert reference["is_anonymous"] is False
    assert reference["block_document_references"] == {}

    url = f"/block_documents/{parent['id']}"
    revealed = (await api.get(url, params={"include_secrets": True})).json()["data"]
    assert revealed["creds"] == {"user": "c", "password": "child-secret"}

    # a change to the child shows through the parent
    await api.patch(f"/block_documents/{child['id']}", json={"data": {"user": "c2"}})
    assert (await api.get(url)).json()["data"]["creds"]["user"] == "c2"

    # two levels deep
    grand = await make_document(
        holder, "grand", {"inner": {"$ref": {"block_document_id": parent["id"]}}}
    )
    inner = grand["block_document_references"]["inner"]["block_document"]
    assert inner["block_document_references"]["creds"]["block_document"]["name"] == "child"
    assert grand["data"]["inner"]["creds"] == {"user": "c2", "password": HIDDEN}

    # merging an update keeps the nested document; replacing without it drops the reference
    await api.patch(url, json={"data": {"name": "p2"}})
    merged = (await api.get(url)).json()
    assert (
        merged["data"]["creds"]["user"] == "c2" and "creds" in merged["block_document_references"]
    )
    await api.patch(url, json={"data": {"name": "p3"}, "merge_existing_data": False})
    replaced = (await api.get(url)).json()
    assert replaced["data"] == {"name": "p3"} and replaced["block_document_references"] == {}

    # deleting a nested document takes it out of its parents
    ref = {"$ref": {"block_document_id": child["id"]}}
    await api.patch(url, json={"data": {"creds": ref}})
    assert (await api.delete(f"/block_documents/{child['id']}")).status_code == 204
    assert (await api.get(url)).json()["data"] == {"name": "p3"}
    assert (await api.delete(f"/block_documents/{child['id']}")).status_code == 404
    assert (await api.get(f"/block_documents/{child['id']}")).status_code == 404


async def test_bad_references(api: httpx.AsyncClient, creds: Json, make_document: Any) -> None:
    body = {"name": "x", "block_type_id": creds["block_type_id"], "block_schema_id": creds["id"]}
    no_id = await api.post("/block_documents/", json={**body, "data": {"a": {"$ref": {}}}})
    assert no_id.status_code == 422 and "without a block_document_id in key a" in no_id.text
    bad_id = await api.post(
        "/block_documents/", json={**body, "data": {"a": {"$ref": {"block_document_id": "zz"}}}}
    )
    assert bad_id.status_code == 422
    missing = await api.post(
        "/block_documents/",
        json={**body, "data": {"a": {"$ref": {"block_document_id": str(uuid.uuid4())}}}},
    )
    assert missing.status_code == 404
    assert (await api.post("/block_documents/count")).json() == 0

    first = await make_document(creds, "first", {})
    second = await make_document(
        creds, "second", {"a": {"$ref": {"block_document_id": first["id"]}}}
    )
    loop = {"data": {"b": {"$ref": {"block_document_id": second["id"]}}}}
    cycle = await api.patch(f"/block_documents/{first['id']}", json=loop)
    assert cycle.status_code == 400 and "in itself" in cycle.json()["detail"]
    itself = {"data": {"me": {"$ref": {"block_document_id": first["id"]}}}}
    assert (await api.patch(f"/block_documents/{first['id']}", json=itself)).status_code == 400
    no_id_update = await api.patch(
        f"/block_documents/{first['id']}", json={"data": {"a": {"$ref": 1}}}
    )
    assert no_id_update.status_code == 400


async def test_unknown_documents_and_bad_ids(api: httpx.AsyncClient) -> None:
    missing = await api.get(f"/block_documents/{uuid.uuid4()}")
    assert missing.status_code == 404 and missing.json()["detail"] == "Block document not found"
    assert (await api.delete(f"/block_documents/{uuid.uuid4()}")).status_code == 404
    assert (await api.get("/block_documents/nope")).status_code == 422
    assert (await api.get("/block_capabilities/")).json() == []
