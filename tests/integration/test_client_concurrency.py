"""The client's concurrency limit methods (v1 and v2) against the embedded store."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from prefect.client._concurrency import ConcurrencySlotsLocked
from prefect.client.orchestration import PrefectClient, get_client
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound, PrefectHTTPStatusError
from prefect.schemas.concurrency import (
    GlobalConcurrencyLimitCreate,
    GlobalConcurrencyLimitUpdate,
    MinimalConcurrencyLimitResponse,
)


@pytest.fixture
async def client(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[PrefectClient]:
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", database_url)
    async with get_client() as c:
        yield c


async def test_tag_limits(client: PrefectClient) -> None:
    limit_id = await client.create_concurrency_limit("db", 1)
    assert await client.create_concurrency_limit("db", 2) == limit_id
    assert await client.create_concurrency_limit("team/etl", 1) != limit_id
    limit = await client.read_concurrency_limit_by_tag("db")
    assert (limit.id, limit.concurrency_limit, limit.active_slots) == (limit_id, 2, [])
    assert (await client.read_concurrency_limit_by_tag("team/etl")).tag == "team/etl"
    assert [c.tag for c in await client.read_concurrency_limits(limit=10, offset=0)] == [
        "db",
        "team/etl",
    ]
    assert [c.tag for c in await client.read_concurrency_limits(limit=1, offset=1)] == ["team/etl"]

    runs = [uuid.uuid4() for _ in range(3)]
    taken = await client.increment_v1_concurrency_slots(["db"], runs[0])
    assert [m.name for m in map(MinimalConcurrencyLimitResponse.model_validate, taken.json())] == [
        "db"
    ]
    await client.increment_v1_concurrency_slots(["db"], runs[1])
    with pytest.raises(ConcurrencySlotsLocked) as locked:
        await client.increment_v1_concurrency_slots(["db"], runs[2])
    assert locked.value.retry_after == 30.0 and locked.value.status_code == 423
    assert "db tag has been reached" in str(locked.value)

    await client.decrement_v1_concurrency_slots(["db"], runs[0], occupancy_seconds=1.5)
    assert (await client.read_concurrency_limit_by_tag("db")).active_slots == [runs[1]]
    await client.reset_concurrency_limit_by_tag("db", slot_override=[runs[2], str(runs[0])])
    assert (await client.read_concurrency_limit_by_tag("db")).active_slots == [runs[2], runs[0]]
    await client.reset_concurrency_limit_by_tag("db")
    assert (await client.read_concurrency_limit_by_tag("db")).active_slots == []

    await client.create_concurrency_limit("frozen", 0)
    with pytest.raises(ConcurrencySlotsLocked) as frozen:
        await client.increment_v1_concurrency_slots(["frozen"], runs[0])
    assert frozen.value.retry_after is None

    await client.delete_concurrency_limit_by_tag("db")
    for missing in (
        client.read_concurrency_limit_by_tag("db"),
        client.reset_concurrency_limit_by_tag("db"),
        client.delete_concurrency_limit_by_tag("db"),
    ):
        with pytest.raises(ObjectNotFound, match="'db'"):
            await missing
    with pytest.raises(PrefectHTTPStatusError) as bad:
        await client.create_concurrency_limit("x", -1)
    assert bad.value.status_code == 422


async def test_global_limits(client: PrefectClient) -> None:
    limit_id = await client.create_global_concurrency_limit(
        GlobalConcurrencyLimitCreate(name="db", limit=2)
    )
    with pytest.raises(ObjectAlreadyExists):
        await client.create_global_concurrency_limit({"name": "db", "limit": 1})
    read = await client.read_global_concurrency_limit_by_name("db")
    assert (read.id, read.limit, read.active, read.active_slots) == (limit_id, 2, True, 0)

    await client.update_global_concurrency_limit("db", GlobalConcurrencyLimitUpdate(limit=3))
    assert (await client.read_global_concurrency_limit_by_name("db")).limit == 3
    await client.upsert_global_concurrency_limit_by_name("db", 4)
    await client.upsert_global_concurrency_limit_by_name("new", 1)
    assert [(g.name, g.limit) for g in await client.read_global_concurrency_limits()] == [
        ("db", 4),
        ("new", 1),
    ]
    assert [g.name for g in await client.read_global_concurrency_limits(limit=1, offset=1)] == [
        "new"
    ]

    await client.delete_global_concurrency_limit_by_name("new")
    with pytest.raises(ObjectNotFound, match="'new'"):
        await client.read_global_concurrency_limit_by_name("new")
    with pytest.raises(ObjectNotFound):
        await client.update_global_concurrency_limit("new", {"limit": 1})
    with pytest.raises(ObjectNotFound):
        await client.delete_global_concurrency_limit_by_name("new")
    with pytest.raises(PrefectHTTPStatusError) as bad:
        await client.create_global_concurrency_limit({"name": "a/b", "limit": 1})
    assert bad.value.status_code == 422


async def test_slots_and_leases(client: PrefectClient) -> None:
    await client.create_global_concurrency_limit({"name": "db", "limit": 2})
    taken = await client.increment_concurrency_slots(["db"], 1, "concurrency")
    assert taken.json()[0]["name"] == "db"
    leased = await client.increment_concurrency_slots_with_lease(
        ["db"], 1, "concurrency", 60, holder={"type": "flow_run", "id": uuid.uuid4()}
    )
    lease_id = uuid.UUID(leased.json()["lease_id"])
    assert (await client.read_global_concurrency_limit_by_name("db")).active_slots == 2

    with pytest.raises(ConcurrencySlotsLocked) as locked:
        await client.increment_concurrency_slots(["db"], 1, "concurrency")
    assert locked.value.retry_after is not None and locked.value.retry_after > 0
    with pytest.raises(ConcurrencySlotsLocked):
        await client.increment_concurrency_slots_with_lease(["db"], 1, "concurrency", 60)
    with pytest.raises(PrefectHTTPStatusError) as too_many:
        await client.increment_concurrency_slots(["db"], 5, "concurrency")
    assert too_many.value.status_code == 422

    await client.renew_concurrency_lease(lease_id, 120)
    await client.release_concurrency_slots_with_lease(lease_id)
    await client.release_concurrency_slots(["db"], 1, occupancy_seconds=2.0)
    assert (await client.read_global_concurrency_limit_by_name("db")).active_slots == 0
    with pytest.raises(ObjectNotFound):
        await client.renew_concurrency_lease(lease_id, 120)

    created = await client.increment_concurrency_slots(
        ["missing"], 1, "concurrency", create_if_missing=True
    )
    assert created.status_code == 200
    assert (await client.read_global_concurrency_limit_by_name("missing")).active is False


def test_sync_client(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", database_url)
    with get_client(sync_client=True) as client:
        client.create_concurrency_limit("db", 3)
        assert client.read_concurrency_limit_by_tag("db").concurrency_limit == 3
        client.create_global_concurrency_limit({"name": "g", "limit": 1})
        response = client.increment_concurrency_slots(["g"], 1, "concurrency")
        assert response.status_code == 200
        with pytest.raises(ConcurrencySlotsLocked):
            client.increment_concurrency_slots(["g"], 1, "concurrency")
