"""`propose_state(new_run=True)`: a new run inserted with its first state by statements of
its own, which must store what adding the run to the session and flushing stored."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from prefect.schemas.actions import StateCreate
from prefect.schemas.objects import State, StateType
from prefect.schemas.responses import SetStateStatus
from prefect_server.database import orm
from prefect_server.database.engine import Database
from prefect_server.database.types import JSONType
from prefect_server.orchestration.rules import Decision, Proposal
from prefect_server.orchestration.transition import propose_state
from sqlalchemy.orm.attributes import set_committed_value

Json = dict[str, Any]
# what differs between two runs made alike: their ids, names and clocks
_VARYING = {"id", "name", "created", "updated", "state_id", "expected_start_time", "state"}


def _new_run(flow_id: str, **fields: Any) -> orm.FlowRun:
    run = orm.FlowRun(
        id=uuid.uuid4(),
        flow_id=uuid.UUID(flow_id),
        name=f"r-{uuid.uuid4().hex[:8]}",
        run_count=0,
        total_run_time=timedelta(0),
        **fields,
    )
    set_committed_value(run, "state", None)
    return run


async def _stored(api: httpx.AsyncClient, run_id: uuid.UUID) -> Json:
    response = await api.get(f"/flow_runs/{run_id}")
    assert response.status_code == 200, response.text
    found: Json = response.json()
    return found


async def _states(api: httpx.AsyncClient, run_id: uuid.UUID) -> list[str]:
    response = await api.get("/flow_run_states/", params={"flow_run_id": str(run_id)})
    return [s["type"] for s in response.json()]


async def test_inserted_run_matches_a_flushed_one(
    api: httpx.AsyncClient, db: Database, flow: Json
) -> None:
    fields = {"tags": ["a"], "parameters": {"x": 1}, "flow_version": "1"}
    flushed, inserted = _new_run(flow["id"], **fields), _new_run(flow["id"], **fields)
    async with db.write() as session:
        session.add(flushed)
        await propose_state(session, flushed, StateCreate(type=StateType.SCHEDULED))
        result = await propose_state(
            session, inserted, StateCreate(type=StateType.SCHEDULED), new_run=True
        )
    assert result.status == SetStateStatus.ACCEPT and result.state is not None
    one, other = await _stored(api, flushed.id), await _stored(api, inserted.id)
    assert {k: v for k, v in one.items() if k not in _VARYING} == {
        k: v for k, v in other.items() if k not in _VARYING
    }
    assert other["state"]["id"] == other["state_id"] == str(result.state.id)
    assert other["name"] == inserted.name and other["created"] is not None
    assert await _states(api, inserted.id) == ["SCHEDULED"]
    assert await _raw_rows(db, flushed.id) == await _raw_rows(db, inserted.id)
    body = {"filter": {"resource": {"id": [f"prefect.flow-run.{inserted.id}"]}}}
    events = (await api.post("/events/filter", json=body)).json()["events"]
    assert [e["event"] for e in events] == ["prefect.flow-run.Scheduled"]
    assert events[0]["id"] == str(result.state.id)


async def _raw_rows(db: Database, run_id: uuid.UUID) -> list[dict[str, Any]]:
    """The run's row and its state's as stored (JSON as text, so that a JSON null and
    NULL differ), less what differs between two runs made alike."""
    rows = []
    for table, key in ((orm.FlowRun.__table__, "id"), (orm.FlowRunState.__table__, "flow_run_id")):
        columns = [
            sa.cast(c, sa.Text).label(c.key) if isinstance(c.type, JSONType) else c for c in table.c
        ]
        async with db.read() as session:
            found = (await session.execute(sa.select(*columns).where(table.c[key] == run_id))).one()
        row = dict(found._mapping)
        for varying in ("id", "name", "created", "updated", "timestamp", "flow_run_id"):
            row.pop(varying, None)
        for varying in ("state_id", "expected_start_time", "state_details"):
            if varying in row:
                row[varying] = row[varying] is None
        rows.append(row)
    return rows


def _refuse(proposal: Proposal) -> Decision:
    return Decision(status=SetStateStatus.ABORT, reason="not now")


async def test_refused_first_state_still_stores_the_run(
    api: httpx.AsyncClient, db: Database, flow: Json
) -> None:
    run = _new_run(flow["id"])
    async with db.write() as session:
        result = await propose_state(
            session, run, StateCreate(type=StateType.RUNNING), policy=[_refuse], new_run=True
        )
    assert result.status == SetStateStatus.ABORT
    stored = await _stored(api, run.id)
    assert stored["state"] is None and stored["state_type"] is None
    assert await _states(api, run.id) == []


def _elsewhere(proposal: Proposal) -> Decision:
    return Decision(
        status=SetStateStatus.REJECT,
        reason="waits",
        state=State(type=StateType.SCHEDULED, name="AwaitingRetry"),
    )


async def test_first_state_moved_elsewhere_is_the_one_stored(
    api: httpx.AsyncClient, db: Database, flow: Json
) -> None:
    run = _new_run(flow["id"])
    async with db.write() as session:
        result = await propose_state(
            session, run, StateCreate(type=StateType.RUNNING), policy=[_elsewhere], new_run=True
        )
    assert result.status == SetStateStatus.REJECT and result.state is not None
    stored = await _stored(api, run.id)
    assert stored["state_name"] == "AwaitingRetry" and stored["state_id"] == str(result.state.id)
    assert await _states(api, run.id) == ["SCHEDULED"]
