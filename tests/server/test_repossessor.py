"""The repossessor frees the slots of expired concurrency leases, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from prefect._time import now
from prefect.settings import get_current_settings
from prefect_server.models import concurrency_leases
from prefect_server.services import load_service
from prefect_server.services.repossessor import Repossessor

V2 = "/v2/concurrency_limits"


async def _lease(api: httpx.AsyncClient, names: list[str], seconds: float, slots: int = 1) -> str:
    body = {"names": names, "slots": slots, "lease_duration": seconds}
    response = await api.post(f"{V2}/increment-with-lease", json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["lease_id"])


async def _slots(api: httpx.AsyncClient, name: str) -> int:
    return int((await api.get(f"{V2}/{name}")).json()["active_slots"])


def test_registered_under_its_name() -> None:
    assert load_service("repossessor") is Repossessor
    assert Repossessor.name == "repossessor"
    assert get_current_settings().server_services_repossessor_loop_seconds == 15.0


async def test_expired_leases_give_their_slots_back(api, db) -> None:
    for name in ("a", "b"):
        assert (await api.post(f"{V2}/", json={"name": name, "limit": 5})).status_code == 201
    short = await _lease(api, ["a", "b"], 60, slots=2)
    long = await _lease(api, ["a"], 600)
    assert (await _slots(api, "a"), await _slots(api, "b")) == (3, 2)

    service = Repossessor(db, loop_seconds=1)
    assert await service.run_once(now=now() + timedelta(seconds=30)) == 0
    assert await _slots(api, "a") == 3

    assert await service.run_once(now=now() + timedelta(seconds=61)) == 1
    assert (await _slots(api, "a"), await _slots(api, "b")) == (1, 0)
    gone = await api.post(f"{V2}/leases/{short}/renew", json={"lease_duration": 60})
    assert gone.status_code == 404
    # the holder releasing it late changes nothing
    late = await api.post(f"{V2}/decrement-with-lease", json={"lease_id": short})
    assert late.status_code == 204 and await _slots(api, "a") == 1
    kept = await api.post(f"{V2}/leases/{long}/renew", json={"lease_duration": 300})
    assert kept.status_code == 204

    assert await service.run_once(now=now() + timedelta(seconds=601)) == 1
    assert await _slots(api, "a") == 0
    assert await service.run_once(now=now() + timedelta(days=2)) == 0


async def test_renewed_lease_is_kept(api, db) -> None:
    assert (await api.post(f"{V2}/", json={"name": "db", "limit": 1})).status_code == 201
    lease = await _lease(api, ["db"], 60)
    renewed = await api.post(f"{V2}/leases/{lease}/renew", json={"lease_duration": 3600})
    assert renewed.status_code == 204
    service = Repossessor(db, loop_seconds=1)
    assert await service.run_once(now=now() + timedelta(seconds=120)) == 0
    assert await _slots(api, "db") == 1
    assert await service.run_once(now=now() + timedelta(seconds=3700)) == 1
    assert await _slots(api, "db") == 0


async def test_many_expired_leases_in_batches(api, db, monkeypatch: pytest.MonkeyPatch) -> None:
    batches: list[int] = []
    release_expired = concurrency_leases.release_expired

    async def counting(*args: object, **kwargs: object) -> int:
        count = await release_expired(*args, **kwargs)  # type: ignore[arg-type]
        batches.append(count)
        return count

    monkeypatch.setattr(concurrency_leases, "release_expired", counting)
    assert (await api.post(f"{V2}/", json={"name": "db", "limit": 10})).status_code == 201
    for _ in range(7):
        await _lease(api, ["db"], 60)
    # a lease on a limit deleted since then expires harmlessly
    assert (await api.post(f"{V2}/", json={"name": "gone", "limit": 1})).status_code == 201
    await _lease(api, ["gone"], 60)
    assert (await api.delete(f"{V2}/gone")).status_code == 204

    service = Repossessor(db, loop_seconds=1)
    service.batch_size = 3
    assert await service.run_once(now=now() + timedelta(hours=1)) == 8
    assert batches == [3, 3, 2]
    assert await _slots(api, "db") == 0


async def test_lease_of_unknown_id_is_not_found(api) -> None:
    response = await api.post(f"{V2}/leases/{uuid.uuid4()}/renew", json={"lease_duration": 60})
    assert response.status_code == 404
