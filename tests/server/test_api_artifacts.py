from __future__ import annotations

import uuid
from typing import Any

import pytest

Json = dict[str, Any]


async def _create(api, **body: Any) -> Json:
    response = await api.post("/artifacts/", json=body)
    assert response.status_code == 201, response.text
    result: Json = response.json()
    return result


async def _ids(api, path: str, body: Json | None = None) -> list[str]:
    response = await api.post(path, json=body)
    assert response.status_code == 200, response.text
    return [a["id"] for a in response.json()]


async def test_create_and_read(api, make_flow_run, make_task_run) -> None:
    run = await make_flow_run()
    task = await make_task_run(run["id"])
    created = await _create(
        api,
        key="daily-report",
        type="table",
        data=[{"a": 1}, {"a": 2}],
        description="# Rows",
        flow_run_id=run["id"],
        task_run_id=task["id"],
        metadata_={"rows": "2"},
    )
    read = (await api.get(f"/artifacts/{created['id']}")).json()
    assert read == created
    assert (read["key"], read["type"], read["description"]) == ("daily-report", "table", "# Rows")
    assert read["data"] == [{"a": 1}, {"a": 2}]
    assert (read["flow_run_id"], read["task_run_id"]) == (run["id"], task["id"])
    assert read["metadata_"] == {"rows": "2"}

    # nothing but the defaults is fine too: no key, no run
    bare = await _create(api)
    assert (bare["key"], bare["type"], bare["data"], bare["metadata_"]) == (None, None, None, None)
    for kind in ("markdown", "link", "progress", "image"):
        await _create(api, type=kind, data="x" if kind != "progress" else 50.0)
    assert (await api.post("/artifacts/count")).json() == 6
    # only keyed artifacts have a latest version
    assert (await api.post("/artifacts/latest/count")).json() == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"key": "Daily"}, "lowercase letters, numbers, and dashes"),
        ({"key": "daily_report"}, "lowercase letters, numbers, and dashes"),
        ({"key": "a/b"}, "lowercase letters"),
        ({"flow_run_id": "not-a-uuid"}, "valid UUID"),
        ({"metadata_": {"rows": 2}}, "valid string"),
        ({"metadata_": "rows"}, "valid dictionary"),
        ({"colour": "red"}, "Extra inputs"),
    ],
)
async def test_bad_create_is_422(api, body: Json, reason: str) -> None:
    response = await api.post("/artifacts/", json=body)
    assert response.status_code == 422
    assert reason in str(response.json()["detail"])
    assert (await api.post("/artifacts/count")).json() == 0


async def test_long_metadata_values_are_truncated(api) -> None:
    created = await _create(api, metadata_={"long": "x" * 600, "short": "y" * 500})
    assert created["metadata_"] == {"long": "x" * 500 + "...", "short": "y" * 500}


async def test_unknown_and_malformed(api) -> None:
    for response in (
        await api.get(f"/artifacts/{uuid.uuid4()}"),
        await api.patch(f"/artifacts/{uuid.uuid4()}", json={"data": 1}),
        await api.delete(f"/artifacts/{uuid.uuid4()}"),
        await api.get("/artifacts/nope/latest"),
    ):
        assert response.status_code == 404
        assert response.json()["detail"] == "Artifact not found"
    assert (await api.get("/artifacts/not-a-uuid")).status_code == 422
    assert (await api.delete("/artifacts/not-a-uuid")).status_code == 422


async def test_latest_of_a_key(api) -> None:
    first = await _create(api, key="report", type="markdown", data="v1")
    second = await _create(api, key="report", type="markdown", data="v2", description="d2")
    other = await _create(api, key="other", data="o")

    latest = (await api.get("/artifacts/report/latest")).json()
    assert latest == second

    rows = (await api.post("/artifacts/latest/filter", json={"sort": "KEY_ASC"})).json()
    assert [(r["key"], r["latest_id"], r["data"]) for r in rows] == [
        ("other", other["id"], "o"),
        ("report", second["id"], "v2"),
    ]
    assert rows[1]["description"] == "d2" and rows[1]["type"] == "markdown"
    assert rows[1]["id"] not in (first["id"], second["id"])
    assert (await api.post("/artifacts/latest/count")).json() == 2
    assert (await api.post("/artifacts/count")).json() == 3


