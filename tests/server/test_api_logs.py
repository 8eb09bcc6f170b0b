from __future__ import annotations

import uuid
from datetime import timedelta

from prefect._time import now


async def test_create_and_filter(api) -> None:
    run_a, run_b, task = (str(uuid.uuid4()) for _ in range(3))
    base = now()
    logs = [
        {
            "name": "p",
            "level": 10,
            "message": "debug",
            "flow_run_id": run_a,
            "timestamp": base.isoformat(),
        },
        {
            "name": "p",
            "level": 20,
            "message": "info",
            "flow_run_id": run_a,
            "task_run_id": task,
            "timestamp": (base + timedelta(seconds=1)).isoformat(),
        },
        {
            "name": "p",
            "level": 40,
            "message": "error",
            "flow_run_id": run_b,
            "timestamp": (base + timedelta(seconds=2)).isoformat(),
        },
    ]
    assert (await api.post("/logs/", json=logs)).status_code == 201

    async def messages(body: dict) -> list[str]:  # type: ignore[type-arg]
        response = await api.post("/logs/filter", json=body)
        assert response.status_code == 200, response.text
        return [log["message"] for log in response.json()]

    assert await messages({}) == ["debug", "info", "error"]
    assert await messages({"sort": "TIMESTAMP_DESC"}) == ["error", "info", "debug"]
    assert await messages({"limit": 1, "offset": 1}) == ["info"]
    assert await messages({"logs": {"flow_run_id": {"any_": [run_a]}}}) == ["debug", "info"]
    assert await messages({"logs": {"flow_run_id": {"not_any_": [run_a]}}}) == ["error"]
    assert await messages({"logs": {"task_run_id": {"any_": [task]}}}) == ["info"]
    assert await messages({"logs": {"task_run_id": {"is_null_": True}}}) == ["debug", "error"]
    assert await messages({"logs": {"level": {"ge_": 20}}}) == ["info", "error"]
    assert await messages({"logs": {"level": {"le_": 20}}}) == ["debug", "info"]
    after = (base + timedelta(seconds=1)).isoformat()
    assert await messages({"logs": {"timestamp": {"after_": after}}}) == ["info", "error"]
    assert await messages({"logs": {"timestamp": {"before_": after}}}) == ["debug", "info"]
    assert await messages(
        {"logs": {"operator": "or_", "level": {"ge_": 40}, "task_run_id": {"any_": [task]}}}
    ) == ["info", "error"]


async def test_bad_logs_are_422(api) -> None:
    assert (await api.post("/logs/", json={"name": "x"})).status_code == 422
    assert (
        await api.post("/logs/", json=[{"name": "x", "level": "loud", "message": ""}])
    ).status_code == 422
    assert (await api.post("/logs/filter", json={"logs": {"level": {"gt_": 1}}})).status_code == 422


async def test_filter_body_as_prefect_clients_send_it(api) -> None:
    # Prefect 3's read_logs dumps every filter field and sends null for what it was not given
    run, other = str(uuid.uuid4()), str(uuid.uuid4())
    base = now()
    logs = [
        {"name": "p", "level": 20, "message": m, "flow_run_id": r, "timestamp": t.isoformat()}
        for m, r, t in [
            ("first", run, base),
            ("second", run, base + timedelta(seconds=1)),
            ("elsewhere", other, base),
        ]
    ]
    assert (await api.post("/logs/", json=logs)).status_code == 201
    body = {
        "logs": {
            "operator": "and_",
            "level": {"ge_": 20, "le_": None},
            "timestamp": {"before_": None, "after_": None},
            "flow_run_id": {"any_": [run]},
            "task_run_id": None,
        },
        "limit": None,
        "offset": None,
        "sort": "TIMESTAMP_DESC",
    }
    response = await api.post("/logs/filter", json=body)
    assert response.status_code == 200, response.text
    assert [log["message"] for log in response.json()] == ["second", "first"]
    defaults = await api.post("/logs/filter", json={"sort": None, "offset": None})
    assert defaults.status_code == 200
    # TIMESTAMP_ASC from offset 0: "first" and "elsewhere" share a timestamp
    assert [log["message"] for log in defaults.json()][2:] == ["second"]
    assert (await api.post("/logs/filter", json={"offset": -1})).status_code == 422
