"""/work_pools (pools, their queues and workers, polling) and /work_queues, on both backends."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

Json = dict[str, Any]

TEMPLATE = {
    "job_configuration": {"command": "{{ command }}", "env": {"A": "{{ env_a }}"}},
    "variables": {"properties": {"command": {"type": "string"}, "env_a": {"type": "string"}}},
}


@pytest.fixture
async def pool(api: httpx.AsyncClient) -> Json:
    response = await api.post("/work_pools/", json={"name": "main", "type": "process"})
    assert response.status_code == 201, response.text
    result: Json = response.json()
    return result


@pytest.fixture
async def assign(database_url: str) -> AsyncIterator[Callable[[str, str], Awaitable[None]]]:
    """Put a run in a queue. The API sets a run's queue through deployments (another
    module); here the row is updated directly so that polling can be tested on its own."""
    from prefect_server.database import orm
    from prefect_server.database.engine import Database

    db = Database(database_url)

    async def put(run_id: str, queue_id: str) -> None:
        async with db.write() as session:
            await session.execute(
                sa.update(orm.FlowRun)
                .where(orm.FlowRun.id == uuid.UUID(run_id))
                .values(work_queue_id=uuid.UUID(queue_id))
            )

    yield put
    await db.dispose()


@pytest.fixture
def scheduled_run(
    make_flow_run: Callable[..., Awaitable[Json]],
    assign: Callable[[str, str], Awaitable[None]],
) -> Callable[..., Awaitable[Json]]:
    async def make(queue_id: str, at: datetime, state: str = "SCHEDULED") -> Json:
        details = {"scheduled_time": at.isoformat()} if state == "SCHEDULED" else {}
        run = await make_flow_run(state={"type": state, "state_details": details})
        await assign(run["id"], queue_id)
        return run

    return make


async def _queue(api: httpx.AsyncClient, pool: str, name: str, **fields: Any) -> Json:
    response = await api.post(f"/work_pools/{pool}/queues", json={"name": name, **fields})
    assert response.status_code == 201, response.text
    result: Json = response.json()
    return result


async def _priorities(api: httpx.AsyncClient, pool: str) -> list[tuple[str, int]]:
    queues = (await api.post(f"/work_pools/{pool}/queues/filter")).json()
    return [(q["name"], q["priority"]) for q in queues]


# -- pools ----------------------------------------------------------------------------------


async def test_create_pool_makes_its_default_queue(api: httpx.AsyncClient, pool: Json) -> None:
    assert pool["type"] == "process" and pool["status"] == "NOT_READY"
    assert pool["is_paused"] is False and pool["concurrency_limit"] is None
    default = (await api.get("/work_pools/main/queues/default")).json()
    assert pool["default_queue_id"] == default["id"]
    assert (default["priority"], default["work_pool_name"]) == (1, "main")
    assert default["work_pool_id"] == pool["id"]
    assert (await api.get("/work_pools/main")).json()["id"] == pool["id"]
    # the legacy agent type has no status
    agent = await api.post("/work_pools/", json={"name": "agents"})
    assert agent.json()["type"] == "prefect-agent" and agent.json()["status"] is None
    paused = await api.post("/work_pools/", json={"name": "p", "type": "x", "is_paused": True})
    assert paused.json()["status"] == "PAUSED"


async def test_create_pool_refusals(api: httpx.AsyncClient, pool: Json) -> None:
    again = await api.post("/work_pools/", json={"name": "main", "type": "other"})
    assert again.status_code == 409 and "main" in again.json()["detail"]
    for name in ("", "   ", "a/b", "50%", "x<y"):
        response = await api.post("/work_pools/", json={"name": name})
        assert response.status_code == 422, name
    reserved = await api.post("/work_pools/", json={"name": "Prefect-managed"})
    assert reserved.status_code == 403 and "reserved" in reserved.json()["detail"]
    for body in ({"name": "n", "concurrency_limit": -1}, {"name": "n", "typo": 1}, {}):
        assert (await api.post("/work_pools/", json=body)).status_code == 422, body
    assert (await api.post("/work_pools/count")).json() == 1


async def test_base_job_template_is_validated(api: httpx.AsyncClient) -> None:
    good = await api.post(
        "/work_pools/", json={"name": "t", "type": "process", "base_job_template": TEMPLATE}
    )
    assert good.status_code == 201 and good.json()["base_job_template"] == TEMPLATE
    undeclared = {
        "job_configuration": {"command": "{{ command }} {{ image }} {{zone}}"},
        "variables": {"properties": {"command": {}}},
    }
    bad = await api.post("/work_pools/", json={"name": "u", "base_job_template": undeclared})
    assert bad.status_code == 422
    assert "image, zone" in bad.json()["detail"][0]["msg"]
    halves: list[Json] = [{"job_configuration": {"a": "b"}}, {"variables": {"properties": {}}}]
    for template in halves:
        response = await api.post("/work_pools/", json={"name": "v", "base_job_template": template})
        assert response.status_code == 422
    # blocks, variables and environment placeholders are filled in from elsewhere
    special = {
        "job_configuration": {"a": "{{ prefect.variables.x }}", "b": "{{ $HOME }}"},
        "variables": {"properties": {}},
    }
    ok = await api.post("/work_pools/", json={"name": "w", "base_job_template": special})
    assert ok.status_code == 201
    patched = await api.patch("/work_pools/t", json={"base_job_template": undeclared})
    assert patched.status_code == 422
    assert (await api.get("/work_pools/t")).json()["base_job_template"] == TEMPLATE
    assert (await api.post("/work_pools/count")).json() == 2


async def test_read_update_delete_pool(api: httpx.AsyncClient, pool: Json) -> None:
    missing = await api.get("/work_pools/nope")
    assert missing.status_code == 404 and missing.json()["detail"] == "Work pool 'nope' not found"
    body = {"description": "d", "concurrency_limit": 3, "is_paused": True}
    assert (await api.patch("/work_pools/main", json=body)).status_code == 204
    read = (await api.get("/work_pools/main")).json()
    assert (read["description"], read["concurrency_limit"], read["status"]) == ("d", 3, "PAUSED")
    # null clears the limit and leaves the pause
    assert (
        await api.patch("/work_pools/main", json={"concurrency_limit": None})
    ).status_code == 204
    read = (await api.get("/work_pools/main")).json()
    assert read["concurrency_limit"] is None and read["is_paused"] is True
    await api.patch("/work_pools/main", json={"is_paused": False})
    assert (await api.get("/work_pools/main")).json()["status"] == "NOT_READY"
    await api.post("/work_pools/main/workers/heartbeat", json={"name": "w1"})
    await api.patch("/work_pools/main", json={"is_paused": True})
    await api.patch("/work_pools/main", json={"is_paused": False})
    assert (await api.get("/work_pools/main")).json()["status"] == "READY"

    assert (await api.patch("/work_pools/nope", json={"description": "x"})).status_code == 404
    assert (await api.patch("/work_pools/main", json={"name": "x"})).status_code == 422
    assert (await api.patch("/work_pools/main", json={"concurrency_limit": -2})).status_code == 422

    extra = await _queue(api, "main", "extra")
    assert (await api.delete("/work_pools/main")).status_code == 204
    assert (await api.get("/work_pools/main")).status_code == 404
    assert (await api.get(f"/work_queues/{extra['id']}")).status_code == 404
    assert (await api.get(f"/work_queues/{pool['default_queue_id']}")).status_code == 404
    assert (await api.delete("/work_pools/main")).status_code == 404


async def test_filter_and_count_pools(api: httpx.AsyncClient) -> None:
    for name, type_ in (("c", "docker"), ("a", "process"), ("b", "process")):
        await api.post("/work_pools/", json={"name": name, "type": type_})
    names = [p["name"] for p in (await api.post("/work_pools/filter")).json()]
    assert names == ["a", "b", "c"]
    # Prefect clients send null limit and offset
    body = {"limit": None, "offset": None, "work_pools": {"type": {"any_": ["process"]}}}
    assert [p["name"] for p in (await api.post("/work_pools/filter", json=body)).json()] == [
        "a",
        "b",
    ]
    page = await api.post("/work_pools/filter", json={"limit": 1, "offset": 1})
    assert [p["name"] for p in page.json()] == ["b"]
    by_name = {"work_pools": {"name": {"any_": ["c", "zz"]}}}
    assert (await api.post("/work_pools/count", json=by_name)).json() == 1
    either = {
        "work_pools": {"operator": "or_", "name": {"any_": ["c"]}, "type": {"any_": ["process"]}}
    }
    assert (await api.post("/work_pools/count", json=either)).json() == 3
    bodies: list[Json] = [{"limit": -1}, {"work_pools": {"name": {"any_": "c"}}}, {"x": {}}]
    for bad in bodies:
        assert (await api.post("/work_pools/filter", json=bad)).status_code == 422, bad


# -- queues of a pool ------------------------------------------------------------------------


async def test_queue_priorities(api: httpx.AsyncClient, pool: Json) -> None:
    await _queue(api, "main", "b")
    await _queue(api, "main", "c")
    assert await _priorities(api, "main") == [("default", 1), ("b", 2), ("c", 3)]
    # taking a held priority moves the holder and those right behind it down
    await _queue(api, "main", "urgent", priority=1)
    assert await _priorities(api, "main") == [("urgent", 1), ("default", 2), ("b", 3), ("c", 4)]
    assert (await api.patch("/work_pools/main/queues/c", json={"priority": 2})).status_code == 204
    assert await _priorities(api, "main") == [("urgent", 1), ("c", 2), ("default", 3), ("b", 4)]
    # a free priority is simply taken
    await api.patch("/work_pools/main/queues/urgent", json={"priority": 10})
    assert await _priorities(api, "main") == [("c", 2), ("default", 3), ("b", 4), ("urgent", 10)]
    # a new queue takes the lowest free priority
    assert (await _queue(api, "main", "d"))["priority"] == 1
    assert (await api.delete("/work_pools/main/queues/b")).status_code == 204
    assert (await _queue(api, "main", "e"))["priority"] == 4
    bad = await api.patch("/work_pools/main/queues/d", json={"priority": 0})
    assert bad.status_code == 422


async def test_pool_queue_routes(api: httpx.AsyncClient, pool: Json) -> None:
    etl = await _queue(api, "main", "etl", description="d", concurrency_limit=2, is_paused=True)
    assert (etl["is_paused"], etl["status"], etl["concurrency_limit"]) == (True, "PAUSED", 2)
    dup = await api.post("/work_pools/main/queues", json={"name": "etl"})
    assert dup.status_code == 409 and "etl" in dup.json()["detail"]
    assert (await api.post("/work_pools/nope/queues", json={"name": "x"})).status_code == 404
    assert (await api.post("/work_pools/main/queues", json={"name": "a/b"})).status_code == 422
    assert (await api.post("/work_pools/main/queues", json={"name": ""})).status_code == 422
    assert (
        await api.post("/work_pools/main/queues", json={"name": "x", "priority": 0})
    ).status_code == 422

    missing = await api.get("/work_pools/main/queues/nope")
    assert missing.status_code == 404 and missing.json()["detail"] == (
        "Work pool queue 'main/nope' not found."
    )
    assert (await api.get("/work_pools/nope/queues/etl")).json()["detail"] == (
        "Work pool 'nope' not found"
    )

    update = {"is_paused": False, "concurrency_limit": None, "name": "etl2", "description": "e"}
    assert (await api.patch("/work_pools/main/queues/etl", json=update)).status_code == 204
    read = (await api.get("/work_pools/main/queues/etl2")).json()
    assert (read["is_paused"], read["status"], read["concurrency_limit"]) == (
        False,
        "NOT_READY",
        None,
    )
    assert read["description"] == "e" and read["id"] == etl["id"]
    taken = await api.patch("/work_pools/main/queues/etl2", json={"name": "default"})
    assert taken.status_code == 409
    assert (await api.patch("/work_pools/main/queues/nope", json={})).status_code == 404
    assert (await api.patch("/work_pools/main/queues/etl2", json={"x": 1})).status_code == 422

    prefixed = {"work_queues": {"name": {"startswith_": ["ET"]}}}
    found = (await api.post("/work_pools/main/queues/filter", json=prefixed)).json()
    assert [q["name"] for q in found] == ["etl2"]
    assert (await api.post("/work_pools/nope/queues/filter")).status_code == 404

    default = await api.delete("/work_pools/main/queues/default")
    assert default.status_code == 409 and "default queue" in default.json()["detail"]
    assert (await api.delete("/work_pools/main/queues/etl2")).status_code == 204
    assert (await api.delete("/work_pools/main/queues/etl2")).status_code == 404


# -- workers ---------------------------------------------------------------------------------


async def test_worker_heartbeats(api: httpx.AsyncClient, pool: Json) -> None:
    beat = await api.post(
        "/work_pools/main/workers/heartbeat",
        json={"name": "w1", "heartbeat_interval_seconds": 15},
    )
    assert beat.status_code == 204
    assert (await api.get("/work_pools/main")).json()["status"] == "READY"
    # Prefect clients send null for the interval; the known interval is kept
    await api.post(
        "/work_pools/main/workers/heartbeat",
        json={"name": "w1", "heartbeat_interval_seconds": None},
    )
    await api.post("/work_pools/main/workers/heartbeat", json={"name": "w2"})
    workers = (await api.post("/work_pools/main/workers/filter", json={"limit": None})).json()
    assert [w["name"] for w in workers] == ["w2", "w1"]
    w1 = workers[1]
    assert (w1["status"], w1["heartbeat_interval_seconds"], w1["work_pool_id"]) == (
        "ONLINE",
        15,
        pool["id"],
    )
    offline = {"workers": {"status": {"any_": ["OFFLINE"]}}}
    assert (await api.post("/work_pools/main/workers/filter", json=offline)).json() == []
    later = {"workers": {"last_heartbeat_time": {"after_": w1["last_heartbeat_time"]}}}
    assert len((await api.post("/work_pools/main/workers/filter", json=later)).json()) == 2

    assert (await api.delete("/work_pools/main/workers/w2")).status_code == 204
    gone = await api.delete("/work_pools/main/workers/w2")
    assert gone.status_code == 404 and gone.json()["detail"] == "Worker not found"
    lost = await api.post("/work_pools/nope/workers/heartbeat", json={"name": "w"})
    assert lost.status_code == 404
    assert (await api.post("/work_pools/main/workers/heartbeat", json={})).status_code == 422
    assert (await api.post("/work_pools/nope/workers/filter")).status_code == 404
    # a paused pool stays paused while its workers beat
    await api.patch("/work_pools/main", json={"is_paused": True})
    await api.post("/work_pools/main/workers/heartbeat", json={"name": "w1"})
    assert (await api.get("/work_pools/main")).json()["status"] == "PAUSED"


# -- polling ---------------------------------------------------------------------------------


async def _poll(api: httpx.AsyncClient, pool: str = "main", **body: Any) -> list[Json]:
    response = await api.post(f"/work_pools/{pool}/get_scheduled_flow_runs", json=body)
    assert response.status_code == 200, response.text
    result: list[Json] = response.json()
    return result


async def test_get_scheduled_flow_runs_order_and_filters(
    api: httpx.AsyncClient, pool: Json, scheduled_run: Callable[..., Awaitable[Json]]
) -> None:
    high = await _queue(api, "main", "high", priority=1)
    default_id = pool["default_queue_id"]
    t0 = datetime(2030, 1, 1, tzinfo=UTC)
    late_low = await scheduled_run(default_id, t0)
    early_low = await scheduled_run(default_id, t0 - timedelta(hours=1))
    high_run = await scheduled_run(high["id"], t0 + timedelta(hours=1))
    await scheduled_run(high["id"], t0, state="RUNNING")

    got = await _poll(api)
    assert [r["flow_run"]["id"] for r in got] == [high_run["id"], early_low["id"], late_low["id"]]
    assert got[0]["work_queue_id"] == high["id"] and got[0]["work_pool_id"] == pool["id"]
    assert got[0]["flow_run"]["state"]["type"] == "SCHEDULED"

    before = await _poll(api, scheduled_before=t0.isoformat())
    assert [r["flow_run"]["id"] for r in before] == [early_low["id"], late_low["id"]]
    after = await _poll(api, scheduled_after=t0.isoformat(), limit=1)
    assert [r["flow_run"]["id"] for r in after] == [high_run["id"]]
    only_default = await _poll(api, work_queue_names=["default"], limit=None)
    assert [r["flow_run"]["id"] for r in only_default] == [early_low["id"], late_low["id"]]

    unknown = await api.post(
        "/work_pools/main/get_scheduled_flow_runs", json={"work_queue_names": ["nope"]}
    )
    assert unknown.status_code == 404 and "main/nope" in unknown.json()["detail"]
    assert (await api.post("/work_pools/nope/get_scheduled_flow_runs")).status_code == 404
    bad = await api.post("/work_pools/main/get_scheduled_flow_runs", json={"limit": "many"})
    assert bad.status_code == 422


async def test_get_scheduled_flow_runs_pauses_and_limits(
    api: httpx.AsyncClient, pool: Json, scheduled_run: Callable[..., Awaitable[Json]]
) -> None:
    other = await _queue(api, "main", "other")
    t0 = datetime(2030, 1, 1, tzinfo=UTC)
    default_runs = [
        await scheduled_run(pool["default_queue_id"], t0 + timedelta(minutes=i)) for i in range(3)
    ]
    other_runs = [await scheduled_run(other["id"], t0 + timedelta(minutes=i)) for i in range(2)]
    await scheduled_run(other["id"], t0, state="PENDING")

    await api.patch("/work_pools/main/queues/default", json={"is_paused": True})
    assert [r["flow_run"]["id"] for r in await _poll(api)] == [r["id"] for r in other_runs]
    await api.patch("/work_pools/main/queues/default", json={"is_paused": False})

    # the queue's limit counts its Pending run
    await api.patch("/work_pools/main/queues/other", json={"concurrency_limit": 2})
    ids = [r["flow_run"]["id"] for r in await _poll(api)]
    assert ids == [r["id"] for r in default_runs] + [other_runs[0]["id"]]
    await api.patch("/work_pools/main/queues/other", json={"concurrency_limit": 1})
    assert len(await _poll(api)) == 3

    # the pool's limit counts the Pending run of any of its queues
    await api.patch("/work_pools/main", json={"concurrency_limit": 3})
    assert [r["flow_run"]["id"] for r in await _poll(api)] == [r["id"] for r in default_runs[:2]]
    await api.patch("/work_pools/main", json={"concurrency_limit": 1})
    assert await _poll(api) == []
    await api.patch("/work_pools/main", json={"concurrency_limit": None, "is_paused": True})
    assert await _poll(api) == []


async def test_polling_records_last_polled_and_status(api: httpx.AsyncClient, pool: Json) -> None:
    await _queue(api, "main", "other")
    await _queue(api, "main", "held", is_paused=True)
    start = datetime.now(UTC)
    await _poll(api, work_queue_names=["default", "held"])
    queues = {q["name"]: q for q in (await api.post("/work_pools/main/queues/filter")).json()}
    assert queues["default"]["status"] == "READY"
    assert datetime.fromisoformat(queues["default"]["last_polled"]) >= start - timedelta(seconds=1)
    assert queues["held"]["status"] == "PAUSED" and queues["held"]["last_polled"] is not None
    assert queues["other"]["status"] == "NOT_READY" and queues["other"]["last_polled"] is None
    # unpausing a queue polled just now makes it READY at once
    await api.patch("/work_pools/main/queues/held", json={"is_paused": False})
    assert (await api.get("/work_pools/main/queues/held")).json()["status"] == "READY"


# -- /work_queues ------------------------------------------------------------------------------


async def test_work_queues_by_id(api: httpx.AsyncClient) -> None:
    created = await api.post("/work_queues/", json={"name": "legacy", "concurrency_limit": 1})
    assert created.status_code == 201, created.text
    queue = created.json()
    assert queue["work_pool_name"] == "default-agent-pool" and queue["priority"] == 2
    assert (await api.post("/work_queues/", json={"name": "legacy"})).status_code == 409
    # "default" is the agent pool's own default queue
    assert (await api.post("/work_queues/", json={"name": "default"})).status_code == 409
    assert (
        await api.post("/work_queues/", json={"name": "x", "filter": {"tags": []}})
    ).status_code == 422

    assert (await api.get(f"/work_queues/{queue['id']}")).json()["name"] == "legacy"
    missing = await api.get(f"/work_queues/{uuid.uuid4()}")
    assert missing.status_code == 404 and missing.json()["detail"] == "Work queue not found"
    assert (await api.get("/work_queues/not-a-uuid")).status_code == 422
    assert (await api.get("/work_queues/name/legacy")).json()["id"] == queue["id"]
    assert (await api.get("/work_queues/name/nope")).status_code == 404

    patch = await api.patch(f"/work_queues/{queue['id']}", json={"is_paused": True})
    assert patch.status_code == 204
    assert (await api.get(f"/work_queues/{queue['id']}")).json()["status"] == "PAUSED"
    assert (await api.patch(f"/work_queues/{uuid.uuid4()}", json={})).status_code == 404

    await api.post("/work_pools/", json={"name": "other", "type": "process"})
    await _queue(api, "other", "legacy-2")
    body = {"work_queues": {"name": {"startswith_": ["legacy"]}}, "limit": None, "offset": None}
    found = (await api.post("/work_queues/filter", json=body)).json()
    assert [(q["name"], q["work_pool_name"]) for q in found] == [
        ("legacy", "default-agent-pool"),
        ("legacy-2", "other"),
    ]
    # a queue of any pool can be read by id
    everything = (await api.post("/work_queues/filter")).json()
    assert {q["name"] for q in everything} == {"default", "legacy", "legacy-2"}

    agent_pool = (await api.get("/work_pools/default-agent-pool")).json()
    default = await api.delete(f"/work_queues/{agent_pool['default_queue_id']}")
    assert default.status_code == 409
    assert (await api.delete(f"/work_queues/{queue['id']}")).status_code == 204
    assert (await api.delete(f"/work_queues/{queue['id']}")).status_code == 404


async def test_work_queue_runs_and_status(
    api: httpx.AsyncClient, scheduled_run: Callable[..., Awaitable[Json]]
) -> None:
    queue = (await api.post("/work_queues/", json={"name": "q"})).json()
    status = (await api.get(f"/work_queues/{queue['id']}/status")).json()
    assert status == {
        "healthy": False,
        "late_runs_count": 0,
        "last_polled": None,
        "health_check_policy": {"maximum_late_runs": 0, "maximum_seconds_since_last_polled": 60},
    }
    now = datetime.now(UTC)
    due = await scheduled_run(queue["id"], now - timedelta(minutes=1))
    await scheduled_run(queue["id"], now + timedelta(hours=1))

    # the UI only looks: no poll is recorded
    looked = await api.post(
        f"/work_queues/{queue['id']}/get_runs",
        json={"scheduled_before": now.isoformat()},
        headers={"x-prefect-ui": "true"},
    )
    assert [r["id"] for r in looked.json()] == [due["id"]]
    assert (await api.get(f"/work_queues/{queue['id']}")).json()["last_polled"] is None

    polled = await api.post(f"/work_queues/{queue['id']}/get_runs", json={"limit": 10})
    assert len(polled.json()) == 2
    status = (await api.get(f"/work_queues/{queue['id']}/status")).json()
    assert status["healthy"] is True and status["last_polled"] is not None

    await api.post(
        f"/flow_runs/{due['id']}/set_state",
        json={"state": {"type": "SCHEDULED", "name": "Late"}, "force": True},
    )
    status = (await api.get(f"/work_queues/{queue['id']}/status")).json()
    assert (status["healthy"], status["late_runs_count"]) == (False, 1)

    assert (await api.post(f"/work_queues/{uuid.uuid4()}/get_runs")).status_code == 404
    assert (await api.get(f"/work_queues/{uuid.uuid4()}/status")).status_code == 404
    assert (
        await api.post(f"/work_queues/{queue['id']}/get_runs", json={"limit": -1})
    ).status_code == 422
