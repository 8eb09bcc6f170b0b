from __future__ import annotations

import uuid
from typing import Any

import pytest


async def _create(api, name: str, value: Any, tags: list[str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "value": value}
    if tags is not None:
        body["tags"] = tags
    response = await api.post("/variables/", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.mark.parametrize(
    "value",
    ["text", "", 42, -1.5, True, False, None, [1, "two", None], {"a": {"b": [1, 2]}}],
    ids=repr,
)
async def test_any_json_value_round_trips(api, value: Any) -> None:
    created = await _create(api, "v", value)
    assert created["value"] == value and type(created["value"]) is type(value)
    by_id = (await api.get(f"/variables/{created['id']}")).json()
    by_name = (await api.get("/variables/name/v")).json()
    assert by_id == by_name
    assert by_id["value"] == value and type(by_id["value"]) is type(value)
    assert (by_id["name"], by_id["tags"]) == ("v", [])
    assert by_id["created"] and by_id["updated"]


async def test_duplicate_name_is_409(api) -> None:
    await _create(api, "db_host", "a")
    again = await api.post("/variables/", json={"name": "db_host", "value": "b"})
    assert again.status_code == 409
    assert "db_host" in again.json()["detail"]
    assert (await api.get("/variables/name/db_host")).json()["value"] == "a"
    assert (await api.post("/variables/count")).json() == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"name": "Upper", "value": 1}, "lowercase letters, numbers, and dashes or underscores"),
        ({"name": "with space", "value": 1}, "lowercase letters"),
        ({"name": "a/b", "value": 1}, "lowercase letters"),
        ({"name": "x" * 256, "value": 1}, "at most 255 characters"),
        ({"name": "", "value": 1}, "at least 1 character"),
        ({"name": "big", "value": "x" * 5000}, "less than 5000 characters"),
        ({"name": "big", "value": ["y" * 2500, "z" * 2500]}, "less than 5000 characters"),
        ({"name": "novalue"}, "Field required"),
        ({"name": "n", "value": 1, "tags": "t"}, "valid list"),
        ({"name": "n", "value": 1, "colour": "red"}, "Extra inputs"),
    ],
)
async def test_bad_create_is_422_with_reason(api, body: dict[str, Any], reason: str) -> None:
    response = await api.post("/variables/", json=body)
    assert response.status_code == 422
    assert reason in str(response.json()["detail"])
    assert (await api.post("/variables/count")).json() == 0


async def test_longest_allowed_name_and_value(api) -> None:
    name = "a-" + "b_" * 126 + "c"
    assert len(name) == 255
    # "x" * 4998 in quotes is exactly 5000 bytes of JSON
    created = await _create(api, name, "x" * 4998)
    assert len(created["value"]) == 4998


async def test_unknown_and_malformed_ids(api) -> None:
    missing = await api.get(f"/variables/{uuid.uuid4()}")
    assert missing.status_code == 404 and missing.json()["detail"] == "Variable not found"
    assert (await api.get("/variables/not-a-uuid")).status_code == 422
    for method in ("get", "delete"):
        response = await getattr(api, method)("/variables/name/nope")
        assert response.status_code == 404 and response.json()["detail"] == "Variable not found"
    assert (await api.get("/variables/name/a/b")).status_code == 404
    assert (await api.patch(f"/variables/{uuid.uuid4()}", json={"value": 1})).status_code == 404
    assert (await api.patch("/variables/name/nope", json={"value": 1})).status_code == 404
    assert (await api.delete(f"/variables/{uuid.uuid4()}")).status_code == 404


async def test_update_by_id_and_by_name(api) -> None:
    created = await _create(api, "conf", {"a": 1}, ["x"])
    vid = created["id"]

    assert (await api.patch(f"/variables/{vid}", json={"value": [1, 2]})).status_code == 204
    after = (await api.get(f"/variables/{vid}")).json()
    assert (after["name"], after["value"], after["tags"]) == ("conf", [1, 2], ["x"])
    assert after["updated"] >= created["updated"]

    response = await api.patch("/variables/name/conf", json={"name": "conf", "tags": ["y"]})
    assert response.status_code == 204
    assert (await api.get(f"/variables/{vid}")).json()["tags"] == ["y"]

    # an explicit null value sets null; null name and tags leave them alone
    body = {"name": None, "value": None, "tags": None}
    assert (await api.patch(f"/variables/{vid}", json=body)).status_code == 204
    after = (await api.get(f"/variables/{vid}")).json()
    assert (after["name"], after["value"], after["tags"]) == ("conf", None, ["y"])

    assert (await api.patch("/variables/name/conf", json={"name": "renamed"})).status_code == 204
    assert (await api.get("/variables/name/conf")).status_code == 404
    assert (await api.get("/variables/name/renamed")).json()["id"] == vid


