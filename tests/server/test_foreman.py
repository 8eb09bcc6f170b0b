"""The foreman service: worker, pool, queue and deployment statuses, with a chosen clock."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from prefect_server.database import orm
from prefect_server.database.engine import Database
from prefect_server.services.foreman import Foreman

Json = dict[str, Any]


@pytest.fixture
async def foreman(database_url: str, api: httpx.AsyncClient) -> AsyncIterator[Foreman]:
    db = Database(database_url)
    yield Foreman(db, loop_seconds=15)
    await db.dispose()


async def _pool(api: httpx.AsyncClient, name: str = "main") -> Json:
    response = await api.post("/work_pools/", json={"name": name, "type": "process"})
    assert response.status_code == 201, response.text
    result: Json = response.json()
    return result


async def _workers(api: httpx.AsyncClient) -> dict[str, str]:
    workers = (await api.post("/work_pools/main/workers/filter")).json()
    return {w["name"]: w["status"] for w in workers}


async def _status(api: httpx.AsyncClient, path: str) -> str:
    status: str = (await api.get(path)).json()["status"]
    return status


def test_registered_as_the_foreman_service() -> None:
    from prefect_server.services import load_service

    assert load_service("foreman") is Foreman


async def test_silent_workers_go_offline_and_their_pool_not_ready(
    api: httpx.AsyncClient, foreman: Foreman
) -> None:
    await _pool(api)
    beat = "/work_pools/main/workers/heartbeat"
    await api.post(beat, json={"name": "quick", "heartbeat_interval_seconds": 10})
    await api.post(beat, json={"name": "quiet"})  # the fallback interval: 30 s
    workers = (await api.post("/work_pools/main/workers/filter")).json()
    last = max(datetime.fromisoformat(w["last_heartbeat_time"]) for w in workers)
    assert await _status(api, "/work_pools/main") == "READY"

    # within three intervals nothing changes (the default queue was never polled: NOT_READY)
    assert await foreman.run_once(now=last + timedelta(seconds=29)) == 0
    assert await _workers(api) == {"quick": "ONLINE", "quiet": "ONLINE"}

    assert await foreman.run_once(now=last + timedelta(seconds=31)) == 1
    assert await _workers(api) == {"quick": "OFFLINE", "quiet": "ONLINE"}
    assert await _status(api, "/work_pools/main") == "READY"

    # the last online worker goes: the pool is not ready
    assert await foreman.run_once(now=last + timedelta(seconds=91)) == 2
    assert await _workers(api) == {"quick": "OFFLINE", "quiet": "OFFLINE"}
    assert await _status(api, "/work_pools/main") == "NOT_READY"
    assert await foreman.run_once(now=last + timedelta(seconds=200)) == 0

    # a heartbeat brings both back; a paused pool stays PAUSED whatever its workers do
    await api.post(beat, json={"name": "quiet"})
    assert await _status(api, "/work_pools/main") == "READY"
    await api.patch("/work_pools/main", json={"is_paused": True})
    assert await foreman.run_once() == 0
    assert await _status(api, "/work_pools/main") == "PAUSED"


async def test_pool_status_follows_its_workers(
    api: httpx.AsyncClient, foreman: Foreman, database_url: str
) -> None:
    await _pool(api)
    await api.post("/work_pools/main/workers/heartbeat", json={"name": "w"})
    # a status set wrongly (say, by an older server) is put right
    db = Database(database_url)
    try:
        async with db.write() as session:
            await session.execute(sa.text("UPDATE work_pool SET status = 'NOT_READY'"))
    finally:
        await db.dispose()
    assert await foreman.run_once() == 1
    assert await _status(api, "/work_pools/main") == "READY"
    # the legacy agent pools have no status to keep
    await api.post("/work_pools/", json={"name": "agents"})
    assert await foreman.run_once() == 0
    assert (await api.get("/work_pools/agents")).json()["status"] is None


async def test_queues_not_ready_after_the_poll_timeout(
    api: httpx.AsyncClient, foreman: Foreman
) -> None:
    await _pool(api)
    await api.post("/work_pools/main/queues", json={"name": "held", "is_paused": True})
    await api.post("/work_pools/main/get_scheduled_flow_runs", json={})
    default = (await api.get("/work_pools/main/queues/default")).json()
    polled = datetime.fromisoformat(default["last_polled"])
    assert default["status"] == "READY"

    assert await foreman.run_once(now=polled + timedelta(seconds=59)) == 0
    assert await foreman.run_once(now=polled + timedelta(seconds=61)) == 1
    assert await _status(api, "/work_pools/main/queues/default") == "NOT_READY"
    assert await _status(api, "/work_pools/main/queues/held") == "PAUSED"
    # the clock read earlier again (another replica's pass): the poll counts again
    assert await foreman.run_once(now=polled + timedelta(seconds=1)) == 1
    assert await _status(api, "/work_pools/main/queues/default") == "READY"


async def _deployment(database_url: str, queue_id: str | None, **values: Any) -> uuid.UUID:
    """A deployment row written directly: the foreman only reads its poll columns."""
    table = orm.Base.metadata.tables["deployment"]
    db = Database(database_url)
    try:
        async with db.write() as session:
            flow_id = uuid.uuid4()
            await session.execute(sa.insert(orm.Flow).values(id=flow_id, name=f"f-{flow_id}"))
            deployment_id = uuid.uuid4()
            await session.execute(
                sa.insert(table).values(
                    id=deployment_id,
                    name="d",
                    flow_id=flow_id,
                    work_queue_id=uuid.UUID(queue_id) if queue_id else None,
                    **values,
                )
            )
    finally:
        await db.dispose()
    return deployment_id


async def _deployment_row(database_url: str, deployment_id: uuid.UUID) -> Any:
    table = orm.Base.metadata.tables["deployment"]
    db = Database(database_url)
    try:
        async with db.read() as session:
            stmt = sa.select(table.c.status, table.c.last_polled).where(table.c.id == deployment_id)
            return (await session.execute(stmt)).one()
    finally:
        await db.dispose()


async def test_deployments_ready_on_poll_and_not_ready_after_timeout(
    api: httpx.AsyncClient, foreman: Foreman, database_url: str
) -> None:
    pool = await _pool(api)
    polled_one = await _deployment(database_url, pool["default_queue_id"])
    assert (await _deployment_row(database_url, polled_one)).status == "NOT_READY"

    await api.post("/work_pools/main/get_scheduled_flow_runs", json={})
    status, last_polled = await _deployment_row(database_url, polled_one)
    assert status == "READY" and last_polled is not None

    assert await foreman.run_once(now=last_polled + timedelta(seconds=59)) == 0
    # after the timeout both the queue and the deployment are not ready
    assert await foreman.run_once(now=last_polled + timedelta(seconds=61)) == 2
    assert (await _deployment_row(database_url, polled_one)).status == "NOT_READY"


async def test_deployment_of_a_polled_queue_stays_ready(
    api: httpx.AsyncClient, foreman: Foreman, database_url: str
) -> None:
    pool = await _pool(api)
    await api.post("/work_pools/main/get_scheduled_flow_runs", json={})
    queue_polled = datetime.fromisoformat(
        (await api.get("/work_pools/main/queues/default")).json()["last_polled"]
    )
    long_ago = queue_polled - timedelta(hours=1)
    kept = await _deployment(
        database_url, pool["default_queue_id"], status="READY", last_polled=long_ago
    )
    lost = await _deployment(database_url, None, status="READY", last_polled=long_ago)
    assert await foreman.run_once(now=queue_polled + timedelta(seconds=30)) == 1
    assert (await _deployment_row(database_url, kept)).status == "READY"
    assert (await _deployment_row(database_url, lost)).status == "NOT_READY"


async def test_settings_choose_the_timeouts(
    api: httpx.AsyncClient, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.settings import get_current_settings

    monkeypatch.setenv("PREFECT_SERVER_SERVICES_FOREMAN_INACTIVITY_HEARTBEAT_MULTIPLE", "1")
    monkeypatch.setenv("PREFECT_SERVER_SERVICES_FOREMAN_FALLBACK_HEARTBEAT_INTERVAL_SECONDS", "5")
    db = Database(database_url)
    try:
        foreman = Foreman(db, settings=get_current_settings())
        assert foreman.loop_seconds == 15.0
        await _pool(api)
        await api.post("/work_pools/main/workers/heartbeat", json={"name": "w"})
        beat = (await api.post("/work_pools/main/workers/filter")).json()[0]
        last = datetime.fromisoformat(beat["last_heartbeat_time"])
        assert await foreman.run_once(now=last + timedelta(seconds=4)) == 0
        assert await foreman.run_once(now=last + timedelta(seconds=6)) == 2  # worker + pool
    finally:
        await db.dispose()
