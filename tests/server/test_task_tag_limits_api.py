"""Tag concurrency through `POST /task_runs/{id}/set_state`, as a Prefect 3 client uses it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx

from tests.server.conftest import Json


async def test_a_full_tag_makes_the_next_task_wait_until_a_slot_frees(
    api: httpx.AsyncClient, make_flow_run: Callable[..., Awaitable[Json]]
) -> None:
    run = await make_flow_run(state={"type": "RUNNING"})
    assert (
        await api.post("/concurrency_limits/", json={"tag": "db", "concurrency_limit": 1})
    ).is_success

    async def task(key: str) -> str:
        body = {"flow_run_id": run["id"], "task_key": key, "dynamic_key": "0", "tags": ["db"]}
        created = await api.post("/task_runs/", json=body)
        assert created.status_code in (200, 201), created.text
        task_id: str = created.json()["id"]
        return task_id

    async def propose(task_id: str, state: str) -> Json:
        response = await api.post(
            f"/task_runs/{task_id}/set_state", json={"state": {"type": state}}
        )
        assert response.status_code in (200, 201), response.text
        result: Json = response.json()
        return result

    first, second = await task("a"), await task("b")
    assert (await propose(first, "RUNNING"))["status"] == "ACCEPT"
    waited = await propose(second, "RUNNING")
    assert waited["status"] == "WAIT"
    assert waited["details"]["delay_seconds"] > 0
    limit = (await api.get("/concurrency_limits/tag/db")).json()
    assert limit["active_slots"] == [first]

    assert (await propose(first, "COMPLETED"))["status"] == "ACCEPT"
    assert (await propose(second, "RUNNING"))["status"] == "ACCEPT"
    assert (await api.get("/concurrency_limits/tag/db")).json()["active_slots"] == [second]


async def test_a_tag_limited_to_zero_aborts(
    api: httpx.AsyncClient, make_flow_run: Callable[..., Awaitable[Json]]
) -> None:
    run = await make_flow_run(state={"type": "RUNNING"})
    await api.post("/concurrency_limits/", json={"tag": "off", "concurrency_limit": 0})
    body = {"flow_run_id": run["id"], "task_key": "t", "dynamic_key": "0", "tags": ["off"]}
    task_id = (await api.post("/task_runs/", json=body)).json()["id"]
    answer = (
        await api.post(f"/task_runs/{task_id}/set_state", json={"state": {"type": "RUNNING"}})
    ).json()
    assert answer["status"] == "ABORT"
    assert "off" in answer["details"]["reason"]
