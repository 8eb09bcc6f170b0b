"""Concurrency limit routes, v1 (by tag) and v2 (global, leases), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from prefect_server.database.orm_concurrency import ConcurrencyLimitV2 as Row
from prefect_server.models.concurrency_limits_v2 import slots_at

V1 = "/concurrency_limits"
V2 = "/v2/concurrency_limits"
Json = dict[str, Any]


async def _v1(api: httpx.AsyncClient, tag: str, limit: int) -> Json:
    response = await api.post(f"{V1}/", json={"tag": tag, "concurrency_limit": limit})
    assert response.status_code == 200, response.text
    result: Json = response.json()
    return result


async def _v2(api: httpx.AsyncClient, name: str, limit: int, **fields: Any) -> Json:
    response = await api.post(f"{V2}/", json={"name": name, "limit": limit, **fields})
    assert response.status_code == 201, response.text
    result: Json = response.json()
    return result


async def _take(api: httpx.AsyncClient, tags: list[str], run: str | None = None) -> httpx.Response:
    body = {"names": tags, "task_run_id": run or str(uuid.uuid4())}
    return await api.post(f"{V1}/increment", json=body)


async def _slots(api: httpx.AsyncClient, name: str) -> int:
    response = await api.get(f"{V2}/{name}")
    assert response.status_code == 200, response.text
    return int(response.json()["active_slots"])


# -- v1 ---------------------------------------------------------------------------------------


async def test_v1_create_is_an_upsert_by_tag(api) -> None:
    first = await _v1(api, "db", 2)
    assert first["tag"] == "db" and first["concurrency_limit"] == 2
    assert first["active_slots"] == []
    again = await _v1(api, "db", 5)
    assert again["id"] == first["id"] and again["concurrency_limit"] == 5

    by_id = (await api.get(f"{V1}/{first['id']}")).json()
    by_tag = (await api.get(f"{V1}/tag/db")).json()
    assert by_id == by_tag and by_tag["concurrency_limit"] == 5

    slashed = await _v1(api, "team/db", 1)
    assert (await api.get(f"{V1}/tag/team%2Fdb")).json()["id"] == slashed["id"]


async def test_v1_bad_input_and_missing(api) -> None:
    for path in (f"{V1}/{uuid.uuid4()}", f"{V1}/tag/nope"):
        missing = await api.get(path)
        assert missing.status_code == 404
        assert missing.json()["detail"] == "Concurrency limit not found"
    assert (await api.get(f"{V1}/not-a-uuid")).status_code == 422
    for body in (
        {"tag": "db", "concurrency_limit": -1},
        {"tag": "", "concurrency_limit": 1},
        {"concurrency_limit": 1},
        {"tag": "db", "concurrency_limit": 1, "extra": True},
    ):
        assert (await api.post(f"{V1}/", json=body)).status_code == 422, body
    assert (await api.post(f"{V1}/filter", json={"limit": 201})).status_code == 422
    assert (await api.post(f"{V1}/increment", json={"names": ["db"]})).status_code == 422
    bad_override = await api.post(f"{V1}/tag/db/reset", json={"slot_override": ["x"]})
    assert bad_override.status_code == 422


async def test_v1_filter_orders_by_tag_and_pages(api) -> None:
    for tag in ("c", "a", "b"):
        await _v1(api, tag, 1)
    assert [c["tag"] for c in (await api.post(f"{V1}/filter")).json()] == ["a", "b", "c"]
    page = await api.post(f"{V1}/filter", json={"limit": 1, "offset": 1})
    assert [c["tag"] for c in page.json()] == ["b"]


async def test_v1_increment_takes_slots_until_full(api) -> None:
    limit = await _v1(api, "db", 2)
    runs = [str(uuid.uuid4()) for _ in range(3)]
    first = await _take(api, ["db", "unlimited"], runs[0])
    assert first.status_code == 200
    assert first.json() == [{"id": limit["id"], "name": "db", "limit": 2}]
    # asking again for a run that holds a slot is harmless
    assert (await _take(api, ["db"], runs[0])).status_code == 200
    assert (await _take(api, ["db"], runs[1])).status_code == 200

    full = await _take(api, ["db"], runs[2])
    assert full.status_code == 423
    assert full.headers["Retry-After"] == "30"
    assert full.json()["detail"] == "Concurrency limit for the db tag has been reached"
    held = (await api.get(f"{V1}/tag/db")).json()["active_slots"]
    assert sorted(held) == sorted(runs[:2])

    released = await api.post(
        f"{V1}/decrement", json={"names": ["db"], "task_run_id": runs[0], "occupancy_seconds": 1}
    )
    assert released.status_code == 200 and released.json()[0]["name"] == "db"
    assert (await _take(api, ["db"], runs[2])).status_code == 200


async def test_v1_zero_limit_aborts_and_increment_is_all_or_nothing(api) -> None:
    await _v1(api, "frozen", 0)
    zero = await _take(api, ["frozen"])
    assert zero.status_code == 423 and "Retry-After" not in zero.headers
    assert "is 0 and will deadlock" in zero.json()["detail"]

    await _v1(api, "a", 1)
    await _v1(api, "b", 1)
    assert (await _take(api, ["b"])).status_code == 200
    blocked = await _take(api, ["a", "b"])
    assert blocked.status_code == 423
    # the free tag was not taken either
    assert (await api.get(f"{V1}/tag/a")).json()["active_slots"] == []


async def test_v1_reset_and_delete(api) -> None:
    limit = await _v1(api, "db", 3)
    await _take(api, ["db"])
    override = [str(uuid.uuid4()), str(uuid.uuid4())]
    reset = await api.post(f"{V1}/tag/db/reset", json={"slot_override": override})
    assert reset.status_code == 200
    assert (await api.get(f"{V1}/tag/db")).json()["active_slots"] == override
    assert (await api.post(f"{V1}/tag/db/reset")).status_code == 200
    assert (await api.get(f"{V1}/tag/db")).json()["active_slots"] == []
    assert (await api.post(f"{V1}/tag/nope/reset")).status_code == 404

    assert (await api.delete(f"{V1}/{limit['id']}")).status_code == 200
    assert (await api.delete(f"{V1}/{limit['id']}")).status_code == 404
    await _v1(api, "team/x", 1)
    assert (await api.delete(f"{V1}/tag/team%2Fx")).status_code == 200
    assert (await api.delete(f"{V1}/tag/team%2Fx")).status_code == 404


async def test_v1_concurrent_increments_never_overfill(api) -> None:
    await _v1(api, "db", 3)
    answers = await asyncio.gather(*(_take(api, ["db"]) for _ in range(10)))
    assert sorted(r.status_code for r in answers) == [200] * 3 + [423] * 7
    assert len((await api.get(f"{V1}/tag/db")).json()["active_slots"]) == 3


# -- v2: the limits ------------------------------------------------------------------------


async def test_v2_create_read_and_conflict(api) -> None:
    created = await _v2(api, "db", 5)
    assert {k: created[k] for k in ("name", "limit", "active", "active_slots")} == {
        "name": "db",
        "limit": 5,
        "active": True,
        "active_slots": 0,
    }
    assert created["denied_slots"] == 0 and created["slot_decay_per_second"] == 0.0
    assert created["avg_slot_occupancy_seconds"] == 2.0

    by_name = (await api.get(f"{V2}/db")).json()
    by_id = (await api.get(f"{V2}/{created['id']}")).json()
    assert by_name == by_id and by_name["id"] == created["id"]
    assert set(by_name) == {
        "id",
        "created",
        "updated",
        "active",
        "name",
        "limit",
        "active_slots",
        "slot_decay_per_second",
    }

    again = await api.post(f"{V2}/", json={"name": "db", "limit": 1})
    assert again.status_code == 409 and "db" in again.json()["detail"]
    missing = await api.get(f"{V2}/nope")
    assert missing.status_code == 404 and missing.json()["detail"] == "Concurrency Limit not found"
    assert (await api.get(f"{V2}/{uuid.uuid4()}")).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"name": "a/b", "limit": 1},
        {"name": "a%b", "limit": 1},
        {"name": "", "limit": 1},
        {"name": "x", "limit": -1},
        {"name": "x", "limit": 1, "slot_decay_per_second": -1},
        {"name": "x"},
        {"name": "x", "limit": 1, "unknown": 1},
    ],
)
async def test_v2_create_rejects_bad_bodies(api, body: Json) -> None:
    assert (await api.post(f"{V2}/", json=body)).status_code == 422


async def test_v2_update_and_delete(api) -> None:
    created = await _v2(api, "db", 5)
    await _v2(api, "other", 1)
    patched = await api.patch(f"{V2}/db", json={"limit": 7, "active": False, "name": "db2"})
    assert patched.status_code == 204
    stored = (await api.get(f"{V2}/{created['id']}")).json()
    assert (stored["name"], stored["limit"], stored["active"]) == ("db2", 7, False)
    # null leaves a field as it is
    assert (await api.patch(f"{V2}/db2", json={"limit": None})).status_code == 204
    assert (await api.get(f"{V2}/db2")).json()["limit"] == 7

    taken = await api.patch(f"{V2}/db2", json={"name": "other"})
    assert taken.status_code == 409
    assert (await api.patch(f"{V2}/db2", json={"limit": -1})).status_code == 422
    assert (await api.patch(f"{V2}/db2", json={"name": "a/b"})).status_code == 422
    assert (await api.patch(f"{V2}/nope", json={"limit": 1})).status_code == 404

    assert (await api.delete(f"{V2}/db2")).status_code == 204
    assert (await api.delete(f"{V2}/{created['id']}")).status_code == 404
    assert (await api.delete(f"{V2}/other")).status_code == 204


async def test_v2_filter_orders_by_name_and_pages(api) -> None:
    for name in ("c", "a", "b"):
        await _v2(api, name, 1)
    assert [c["name"] for c in (await api.post(f"{V2}/filter")).json()] == ["a", "b", "c"]
    page = await api.post(f"{V2}/filter", json={"limit": 2, "offset": 1})
    assert [c["name"] for c in page.json()] == ["b", "c"]
    assert (await api.post(f"{V2}/filter", json={"offset": -1})).status_code == 422


# -- v2: slots -----------------------------------------------------------------------------


async def _increment(
    api: httpx.AsyncClient, names: list[str], slots: int = 1, **body: Any
) -> httpx.Response:
    return await api.post(f"{V2}/increment", json={"names": names, "slots": slots, **body})


async def test_v2_increment_is_all_or_nothing(api) -> None:
    a = await _v2(api, "a", 2)
    await _v2(api, "b", 1)
    ok = await _increment(api, ["a", "b", "unknown"])
    assert ok.status_code == 200
    assert [m["name"] for m in ok.json()] == ["a", "b"]
    assert ok.json()[0] == {"id": a["id"], "name": "a", "limit": 2}

    locked = await _increment(api, ["a", "b"])
    assert locked.status_code == 423
    assert float(locked.headers["Retry-After"]) > 0
    assert (await _slots(api, "a"), await _slots(api, "b")) == (1, 1)


async def test_v2_retry_after_follows_occupancy_and_queue(api) -> None:
    await _v2(api, "db", 1)
    assert (await _increment(api, ["db"])).status_code == 200
    # one slot held 10 s: the average occupancy moves from 2 s toward 10 s
    released = await api.post(
        f"{V2}/decrement", json={"names": ["db"], "slots": 1, "occupancy_seconds": 10}
    )
    assert released.status_code == 200 and released.json()[0]["name"] == "db"
    assert await _slots(api, "db") == 0
    assert (await _increment(api, ["db"])).status_code == 200
    first = await _increment(api, ["db"])
    second = await _increment(api, ["db"])
    assert (first.status_code, second.status_code) == (423, 423)
    # average 2 + (10 - 2) / (1 * 2) = 6 s per slot; the second waits behind the first
    assert float(first.headers["Retry-After"]) == pytest.approx(6.0, abs=0.01)
    assert float(second.headers["Retry-After"]) == pytest.approx(12.0, abs=0.01)


async def test_v2_inactive_and_missing_limits_do_not_block(api) -> None:
    await _v2(api, "off", 1, active=False, active_slots=1)
    ok = await _increment(api, ["off", "ghost"])
    assert ok.status_code == 200 and [m["name"] for m in ok.json()] == ["off"]
    assert await _slots(api, "off") == 1

    created = await _increment(api, ["ghost"], create_if_missing=True)
    assert created.status_code == 200
    ghost = (await api.get(f"{V2}/ghost")).json()
    assert (ghost["active"], ghost["limit"], ghost["active_slots"]) == (False, 1, 0)
    assert (await api.post(f"{V2}/decrement", json={"names": ["off"], "slots": 1})).json()
    # an inactive limit's counters are left alone
    assert await _slots(api, "off") == 1


async def test_v2_requests_that_can_never_succeed_are_422(api) -> None:
    await _v2(api, "db", 2)
    too_many = await _increment(api, ["db"], slots=3)
    assert too_many.status_code == 422
    assert too_many.json()["detail"] == "Slots requested is greater than the limit"
    rate = await _increment(api, ["db"], mode="rate_limit")
    assert rate.status_code == 422 and "'db'" in rate.json()["detail"]
    for body in (
        {"names": [], "slots": 1},
        {"names": ["db"], "slots": 0},
        {"names": ["db"], "slots": 1, "mode": "fast"},
    ):
        assert (await api.post(f"{V2}/increment", json=body)).status_code == 422, body
    assert await _slots(api, "db") == 0


async def test_v2_decaying_limit_frees_slots_over_time(api) -> None:
    await _v2(api, "rate", 2, slot_decay_per_second=10.0)
    assert (await _increment(api, ["rate"], slots=2, mode="rate_limit")).status_code == 200
    locked = await _increment(api, ["rate"], mode="rate_limit")
    if locked.status_code == 423:
        # one slot per 1/10 s, and this request is the only one waiting
        assert float(locked.headers["Retry-After"]) == pytest.approx(0.1, abs=0.001)
    await asyncio.sleep(0.35)
    assert await _slots(api, "rate") == 0
    assert (await _increment(api, ["rate"], slots=2, mode="rate_limit")).status_code == 200


def test_decay_keeps_the_part_of_a_slot_not_yet_decayed() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    row = Row(
        name="r",
        limit=10,
        active_slots=5,
        denied_slots=0,
        slot_decay_per_second=1.0,
        avg_slot_occupancy_seconds=2.0,
        slots_as_of=start,
    )
    later = slots_at(row, start + timedelta(seconds=2.5))
    assert later.active == 3
    # 2 whole slots decayed; the half slot in progress is kept for the next reader
    assert later.as_of == start + timedelta(seconds=2)
    assert slots_at(row, start + timedelta(seconds=60)).active == 0
    assert slots_at(row, start + timedelta(seconds=60)).as_of == start + timedelta(seconds=60)
    steady = Row(
        name="s",
        limit=2,
        active_slots=2,
        denied_slots=4,
        slot_decay_per_second=0.0,
        avg_slot_occupancy_seconds=2.0,
        slots_as_of=start,
    )
    # without decay, held slots stay; denied ones fade at one per average occupancy
    assert (
        slots_at(steady, start + timedelta(seconds=5)).active,
        slots_at(steady, start + timedelta(seconds=5)).denied,
    ) == (2, 2)


async def test_v2_concurrent_increments_never_overfill(api) -> None:
    await _v2(api, "db", 4)
    answers = await asyncio.gather(*(_increment(api, ["db"]) for _ in range(12)))
    assert sorted(r.status_code for r in answers) == [200] * 4 + [423] * 8
    assert await _slots(api, "db") == 4


# -- v2: leases ----------------------------------------------------------------------------


async def _lease(api: httpx.AsyncClient, names: list[str], **body: Any) -> httpx.Response:
    return await api.post(f"{V2}/increment-with-lease", json={"names": names, "slots": 1, **body})


async def test_v2_lease_holds_and_releases_slots(api) -> None:
    limit = await _v2(api, "db", 2)
    await _v2(api, "off", 1, active=False)
    holder = {"type": "task_run", "id": str(uuid.uuid4())}
    taken = await _lease(api, ["db", "off"], lease_duration=120, holder=holder)
    assert taken.status_code == 200
    lease_id = taken.json()["lease_id"]
    assert taken.json()["limits"][0] == {"id": limit["id"], "name": "db", "limit": 2}
    assert await _slots(api, "db") == 1

    renewed = await api.post(f"{V2}/leases/{lease_id}/renew", json={"lease_duration": 600})
    assert renewed.status_code == 204
    release = await api.post(f"{V2}/decrement-with-lease", json={"lease_id": lease_id})
    assert release.status_code == 204
    assert await _slots(api, "db") == 0
    # released twice: nothing left to give back, and not an error
    again = await api.post(f"{V2}/decrement-with-lease", json={"lease_id": lease_id})
    assert again.status_code == 204 and await _slots(api, "db") == 0
    gone = await api.post(f"{V2}/leases/{lease_id}/renew", json={"lease_duration": 600})
    assert gone.status_code == 404 and gone.json()["detail"] == "Lease not found"


async def test_v2_lease_bad_input_and_full(api) -> None:
    await _v2(api, "db", 1)
    for body in (
        {"lease_duration": 59},
        {"lease_duration": 86401},
        {"holder": {"type": "worker", "id": str(uuid.uuid4())}},
        {"holder": {"type": "task_run"}},
    ):
        assert (await _lease(api, ["db"], **body)).status_code == 422, body
    assert (await _lease(api, ["db"])).status_code == 200
    full = await _lease(api, ["db"])
    assert full.status_code == 423 and float(full.headers["Retry-After"]) > 0
    bad = await api.post(f"{V2}/leases/not-a-uuid/renew", json={"lease_duration": 60})
    assert bad.status_code == 422
    short = await api.post(f"{V2}/leases/{uuid.uuid4()}/renew", json={"lease_duration": 1})
    assert short.status_code == 422


async def test_v2_concurrent_leases_never_overfill(api) -> None:
    await _v2(api, "db", 3)
    answers = await asyncio.gather(*(_lease(api, ["db"]) for _ in range(9)))
    assert sorted(r.status_code for r in answers) == [200] * 3 + [423] * 6
    assert await _slots(api, "db") == 3
    leases = [r.json()["lease_id"] for r in answers if r.status_code == 200]
    await asyncio.gather(
        *(api.post(f"{V2}/decrement-with-lease", json={"lease_id": lid}) for lid in leases)
    )
    assert await _slots(api, "db") == 0


async def test_values_the_store_cannot_hold_are_refused(api) -> None:
    await _v2(api, "db", 1)
    huge = 2**31
    for path, body in (
        (f"{V1}/", {"tag": "a\x00b", "concurrency_limit": 1}),
        (f"{V1}/", {"tag": "a", "concurrency_limit": huge}),
        (f"{V1}/increment", {"names": ["a\x00"], "task_run_id": str(uuid.uuid4())}),
        (f"{V2}/", {"name": "a\x00b", "limit": 1}),
        (f"{V2}/", {"name": "big", "limit": huge}),
        (f"{V2}/increment", {"names": ["db\x00"], "slots": 1}),
        (f"{V2}/increment", {"names": ["db"], "slots": huge}),
        (f"{V2}/increment-with-lease", {"names": ["nothing"], "slots": huge}),
        (f"{V2}/decrement", {"names": ["db"], "slots": 1, "occupancy_seconds": "NaN"}),
    ):
        assert (await api.post(path, json=body)).status_code == 422, (path, body)
    for decay in ("Infinity", "NaN"):
        body = {"name": "rate", "limit": 1, "slot_decay_per_second": decay}
        assert (await api.post(f"{V2}/", json=body)).status_code == 422
    assert (await api.patch(f"{V2}/db", json={"active_slots": huge})).status_code == 422
    assert (await api.get(f"{V2}/db%00")).status_code == 404
    assert (await api.get(f"{V1}/tag/a%00")).status_code == 404
    assert (await api.delete(f"{V1}/tag/a%00")).status_code == 404
    assert (await api.post(f"{V1}/tag/a%00/reset")).status_code == 404
