"""The report route's rows: SQLite's driver-level encoding, and the lean report shape."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from prefect._time import now
from prefect_server.database import orm
from prefect_server.database.engine import _json_dumps
from prefect_server.models.task_run_reports import SqliteRows, sqlite_encoder
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite

SAMPLES: dict[str, list[Any]] = {
    "Timestamp": [
        None,
        datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),  # no microseconds
        datetime(2026, 1, 2, 23, 30, tzinfo=timezone(timedelta(hours=-2))),
        datetime(2026, 1, 2, 3, 4, 5, 123456),  # naive: taken as UTC
    ],
    "Uuid": [None, uuid.uuid4()],
    "JSONType": [None, {}, [], {"a": [1, "é", None]}, ["x"]],
    "Seconds": [None, timedelta(0), timedelta(seconds=1.5), 2.25],
    "String": [None, "x"],
    "Text": [None, "a long message"],
    "Integer": [None, 3],
}


@pytest.mark.parametrize("model", [orm.TaskRun, orm.TaskRunState])
def test_encoding_matches_the_column_types(model: type[orm.Base]) -> None:
    """What the driver gets from us is what SQLAlchemy's bind processing gives it."""
    dialect = SQLiteDialect_aiosqlite(json_serializer=_json_dumps)
    table: sa.Table = model.__table__  # type: ignore[assignment]
    for column in table.columns:
        ours = sqlite_encoder(column)
        theirs = column.type._cached_bind_processor(dialect)
        kind = type(column.type).__name__
        for value in SAMPLES[kind]:
            expected = theirs(value) if theirs is not None else value
            got = ours(value) if ours is not None else value
            assert got == expected, (column.key, value)


def test_missing_columns_get_their_defaults() -> None:
    rows = SqliteRows(orm.TaskRunState.__table__)  # type: ignore[arg-type]
    state_id, run_id = uuid.uuid4(), uuid.uuid4()
    sql, [row] = rows.insert([{"id": state_id, "task_run_id": run_id, "type": "PENDING"}])
    columns = sql.split("(", 1)[1].split(")", 1)[0].replace('"', "").split(", ")
    assert sorted(columns) == sorted(rows.columns)
    values = dict(zip(columns, row, strict=True))
    assert values["id"] == state_id.hex and values["task_run_id"] == run_id.hex
    assert values["created"] == values["updated"] and values["created"] is not None
    assert values["state_details"] == "{}"  # the column's default (dict)
    # no default: SQL NULL, as a Core INSERT leaving the column out would store
    assert values["data"] is None and values["name"] is None and values["message"] is None


def _state(type_: str, at: datetime, run_id: str, flow_run_id: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": type_,
        "name": type_.title(),
        "timestamp": at.isoformat(),
        "state_details": {"flow_run_id": flow_run_id, "task_run_id": run_id},
    }


async def test_run_reported_without_its_state_object(api: Any, make_flow_run: Any) -> None:
    """The engine sends a run's current state once, as the last of `states`; the run
    names it by state_id/state_type/state_name."""
    flow_run = await make_flow_run()
    run_id = str(uuid.uuid4())
    t0 = now()
    states = [
        _state(kind, t0 + timedelta(milliseconds=i), run_id, flow_run["id"])
        for i, kind in enumerate(["PENDING", "RUNNING", "COMPLETED"])
    ]
    run = {
        "id": run_id,
        "flow_run_id": flow_run["id"],
        "task_key": "mod.t",
        "dynamic_key": "0",
        "name": "t-0",
        "state_id": states[-1]["id"],
        "state_type": "COMPLETED",
        "state_name": "Completed",
        "run_count": 1,
        "start_time": states[1]["timestamp"],
        "end_time": states[2]["timestamp"],
        "total_run_time": 0.002,
        "task_inputs": {"x": [{"input_type": "constant", "type": "int"}]},
        "tags": ["t1"],
    }
    response = await api.post("/task_runs/report", json=[{"task_run": run, "states": states}])
    assert response.json() == {"task_runs": 1, "states": 3}
    stored = (await api.get(f"/task_runs/{run_id}")).json()
    assert stored["state"]["id"] == states[-1]["id"]
    assert stored["state_type"] == "COMPLETED" and stored["state_name"] == "Completed"
    assert stored["task_inputs"] == {"x": [{"input_type": "constant", "type": "int"}]}
    assert stored["tags"] == ["t1"] and stored["total_run_time"] == 0.002
    assert datetime.fromisoformat(stored["end_time"]) == datetime.fromisoformat(
        states[2]["timestamp"]
    )
    assert stored["created"] is not None and stored["updated"] is not None
    history = (await api.get("/task_run_states/", params={"task_run_id": run_id})).json()
    assert [s["id"] for s in history] == [s["id"] for s in states]
    assert [datetime.fromisoformat(s["timestamp"]) for s in history] == [
        datetime.fromisoformat(s["timestamp"]) for s in states
    ]
    # the same run again, now Failed, with a retry: an update, one state added
    failed = _state("FAILED", t0 + timedelta(milliseconds=5), run_id, flow_run["id"])
    run |= {"state_id": failed["id"], "state_type": "FAILED", "state_name": "Failed"}
    run |= {"run_count": 2}
    response = await api.post("/task_runs/report", json=[{"task_run": run, "states": [failed]}])
    assert response.json() == {"task_runs": 1, "states": 1}
    stored = (await api.get(f"/task_runs/{run_id}")).json()
    assert stored["state"]["type"] == "FAILED" and stored["run_count"] == 2
    # the state events: one per state, in order
    events = (
        await api.post(
            "/events/filter",
            json={"filter": {"resource": {"id": [f"prefect.task-run.{run_id}"]}}, "limit": 10},
        )
    ).json()["events"]
    assert sorted(e["event"] for e in events) == sorted(
        f"prefect.task-run.{kind}" for kind in ("Pending", "Running", "Completed", "Failed")
    )