async def test_bad_updates(api) -> None:
    first = await _create(api, "first", 1)
    await _create(api, "second", 2)
    clash = await api.patch(f"/variables/{first['id']}", json={"name": "second"})
    assert clash.status_code == 409 and "second" in clash.json()["detail"]
    clash = await api.patch("/variables/name/first", json={"name": "second", "value": 9})
    assert clash.status_code == 409
    # the refused update changed nothing
    assert (await api.get("/variables/name/first")).json()["value"] == 1

    bad_name = await api.patch("/variables/name/first", json={"name": "No"})
    assert bad_name.status_code == 422 and "lowercase" in str(bad_name.json()["detail"])
    too_big = await api.patch("/variables/name/first", json={"value": "x" * 6000})
    assert too_big.status_code == 422 and "5000" in str(too_big.json()["detail"])
    extra = await api.patch("/variables/name/first", json={"id": str(uuid.uuid4())})
    assert extra.status_code == 422


async def test_delete_by_id_and_by_name(api) -> None:
    a = await _create(api, "a", 1)
    await _create(api, "b", 2)
    assert (await api.delete(f"/variables/{a['id']}")).status_code == 204
    assert (await api.get(f"/variables/{a['id']}")).status_code == 404
    assert (await api.delete("/variables/name/b")).status_code == 204
    assert (await api.delete("/variables/name/b")).status_code == 404
    assert (await api.post("/variables/count")).json() == 0
    # the name is free again
    await _create(api, "a", 3)


async def test_filter_sort_page_and_count(api) -> None:
    await _create(api, "beta", 2, ["prod", "db"])
    alpha = await _create(api, "alpha", 1, ["prod"])
    await _create(api, "gamma_db", 3)

    async def names(body: dict[str, Any] | None = None) -> list[str]:
        response = await api.post("/variables/filter", json=body)
        assert response.status_code == 200, response.text
        return [v["name"] for v in response.json()]

    async def count(body: dict[str, Any] | None = None) -> int:
        response = await api.post("/variables/count", json=body)
        assert response.status_code == 200, response.text
        result: int = response.json()
        return result

    assert await names() == ["alpha", "beta", "gamma_db"]
    assert await names({"sort": "NAME_DESC"}) == ["gamma_db", "beta", "alpha"]
    assert await names({"sort": "CREATED_DESC"}) == ["gamma_db", "alpha", "beta"]
    assert await names({"limit": 1, "offset": 1}) == ["beta"]
    # Prefect's clients send null for what they were not given
    assert await names({"sort": None, "limit": None, "offset": None, "variables": None}) == [
        "alpha",
        "beta",
        "gamma_db",
    ]
    assert await names({"variables": {"id": {"any_": [alpha["id"]]}}}) == ["alpha"]
    assert await names({"variables": {"name": {"any_": ["beta", "nope"]}}}) == ["beta"]
    assert await names({"variables": {"name": {"like_": "DB"}}}) == ["gamma_db"]
    assert await names({"variables": {"name": {"like_": "a%a"}}}) == ["alpha", "gamma_db"]
    assert await names({"variables": {"tags": {"all_": ["prod"]}}}) == ["alpha", "beta"]
    assert await names({"variables": {"tags": {"all_": ["prod", "db"]}}}) == ["beta"]
    assert await names({"variables": {"tags": {"is_null_": True}}}) == ["gamma_db"]
    assert await names({"variables": {"tags": {"is_null_": False}}}) == ["alpha", "beta"]
    either = {"operator": "or_", "name": {"any_": ["gamma_db"]}, "tags": {"all_": ["db"]}}
    assert await names({"variables": either}) == ["beta", "gamma_db"]

    assert await count() == 3
    assert await count({"variables": {"tags": {"all_": ["prod"]}}}) == 2
    assert await count({"variables": None}) == 3

    sort_bad = await api.post("/variables/filter", json={"sort": "VALUE_ASC"})
    assert sort_bad.status_code == 422
    assert (await api.post("/variables/filter", json={"limit": -1})).status_code == 422
    typo = await api.post("/variables/filter", json={"variables": {"nam": {"any_": ["a"]}}})
    assert typo.status_code == 422
