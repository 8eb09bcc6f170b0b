"""/block_types, /block_schemas, /block_documents and /block_capabilities, on both backends."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import httpx
import pytest
from prefect.schemas.blocks import BlockTypeCreate, block_schema_checksum
from prefect_server.database.engine import Database
from prefect_server.models.block_types import create_block_type

from tests.server.conftest import CREDS_FIELDS, Json


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