async def test_update_changes_the_latest_too(api) -> None:
    old = await _create(api, key="k", data="old")
    new = await _create(api, key="k", data="new", metadata_={"a": "1"})

    body = {"data": {"rows": 3}, "description": "now", "metadata_": {"b": "2"}}
    assert (await api.patch(f"/artifacts/{new['id']}", json=body)).status_code == 204
    after = (await api.get(f"/artifacts/{new['id']}")).json()
    assert (after["data"], after["description"], after["metadata_"]) == (
        {"rows": 3},
        "now",
        {"b": "2"},
    )
    assert after["key"] == "k" and after["updated"] >= new["updated"]
    [latest] = (await api.post("/artifacts/latest/filter")).json()
    assert (latest["data"], latest["description"], latest["metadata_"]) == (
        {"rows": 3},
        "now",
        {"b": "2"},
    )

    # an older version changes alone; the latest stays as it is
    assert (await api.patch(f"/artifacts/{old['id']}", json={"data": "older"})).status_code == 204
    assert (await api.get(f"/artifacts/{old['id']}")).json()["data"] == "older"
    assert (await api.get("/artifacts/k/latest")).json()["data"] == {"rows": 3}

    # fields not sent are kept
    assert (await api.patch(f"/artifacts/{new['id']}", json={})).status_code == 204
    assert (await api.get(f"/artifacts/{new['id']}")).json()["description"] == "now"

    for bad in ({"key": "other"}, {"type": "table"}, {"metadata_": {"a": 1}}):
        response = await api.patch(f"/artifacts/{new['id']}", json=bad)
        assert response.status_code == 422, bad


async def test_deleting_the_latest_makes_the_previous_latest(api) -> None:
    v1 = await _create(api, key="k", data="v1", type="table")
    v2 = await _create(api, key="k", data="v2", type="markdown")
    v3 = await _create(api, key="k", data="v3", type="link")

    # deleting an older version leaves the latest alone
    assert (await api.delete(f"/artifacts/{v2['id']}")).status_code == 204
    assert (await api.get("/artifacts/k/latest")).json()["id"] == v3["id"]

    assert (await api.delete(f"/artifacts/{v3['id']}")).status_code == 204
    assert (await api.get(f"/artifacts/{v3['id']}")).status_code == 404
    assert (await api.get("/artifacts/k/latest")).json() == v1
    [latest] = (await api.post("/artifacts/latest/filter")).json()
    assert (latest["latest_id"], latest["data"], latest["type"]) == (v1["id"], "v1", "table")

    assert (await api.delete(f"/artifacts/{v1['id']}")).status_code == 204
    assert (await api.get("/artifacts/k/latest")).status_code == 404
    assert (await api.post("/artifacts/latest/count")).json() == 0
    assert (await api.delete(f"/artifacts/{v1['id']}")).status_code == 404

    # the key starts again from nothing
    again = await _create(api, key="k", data="again")
    assert (await api.get("/artifacts/k/latest")).json()["id"] == again["id"]


