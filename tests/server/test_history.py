"""`POST /flow_runs/history`: counts per state per interval, computed by the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from prefect._time import now

START = datetime(2026, 1, 1, tzinfo=UTC)


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _body(**fields) -> dict:
    return {
        "history_start": _iso(START),
        "history_end": _iso(START + timedelta(hours=1)),
        "history_interval_seconds": 600,
        **fields,
    }


@pytest.fixture
def scheduled_at(make_flow_run):
    async def make(when: datetime, **fields) -> dict:
        state = {"type": "SCHEDULED", "state_details": {"scheduled_time": _iso(when)}}
        return await make_flow_run(state=state, **fields)

    return make


async def test_empty_store_gives_every_interval(api) -> None:
    response = await api.post("/flow_runs/history", json=_body())
    assert response.status_code == 200
    intervals = response.json()
    assert len(intervals) == 6
    assert all(i["states"] == [] for i in intervals)
    assert intervals[0]["interval_start"] == _iso(START)
    assert intervals[-1]["interval_end"] == _iso(START + timedelta(hours=1))
    # each interval begins where the previous one ended
    assert [i["interval_start"] for i in intervals[1:]] == [
        i["interval_end"] for i in intervals[:-1]
    ]


async def test_interval_boundaries(api, scheduled_at) -> None:
    tiny = timedelta(microseconds=1)
    await scheduled_at(START - tiny)  # before the range
    await scheduled_at(START)  # first interval, on its start
    await scheduled_at(START + timedelta(minutes=10) - tiny)  # first interval, at its end
    await scheduled_at(START + timedelta(minutes=10))  # second interval
    await scheduled_at(START + timedelta(hours=1) - tiny)  # last interval
    await scheduled_at(START + timedelta(hours=1))  # history_end is excluded
    intervals = (await api.post("/flow_runs/history", json=_body())).json()
    counts = [sum(s["count_runs"] for s in i["states"]) for i in intervals]
    assert counts == [2, 1, 0, 0, 0, 1]
    [state] = intervals[0]["states"]
    assert (state["state_type"], state["state_name"]) == ("SCHEDULED", "Scheduled")


async def test_last_interval_is_cut_at_history_end(api, scheduled_at) -> None:
    await scheduled_at(START + timedelta(minutes=25))
    await scheduled_at(START + timedelta(minutes=29))
    body = _body(history_end=_iso(START + timedelta(minutes=25)))
    intervals = (await api.post("/flow_runs/history", json=body)).json()
    assert [i["interval_end"] for i in intervals][-1] == _iso(START + timedelta(minutes=25))
    assert len(intervals) == 3
    assert all(i["states"] == [] for i in intervals)


async def test_states_and_filters(api, scheduled_at, set_state) -> None:
    late = await scheduled_at(START + timedelta(minutes=1), tags=["a"])
    ran = await scheduled_at(START + timedelta(minutes=2), tags=["a"])
    await scheduled_at(START + timedelta(minutes=3), tags=["b"])
    await set_state(ran["id"], "RUNNING", force=True)
    await set_state(ran["id"], "COMPLETED")
    before = now()

    intervals = (await api.post("/flow_runs/history", json=_body())).json()
    by_type = {s["state_type"]: s for s in intervals[0]["states"]}
    assert by_type["SCHEDULED"]["count_runs"] == 2
    assert by_type["COMPLETED"]["count_runs"] == 1
    # a run still waiting is late by at least the time since it was due
    lateness = _seconds(by_type["SCHEDULED"]["sum_estimated_lateness"])
    assert lateness >= 2 * (before - (START + timedelta(minutes=3))).total_seconds()
    # the completed run started (now) long after it was due
    assert _seconds(by_type["COMPLETED"]["sum_estimated_lateness"]) > 0

    only_a = _body(flow_runs={"tags": {"all_": ["a"]}})
    states = (await api.post("/flow_runs/history", json=only_a)).json()[0]["states"]
    assert sum(s["count_runs"] for s in states) == 2
    only_late = _body(flow_runs={"id": {"any_": [late["id"]]}})
    states = (await api.post("/flow_runs/history", json=only_late)).json()[0]["states"]
    assert [(s["state_type"], s["count_runs"]) for s in states] == [("SCHEDULED", 1)]
    no_flow = _body(flows={"name": {"any_": ["nope"]}})
    assert all(
        i["states"] == [] for i in (await api.post("/flow_runs/history", json=no_flow)).json()
    )


async def test_prefect_interval_spellings(api) -> None:
    for interval in ({"history_interval": 600}, {"history_interval": "PT10M"}):
        body = {k: v for k, v in _body().items() if k != "history_interval_seconds"}
        response = await api.post("/flow_runs/history", json={**body, **interval})
        assert response.status_code == 200, interval
        assert len(response.json()) == 6


async def test_bad_requests_are_422_with_a_reason(api) -> None:
    too_many = await api.post("/flow_runs/history", json=_body(history_interval_seconds=1))
    assert too_many.status_code == 422
    assert "3600 intervals requested; at most 500" in too_many.json()["detail"][0]["msg"]
    exactly_500 = _body(
        history_end=_iso(START + timedelta(seconds=500)), history_interval_seconds=1
    )
    assert len((await api.post("/flow_runs/history", json=exactly_500)).json()) == 500
    for body, reason in (
        (_body(history_interval_seconds=0.5), "at least 1 second"),
        (_body(history_end=_iso(START - timedelta(hours=1))), "before history_start"),
        ({"history_start": _iso(START)}, "Field required"),
        (_body(history_start="yesterday"), "datetime"),
        (_body(work_queues={"nmae": {}}), "WorkQueueFilter"),
    ):
        response = await api.post("/flow_runs/history", json=body)
        assert response.status_code == 422, body
        assert reason in str(response.json()["detail"]), response.json()


def _seconds(value: str | float) -> float:
    if isinstance(value, int | float):
        return float(value)
    from pydantic import TypeAdapter

    return TypeAdapter(timedelta).validate_python(value).total_seconds()
