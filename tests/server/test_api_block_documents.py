"""Block documents: secrets, names, references, filters and updates, on both backends."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx

from tests.server.conftest import HIDDEN, Json


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
