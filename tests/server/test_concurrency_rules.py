"""Task tag concurrency rules, run through `propose_state` against the real store.

`propose_task_state` wraps `transition.propose_state` the way the set_state route is
meant to: the rules' database halves around the usual task run chain.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from prefect.schemas.actions import StateCreate
from prefect.schemas.objects import StateType
from prefect.schemas.responses import OrchestrationResult, SetStateStatus
from prefect_server.database import orm
from prefect_server.database.engine import Database
from prefect_server.orchestration.concurrency_rules import (
    TAG_SLOT_WAIT_SECONDS,
    TASK_CONCURRENCY_RULES,
    propose_task_state,
)

Json = dict[str, Any]
Propose = Callable[..., Awaitable[OrchestrationResult]]


@pytest.fixture
def propose(db: Database) -> Propose:
    async def propose_(
        task: Json, type_: str, *, force: bool = False, **state: Any
    ) -> OrchestrationResult:
        async with db.write() as session:
            run = await session.get(orm.TaskRun, uuid.UUID(task["id"]))
            assert run is not None
            create = StateCreate(type=StateType(type_), **state)
            return await propose_task_state(session, run, create, force=force)

    return propose_


@pytest.fixture
async def running_flow_run(make_flow_run, set_state) -> Json:  # type: ignore[no-untyped-def]
    run: Json = await make_flow_run()
    await set_state(run["id"], "RUNNING")
    return run


@pytest.fixture
def task(make_task_run, running_flow_run: Json) -> Callable[..., Awaitable[Json]]:  # type: ignore[no-untyped-def]
    async def make(*tags: str) -> Json:
        result: Json = await make_task_run(running_flow_run["id"], tags=list(tags))
        return result

    return make


async def _limit(api: httpx.AsyncClient, tag: str, limit: int) -> None:
    response = await api.post("/concurrency_limits/", json={"tag": tag, "concurrency_limit": limit})
    assert response.status_code == 200


async def _holders(api: httpx.AsyncClient, tag: str) -> list[str]:
    response = await api.get(f"/concurrency_limits/tag/{tag}")
    assert response.status_code == 200
    return list(response.json()["active_slots"])


async def _state_type(api: httpx.AsyncClient, task: Json) -> str | None:
    return (await api.get(f"/task_runs/{task['id']}")).json()["state_type"]  # type: ignore[no-any-return]


def test_rules_are_exported() -> None:
    assert [type(r).__name__ for r in TASK_CONCURRENCY_RULES] == [
        "SecureTaskConcurrencySlots",
        "ReleaseTaskConcurrencySlots",
    ]


async def test_full_tag_waits_until_a_holder_finishes(api, task, propose) -> None:
    await _limit(api, "db", 1)
    first, second = await task("db", "free"), await task("db")

    accepted = await propose(first, "RUNNING")
    assert accepted.status == SetStateStatus.ACCEPT
    assert await _holders(api, "db") == [first["id"]]

    waiting = await propose(second, "RUNNING")
    assert waiting.status == SetStateStatus.WAIT
    assert waiting.details.delay_seconds == TAG_SLOT_WAIT_SECONDS == 30  # type: ignore[union-attr]
    assert waiting.details.reason == "Concurrency limit for the db tag has been reached"  # type: ignore[union-attr]
    assert await _state_type(api, second) == "PENDING"

    assert (await propose(first, "COMPLETED")).status == SetStateStatus.ACCEPT
    assert await _holders(api, "db") == []
    assert (await propose(second, "RUNNING")).status == SetStateStatus.ACCEPT
    assert await _holders(api, "db") == [second["id"]]


async def test_zero_limit_aborts(api, task, propose) -> None:
    await _limit(api, "frozen", 0)
    run = await task("frozen")
    result = await propose(run, "RUNNING")
    assert result.status == SetStateStatus.ABORT
    assert 'tag "frozen" is 0' in (result.details.reason or "")  # type: ignore[union-attr]
    assert await _state_type(api, run) == "PENDING"


async def test_every_tag_needs_a_slot(api, task, propose) -> None:
    await _limit(api, "a", 2)
    await _limit(api, "b", 1)
    holder, blocked = await task("b"), await task("a", "b")
    assert (await propose(holder, "RUNNING")).status == SetStateStatus.ACCEPT
    assert (await propose(blocked, "RUNNING")).status == SetStateStatus.WAIT
    # the free tag was not taken for a run that does not start
    assert await _holders(api, "a") == []


async def test_slots_kept_while_cancelling_freed_when_cancelled(api, task, propose) -> None:
    await _limit(api, "db", 1)
    run = await task("db")
    await propose(run, "RUNNING")
    assert (await propose(run, "CANCELLING")).status == SetStateStatus.ACCEPT
    assert await _holders(api, "db") == [run["id"]]
    assert (await propose(run, "CANCELLED")).status == SetStateStatus.ACCEPT
    assert await _holders(api, "db") == []


async def test_forced_running_takes_no_slot_and_forced_exit_frees(api, task, propose) -> None:
    await _limit(api, "db", 1)
    holder, forced = await task("db"), await task("db")
    await propose(holder, "RUNNING")
    assert (await propose(forced, "RUNNING", force=True)).status == SetStateStatus.ACCEPT
    assert await _holders(api, "db") == [holder["id"]]
    assert (await propose(holder, "FAILED", force=True)).status == SetStateStatus.ACCEPT
    assert await _holders(api, "db") == []


async def test_replayed_transition_changes_no_slots(api, task, propose) -> None:
    await _limit(api, "db", 2)
    run = await task("db")
    tid = str(uuid.uuid4())
    first = await propose(run, "RUNNING", state_details={"transition_id": tid})
    again = await propose(run, "RUNNING", state_details={"transition_id": tid})
    assert again.status == SetStateStatus.ACCEPT and again.state == first.state
    assert await _holders(api, "db") == [run["id"]]
    done = str(uuid.uuid4())
    await propose(run, "COMPLETED", state_details={"transition_id": done})
    assert await _holders(api, "db") == []
    # a late replay of Running after the run finished must not take the slot back
    late = await propose(run, "RUNNING", state_details={"transition_id": tid})
    assert late.status != SetStateStatus.ACCEPT
    assert await _holders(api, "db") == []


async def test_other_rules_decide_first_and_take_no_slot(
    api, make_flow_run, make_task_run, propose
) -> None:  # type: ignore[no-untyped-def]
    await _limit(api, "db", 1)
    pending_flow = await make_flow_run()
    run = await make_task_run(pending_flow["id"], tags=["db"], state={"type": "PENDING"})
    # the flow run is not Running: the usual task rules refuse before the slot is looked at
    result = await propose(run, "RUNNING")
    assert result.status != SetStateStatus.ACCEPT
    assert "tag" not in (result.details.reason or "")  # type: ignore[union-attr]
    assert await _holders(api, "db") == []


async def test_untagged_and_unlimited_runs_are_not_limited(api, task, propose) -> None:
    await _limit(api, "db", 0)
    for run in (await task(), await task("other")):
        assert (await propose(run, "RUNNING")).status == SetStateStatus.ACCEPT