async def test_filters_sort_and_paging(api, make_flow_run, make_task_run) -> None:
    run_a, run_b = await make_flow_run(name="run-a"), await make_flow_run(name="run-b")
    task_a = await make_task_run(run_a["id"], name="task-a")
    a1 = await _create(api, key="sales-eu", type="table", flow_run_id=run_a["id"])
    a2 = await _create(
        api, key="sales-us", type="markdown", flow_run_id=run_a["id"], task_run_id=task_a["id"]
    )
    b1 = await _create(api, key="stock", type="table", flow_run_id=run_b["id"])
    loose = await _create(api, type="link")
    a3 = await _create(api, key="sales-eu", type="progress", flow_run_id=run_a["id"])

    async def ids(body: Json | None = None) -> set[str]:
        return set(await _ids(api, "/artifacts/filter", body))

    def art(**flt: Any) -> Json:
        return {"artifacts": flt}

    everything = {a1["id"], a2["id"], b1["id"], loose["id"], a3["id"]}
    assert await ids() == everything
    assert await ids(art(id={"any_": [a1["id"], b1["id"]]})) == {a1["id"], b1["id"]}
    assert await ids(art(key={"any_": ["sales-eu"]})) == {a1["id"], a3["id"]}
    assert await ids(art(key={"like_": "SALES"})) == {a1["id"], a2["id"], a3["id"]}
    assert await ids(art(key={"like_": "sales-%u"})) == {a1["id"], a2["id"], a3["id"]}
    assert await ids(art(key={"exists_": False})) == {loose["id"]}
    assert await ids(art(key={"exists_": True})) == everything - {loose["id"]}
    assert await ids(art(flow_run_id={"any_": [run_b["id"]]})) == {b1["id"]}
    assert await ids(art(task_run_id={"any_": [task_a["id"]]})) == {a2["id"]}
    assert await ids(art(type={"any_": ["table"]})) == {a1["id"], b1["id"]}
    assert await ids(art(type={"not_any_": ["table", "link"]})) == {a2["id"], a3["id"]}
    either = art(operator="or_", type={"any_": ["link"]}, key={"any_": ["stock"]})
    assert await ids(either) == {loose["id"], b1["id"]}
    # through the artifact's flow run, its flow, and its task run
    assert await ids({"flow_runs": {"name": {"any_": ["run-b"]}}}) == {b1["id"]}
    assert await ids({"flows": {"name": {"any_": ["no-such-flow"]}}}) == set()
    assert await ids({"flows": {}}) == everything - {loose["id"]}
    assert await ids({"task_runs": {"name": {"any_": ["task-a"]}}}) == {a2["id"]}
    both = {
        "artifacts": {"type": {"any_": ["table"]}},
        "flow_runs": {"id": {"any_": [run_a["id"]]}},
    }
    assert await ids(both) == {a1["id"]}
    count = await api.post("/artifacts/count", json=both)
    assert count.status_code == 200 and count.json() == 1

    by_key = await _ids(api, "/artifacts/filter", {"sort": "KEY_ASC"})
    assert by_key[-1] == loose["id"]  # keyless last, on both backends
    assert by_key[:2] == sorted([a1["id"], a3["id"]], reverse=True)  # ties: id descending
    assert by_key[2:4] == [a2["id"], b1["id"]]
    by_key_desc = await _ids(api, "/artifacts/filter", {"sort": "KEY_DESC"})
    assert by_key_desc[0] == b1["id"] and by_key_desc[-1] == loose["id"]
    newest = await _ids(api, "/artifacts/filter", {"sort": "CREATED_DESC"})
    assert newest == [a3["id"], loose["id"], b1["id"], a2["id"], a1["id"]]
    default = await _ids(api, "/artifacts/filter")
    assert default == sorted(everything, reverse=True)  # ID_DESC
    page = await _ids(api, "/artifacts/filter", {"sort": "CREATED_DESC", "limit": 2, "offset": 1})
    assert page == [loose["id"], b1["id"]]
    nulls = {"sort": None, "limit": None, "offset": None, "artifacts": None, "flow_runs": None}
    assert len(await _ids(api, "/artifacts/filter", nulls)) == 5

    async def latest(body: Json | None = None) -> list[tuple[str, str]]:
        response = await api.post("/artifacts/latest/filter", json=body)
        assert response.status_code == 200, response.text
        return [(r["key"], r["latest_id"]) for r in response.json()]

    assert await latest({"sort": "KEY_ASC"}) == [
        ("sales-eu", a3["id"]),
        ("sales-us", a2["id"]),
        ("stock", b1["id"]),
    ]
    assert await latest({"sort": "KEY_DESC", "limit": 1}) == [("stock", b1["id"])]
    assert await latest({"artifacts": {"latest_id": {"any_": [a2["id"], a1["id"]]}}}) == [
        ("sales-us", a2["id"])
    ]
    assert await latest({"artifacts": {"type": {"any_": ["progress"]}}}) == [("sales-eu", a3["id"])]
    assert await latest({"flow_runs": {"id": {"any_": [run_b["id"]]}}}) == [("stock", b1["id"])]
    assert await latest({"task_runs": {"id": {"any_": [task_a["id"]]}}}) == [("sales-us", a2["id"])]
    assert await latest({"artifacts": {"key": {"like_": "sales"}}, "sort": "KEY_DESC"}) == [
        ("sales-us", a2["id"]),
        ("sales-eu", a3["id"]),
    ]
    count = await api.post("/artifacts/latest/count", json={"artifacts": {"key": {"like_": "s"}}})
    assert count.json() == 3

    for path in ("/artifacts/filter", "/artifacts/latest/filter"):
        assert (await api.post(path, json={"sort": "NAME_ASC"})).status_code == 422
        assert (await api.post(path, json={"limit": 1001})).status_code == 422
        assert (await api.post(path, json={"artifacts": {"kee": {}}})).status_code == 422
        assert (await api.post(path, json={"deployments": {"id": {}}})).status_code == 422
    # latest_id belongs to the latest filter, id to the artifact filter
    bad = await api.post("/artifacts/filter", json={"artifacts": {"latest_id": {"any_": []}}})
    assert bad.status_code == 422


async def test_artifacts_outlive_their_flow_run(api, make_flow_run) -> None:
    # as in Prefect: artifacts name their run without a foreign key, and stay when it goes
    run = await make_flow_run()
    kept = await _create(api, key="kept", flow_run_id=run["id"])
    assert (await api.delete(f"/flow_runs/{run['id']}")).status_code == 204
    assert (await api.get(f"/artifacts/{kept['id']}")).json()["flow_run_id"] == run["id"]
    assert (await api.get("/artifacts/kept/latest")).status_code == 200
    # an artifact may also name a run the store has not seen (yet)
    ghost = str(uuid.uuid4())
    assert (await _create(api, flow_run_id=ghost, task_run_id=ghost))["flow_run_id"] == ghost
