"""The client's work pool, work queue and worker methods, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pydantic
import pytest
import sqlalchemy as sa
from prefect.client.orchestration import PrefectClient, get_client
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound, PrefectHTTPStatusError
from prefect.schemas.work_pools import (
    WorkerFilter,
    WorkerStatus,
    WorkPoolCreate,
    WorkPoolFilter,
    WorkPoolStatus,
    WorkPoolUpdate,
    WorkQueueFilter,
    WorkQueueStatus,
)
from prefect.states import Scheduled

TEMPLATE = {
    "job_configuration": {"command": "{{ command }}"},
    "variables": {"properties": {"command": {"type": "string"}}},
}


class Named:
    def __init__(self, name: str) -> None:
        self.name = name


@pytest.fixture
async def client(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[PrefectClient]:
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", database_url)
    async with get_client() as c:
        yield c


async def _put_in_queue(database_url: str, run_id: uuid.UUID, queue_id: uuid.UUID) -> None:
    # runs reach a queue through deployments (another module); set the link directly
    from prefect_server.database import orm
    from prefect_server.database.engine import Database

    db = Database(database_url)
    try:
        async with db.write() as session:
            await session.execute(
                sa.update(orm.FlowRun)
                .where(orm.FlowRun.id == run_id)
                .values(work_queue_id=queue_id)
            )
    finally:
        await db.dispose()


async def test_work_pools(client: PrefectClient) -> None:
    pool = await client.create_work_pool(
        WorkPoolCreate(name="main", type="process", base_job_template=TEMPLATE)
    )
    assert (pool.type, pool.status, pool.base_job_template) == (
        "process",
        WorkPoolStatus.NOT_READY,
        TEMPLATE,
    )
    assert pool.default_queue_id is not None and not pool.is_push_pool
    with pytest.raises(ObjectAlreadyExists):
        await client.create_work_pool(WorkPoolCreate(name="main", type="process"))
    # overwrite takes the new settings but keeps the type
    again = await client.create_work_pool(
        WorkPoolCreate(name="main", type="docker", description="d", concurrency_limit=2),
        overwrite=True,
    )
    assert (again.id, again.type, again.description, again.concurrency_limit) == (
        pool.id,
        "process",
        "d",
        2,
    )
    assert again.base_job_template == {}

    await client.update_work_pool("main", WorkPoolUpdate(is_paused=True))
    assert (await client.read_work_pool("main")).status == WorkPoolStatus.PAUSED
    await client.create_work_pool(WorkPoolCreate(name="other", type="docker"))
    docker = WorkPoolFilter.model_validate({"type": {"any_": ["docker"]}})
    assert [p.name for p in await client.read_work_pools(work_pool_filter=docker)] == ["other"]
    assert [p.name for p in await client.read_work_pools(limit=1, offset=1)] == ["other"]
    assert await client.count_work_pools() == 2

    with pytest.raises(ObjectNotFound, match="'nope'"):
        await client.read_work_pool("nope")
    with pytest.raises(ObjectNotFound):
        await client.update_work_pool("nope", WorkPoolUpdate(description="x"))
    with pytest.raises(PrefectHTTPStatusError) as info:
        await client.create_work_pool(WorkPoolCreate(name="prefect-cloud", type="x"))
    assert info.value.status_code == 403
    with pytest.raises(pydantic.ValidationError, match="undeclared"):
        WorkPoolCreate(
            name="x",
            base_job_template={"job_configuration": {"a": "{{ b }}"}, "variables": {"c": 1}},
        )

    await client.delete_work_pool("other")
    with pytest.raises(ObjectNotFound):
        await client.delete_work_pool("other")


async def test_work_queues(client: PrefectClient) -> None:
    pool = await client.create_work_pool(WorkPoolCreate(name="main", type="process"))
    etl = await client.create_work_queue("etl", description="e", work_pool_name="main")
    urgent = await client.create_work_queue("urgent", priority=1, work_pool_name="main")
    assert (etl.work_pool_id, etl.work_pool_name, etl.priority) == (pool.id, "main", 2)
    in_pool = await client.read_work_queues(work_pool_name="main")
    assert [(q.name, q.priority) for q in in_pool] == [("urgent", 1), ("default", 2), ("etl", 3)]
    with pytest.raises(ObjectAlreadyExists):
        await client.create_work_queue("etl", work_pool_name="main")
    with pytest.raises(ObjectNotFound):
        await client.create_work_queue("x", work_pool_name="nope")

    legacy = await client.create_work_queue("legacy", concurrency_limit=1)
    assert legacy.work_pool_name == "default-agent-pool"
    assert (await client.read_work_queue_by_name("legacy")).id == legacy.id
    assert (await client.read_work_queue_by_name("etl", work_pool_name="main")).id == etl.id
    with pytest.raises(ObjectNotFound):
        await client.read_work_queue_by_name("etl")
    with pytest.raises(ObjectNotFound):
        await client.read_work_queue(uuid.uuid4())

    await client.update_work_queue(etl.id, is_paused=True, priority=1)
    changed = await client.read_work_queue(etl.id)
    assert (changed.is_paused, changed.status, changed.priority) == (
        True,
        WorkQueueStatus.PAUSED,
        1,
    )
    assert (await client.read_work_queue(urgent.id)).priority == 2
    with pytest.raises(ValueError, match="No fields"):
        await client.update_work_queue(etl.id)
    with pytest.raises(ObjectNotFound):
        await client.update_work_queue(uuid.uuid4(), description="x")

    matched = await client.match_work_queues(["E", "leg"])
    assert sorted(q.name for q in matched) == ["etl", "legacy"]
    assert [q.name for q in await client.match_work_queues(["e"], work_pool_name="main")] == ["etl"]
    named = WorkQueueFilter.model_validate({"name": {"any_": ["default"]}})
    assert len(await client.read_work_queues(work_queue_filter=named)) == 2  # one per pool

    await client.delete_work_queue_by_id(etl.id)
    with pytest.raises(ObjectNotFound):
        await client.delete_work_queue_by_id(etl.id)
    assert pool.default_queue_id is not None
    with pytest.raises(ObjectAlreadyExists, match="default queue"):
        await client.delete_work_queue_by_id(pool.default_queue_id)


async def test_workers_and_polling(client: PrefectClient, database_url: str) -> None:
    pool = await client.create_work_pool(WorkPoolCreate(name="main", type="process"))
    assert pool.default_queue_id is not None
    assert await client.send_worker_heartbeat("main", "w1", heartbeat_interval_seconds=10) is None
    await client.send_worker_heartbeat("main", "w1")
    [worker] = await client.read_workers_for_work_pool("main")
    assert (worker.name, worker.status, worker.heartbeat_interval_seconds) == (
        "w1",
        WorkerStatus.ONLINE,
        10,
    )
    offline = WorkerFilter.model_validate({"status": {"any_": ["OFFLINE"]}})
    assert await client.read_workers_for_work_pool("main", worker_filter=offline) == []
    assert (await client.read_work_pool("main")).status == WorkPoolStatus.READY
    with pytest.raises(ObjectNotFound):
        await client.send_worker_heartbeat("nope", "w1")
    await client.delete_worker("main", "w1")
    assert await client.read_workers_for_work_pool("main") == []

    now = datetime.now(UTC)
    due = await client.create_flow_run(Named("etl"), state=Scheduled(scheduled_time=now))
    later = await client.create_flow_run(
        Named("etl"), state=Scheduled(scheduled_time=now + timedelta(hours=1))
    )
    for run in (due, later):
        await _put_in_queue(database_url, run.id, pool.default_queue_id)

    soon = now + timedelta(minutes=1)
    runs = await client.get_scheduled_flow_runs_for_work_pool("main", scheduled_before=soon)
    assert [(r.flow_run.id, r.work_queue_id, r.work_pool_id) for r in runs] == [
        (due.id, pool.default_queue_id, pool.id)
    ]
    both = await client.get_scheduled_flow_runs_for_work_pool("main", work_queue_names=["default"])
    assert [r.flow_run.id for r in both] == [due.id, later.id]
    with pytest.raises(ObjectNotFound):
        await client.get_scheduled_flow_runs_for_work_pool("main", work_queue_names=["nope"])
    assert (await client.read_work_queue(pool.default_queue_id)).status == WorkQueueStatus.READY

    queued = await client.get_runs_in_work_queue(pool.default_queue_id, scheduled_before=soon)
    assert [r.id for r in queued] == [due.id]
    assert len(await client.get_runs_in_work_queue(pool.default_queue_id, limit=1)) == 1
    status = await client.read_work_queue_status(pool.default_queue_id)
    assert (status.healthy, status.late_runs_count) == (True, 0)
    with pytest.raises(ObjectNotFound):
        await client.read_work_queue_status(uuid.uuid4())


def test_sync_client(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", database_url)
    with get_client(sync_client=True) as client:
        created = client.create_work_pool(WorkPoolCreate(name="sync", type="process"))
        assert client.read_work_pool("sync").id == created.id
        queue = client.create_work_queue("q", work_pool_name="sync")
        assert client.read_work_queue(queue.id).work_pool_name == "sync"
        client.delete_work_pool("sync")
        with pytest.raises(ObjectNotFound):
            client.read_work_queue(queue.id)
