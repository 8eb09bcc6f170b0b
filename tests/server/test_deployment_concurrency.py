"""Deployment concurrency: the `deployment:{id}` v2 limit and the flow run rules around it.

Driven through the API (and, for lease expiry, the repossessor) on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from prefect._time import now
from prefect_server.database.engine import Database
from prefect_server.orchestration.deployment_concurrency import (
    AWAITING_SLOT,
    SLOT_WAIT_SECONDS,
)
from prefect_server.services.repossessor import Repossessor

Json = dict[str, Any]
V2 = "/v2/concurrency_limits"
Make = Callable[..., Awaitable[Json]]


@pytest.fixture
def make_deployment(api: httpx.AsyncClient, flow: Json) -> Make:
    async def make(name: str = "limited", **fields: Any) -> Json:
        response = await api.post(
            "/deployments/", json={"name": name, "flow_id": flow["id"], **fields}
        )
        assert response.status_code == 201, response.text
        result: Json = response.json()
        return result

    return make


@pytest.fixture
def new_run(api: httpx.AsyncClient) -> Callable[[Json], Awaitable[str]]:
    async def make(deployment: Json) -> str:
        response = await api.post(f"/deployments/{deployment['id']}/create_flow_run", json={})
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    return make


async def _propose(api: httpx.AsyncClient, run_id: str, type_: str, **body: Any) -> Json:
    force = body.pop("force", False)
    response = await api.post(
        f"/flow_runs/{run_id}/set_state", json={"state": {"type": type_, **body}, "force": force}
    )
    assert response.status_code in (200, 201), response.text
    result: Json = response.json()
    return result


async def _in_use(api: httpx.AsyncClient, deployment: Json) -> int:
    response = await api.get(f"{V2}/deployment:{deployment['id']}")
    assert response.status_code == 200, response.text
    return int(response.json()["active_slots"])


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value)


# -- the limit object ------------------------------------------------------------------------


async def test_limit_follows_the_deployment(api: httpx.AsyncClient, make_deployment: Make) -> None:
    dep = await make_deployment(concurrency_limit=2)
    name = f"deployment:{dep['id']}"
    assert dep["concurrency_limit"] == 2
    shown = dep["global_concurrency_limit"]
    assert shown["name"] == name and shown["limit"] == 2 and shown["active_slots"] == 0
    assert (await api.get(f"{V2}/{name}")).json()["limit"] == 2

    assert (
        await api.patch(f"/deployments/{dep['id']}", json={"concurrency_limit": 5})
    ).status_code == 204
    assert (await api.get(f"{V2}/{name}")).json()["limit"] == 5
    read = (await api.get(f"/deployments/{dep['id']}")).json()
    assert read["concurrency_limit"] == 5 and read["global_concurrency_limit"]["id"] == shown["id"]

    # a change of something else leaves the limit alone
    await api.patch(f"/deployments/{dep['id']}", json={"description": "x"})
    assert (await api.get(f"{V2}/{name}")).json()["limit"] == 5

    # a redeploy (upsert) resizes the same limit
    again = await api.post(
        "/deployments/", json={"name": "limited", "flow_id": dep["flow_id"], "concurrency_limit": 3}
    )
    assert again.status_code == 200
    assert again.json()["global_concurrency_limit"]["id"] == shown["id"]
    assert again.json()["global_concurrency_limit"]["limit"] == 3

    await api.patch(f"/deployments/{dep['id']}", json={"concurrency_limit": None})
    assert (await api.get(f"{V2}/{name}")).status_code == 404
    read = (await api.get(f"/deployments/{dep['id']}")).json()
    assert read["concurrency_limit"] is None and read["global_concurrency_limit"] is None


async def test_deleting_the_deployment_deletes_its_limit(
    api: httpx.AsyncClient, make_deployment: Make
) -> None:
    dep = await make_deployment(concurrency_limit=1)
    assert (await api.delete(f"/deployments/{dep['id']}")).status_code == 204
    assert (await api.get(f"{V2}/deployment:{dep['id']}")).status_code == 404


async def test_filter_shows_the_limit(api: httpx.AsyncClient, make_deployment: Make) -> None:
    limited = await make_deployment("a", concurrency_limit=4)
    await make_deployment("b")
    found = {d["name"]: d for d in (await api.post("/deployments/filter", json={})).json()}
    assert found["a"]["global_concurrency_limit"]["id"] == limited["global_concurrency_limit"]["id"]
    assert found["b"]["global_concurrency_limit"] is None


# -- taking and giving back slots -----------------------------------------------------------


async def test_enqueue_reschedules_the_run_that_finds_no_slot(
    api: httpx.AsyncClient, make_deployment: Make, new_run: Callable[[Json], Awaitable[str]]
) -> None:
    dep = await make_deployment(concurrency_limit=1)
    first, second = await new_run(dep), await new_run(dep)

    taken = await _propose(api, first, "PENDING")
    assert taken["status"] == "ACCEPT"
    lease = taken["state"]["state_details"]["deployment_concurrency_lease_id"]
    assert lease is not None
    assert await _in_use(api, dep) == 1

    blocked = await _propose(api, second, "PENDING")
    assert blocked["status"] == "REJECT"
    assert "concurrency limit" in blocked["details"]["reason"]
    state = blocked["state"]
    assert (state["type"], state["name"]) == ("SCHEDULED", AWAITING_SLOT)
    wait = _time(state["state_details"]["scheduled_time"]) - _time(state["timestamp"])
    assert timedelta(seconds=SLOT_WAIT_SECONDS - 5) < wait <= timedelta(seconds=SLOT_WAIT_SECONDS)
    run = (await api.get(f"/flow_runs/{second}")).json()
    assert run["state"]["name"] == AWAITING_SLOT
    assert await _in_use(api, dep) == 1

    running = await _propose(api, first, "RUNNING")
    assert running["state"]["state_details"]["deployment_concurrency_lease_id"] == lease
    assert await _in_use(api, dep) == 1
    assert (await _propose(api, first, "COMPLETED"))["status"] == "ACCEPT"
    assert await _in_use(api, dep) == 0

    # the enqueued run gets the slot now
    assert (await _propose(api, second, "PENDING"))["status"] == "ACCEPT"
    assert await _in_use(api, dep) == 1


async def test_cancel_new_cancels_the_run_that_finds_no_slot(
    api: httpx.AsyncClient, make_deployment: Make, new_run: Callable[[Json], Awaitable[str]]
) -> None:
    dep = await make_deployment(
        concurrency_limit=1, concurrency_options={"collision_strategy": "CANCEL_NEW"}
    )
    first, second = await new_run(dep), await new_run(dep)
    assert (await _propose(api, first, "PENDING"))["status"] == "ACCEPT"
    blocked = await _propose(api, second, "PENDING")
    assert blocked["status"] == "REJECT"
    assert "CANCEL_NEW" in blocked["details"]["reason"]
    assert blocked["state"]["type"] == "CANCELLED"
    assert (await api.get(f"/flow_runs/{second}")).json()["state_type"] == "CANCELLED"
    assert await _in_use(api, dep) == 1


async def test_back_to_scheduled_and_cancellation_give_the_slot_back_once(
    api: httpx.AsyncClient, make_deployment: Make, new_run: Callable[[Json], Awaitable[str]]
) -> None:
    dep = await make_deployment(concurrency_limit=3)
    a, b, c = await new_run(dep), await new_run(dep), await new_run(dep)
    for run in (a, b, c):
        assert (await _propose(api, run, "PENDING"))["status"] == "ACCEPT"
    assert await _in_use(api, dep) == 3

    # a worker that could not start the run hands it back
    assert (await _propose(api, a, "SCHEDULED"))["status"] == "ACCEPT"
    assert await _in_use(api, dep) == 2

    await _propose(api, b, "RUNNING")
    await _propose(api, b, "CANCELLING")
    assert await _in_use(api, dep) == 2
    done = await _propose(api, b, "CANCELLED", state_details={"transition_id": str(a)})
    assert done["status"] == "ACCEPT" and await _in_use(api, dep) == 1
    # the same request again, and a forced change of the finished run, release nothing
    await _propose(api, b, "CANCELLED", state_details={"transition_id": str(a)})
    await _propose(api, b, "FAILED", force=True)
    assert await _in_use(api, dep) == 1

    # a forced end of a holding run still gives its slot back
    await _propose(api, c, "RUNNING")
    await _propose(api, c, "CRASHED", force=True)
    assert await _in_use(api, dep) == 0


async def test_a_lease_id_sent_by_a_client_is_ignored(
    api: httpx.AsyncClient, make_deployment: Make, new_run: Callable[[Json], Awaitable[str]]
) -> None:
    dep = await make_deployment(concurrency_limit=2)
    holder, other = await new_run(dep), await new_run(dep)
    lease = (await _propose(api, holder, "PENDING"))["state"]["state_details"][
        "deployment_concurrency_lease_id"
    ]
    # forced into Running without a slot, claiming the holder's lease
    forged = await _propose(
        api,
        other,
        "RUNNING",
        force=True,
        state_details={"deployment_concurrency_lease_id": lease},
    )
    assert forged["state"]["state_details"]["deployment_concurrency_lease_id"] is None
    await _propose(api, other, "COMPLETED")
    assert await _in_use(api, dep) == 1


async def test_forced_pending_takes_no_slot(
    api: httpx.AsyncClient, make_deployment: Make, new_run: Callable[[Json], Awaitable[str]]
) -> None:
    dep = await make_deployment(concurrency_limit=1)
    run = await new_run(dep)
    forced = await _propose(api, run, "PENDING", force=True)
    assert forced["status"] == "ACCEPT"
    assert forced["state"]["state_details"]["deployment_concurrency_lease_id"] is None
    assert await _in_use(api, dep) == 0


async def test_expired_pending_lease_is_not_released_twice(
    api: httpx.AsyncClient,
    db: Database,
    make_deployment: Make,
    new_run: Callable[[Json], Awaitable[str]],
) -> None:
    dep = await make_deployment(
        concurrency_limit=2, concurrency_options={"grace_period_seconds": 60}
    )
    stuck, busy = await new_run(dep), await new_run(dep)
    await _propose(api, busy, "PENDING")
    await _propose(api, busy, "RUNNING")
    await _propose(api, stuck, "PENDING")
    assert await _in_use(api, dep) == 2

    # infrastructure that never started: the grace period passes and the slot comes back
    repossessor = Repossessor(db, loop_seconds=1)
    assert await repossessor.run_once(now=now() + timedelta(seconds=61)) == 1
    assert await _in_use(api, dep) == 1
    # the running run's lease was pushed far out, so it was kept
    assert await repossessor.run_once(now=now() + timedelta(days=30)) == 0

    # the stuck run ending later gives nothing back a second time
    await _propose(api, stuck, "CRASHED")
    assert await _in_use(api, dep) == 1
    await _propose(api, busy, "COMPLETED")
    assert await _in_use(api, dep) == 0


async def test_paused_limit_and_unlimited_deployments_do_not_gate(
    api: httpx.AsyncClient, make_deployment: Make, new_run: Callable[[Json], Awaitable[str]]
) -> None:
    free = await make_deployment("free")
    assert all(
        [(await _propose(api, await new_run(free), "PENDING"))["status"] == "ACCEPT" for _ in "ab"]
    )
    dep = await make_deployment(concurrency_limit=1)
    limit_id = dep["global_concurrency_limit"]["id"]
    assert (await api.patch(f"{V2}/{limit_id}", json={"active": False})).status_code == 204
    runs = [await new_run(dep) for _ in "ab"]
    assert [(await _propose(api, r, "PENDING"))["status"] for r in runs] == ["ACCEPT", "ACCEPT"]


async def test_run_created_pending_takes_a_slot(
    api: httpx.AsyncClient, make_deployment: Make, flow: Json
) -> None:
    dep = await make_deployment(concurrency_limit=1)
    body = {"flow_id": flow["id"], "deployment_id": dep["id"], "state": {"type": "PENDING"}}
    created = await api.post("/flow_runs/", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["state"]["state_details"]["deployment_concurrency_lease_id"]
    assert await _in_use(api, dep) == 1
    second = await api.post("/flow_runs/", json=body)
    assert second.json()["state"]["name"] == AWAITING_SLOT


async def test_concurrent_proposals_never_overfill(
    api: httpx.AsyncClient, make_deployment: Make, new_run: Callable[[Json], Awaitable[str]]
) -> None:
    dep = await make_deployment(concurrency_limit=2)
    runs = [await new_run(dep) for _ in range(6)]
    results = await asyncio.gather(*(_propose(api, run, "PENDING") for run in runs))
    assert sorted(r["status"] for r in results) == ["ACCEPT"] * 2 + ["REJECT"] * 4
    assert await _in_use(api, dep) == 2
