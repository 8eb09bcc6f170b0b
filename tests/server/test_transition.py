"""Proposing states through the API: what is written, what is not, and the run's fields."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from prefect._time import now


def ts(value: str | None) -> datetime:
    assert value is not None
    return datetime.fromisoformat(value)


async def history(api, run_id, kind="flow_run"):  # type: ignore[no-untyped-def]
    response = await api.get(f"/{kind}_states/", params={f"{kind}_id": run_id})
    assert response.status_code == 200
    return [s["type"] for s in response.json()]


async def test_accepted_transition_updates_run_fields(api, make_flow_run, set_state) -> None:
    run = await make_flow_run()
    assert run["state_type"] == "PENDING" and run["run_count"] == 0
    assert run["expected_start_time"] == run["state"]["timestamp"]

    running = await set_state(run["id"], "RUNNING")
    assert running["status"] == "ACCEPT"
    completed = await set_state(run["id"], "COMPLETED", message="done")

    stored = (await api.get(f"/flow_runs/{run['id']}")).json()
    assert stored["state"]["id"] == completed["state"]["id"]
    assert stored["state"]["message"] == "done"
    assert stored["state_type"] == "COMPLETED" and stored["state_name"] == "Completed"
    assert stored["run_count"] == 1
    assert stored["start_time"] == running["state"]["timestamp"]
    assert stored["end_time"] == completed["state"]["timestamp"]
    spent = ts(completed["state"]["timestamp"]) - ts(running["state"]["timestamp"])
    assert timedelta(seconds=stored["total_run_time"]) == spent
    assert await history(api, run["id"]) == ["PENDING", "RUNNING", "COMPLETED"]


async def test_run_count_and_total_time_accumulate(api, make_flow_run, set_state) -> None:
    run = await make_flow_run()
    await set_state(run["id"], "RUNNING")
    await set_state(run["id"], "PAUSED")
    await set_state(run["id"], "RUNNING")
    await set_state(run["id"], "FAILED")
    stored = (await api.get(f"/flow_runs/{run['id']}")).json()
    assert stored["run_count"] == 2
    assert stored["end_time"] is not None
    # leaving a terminal state by force clears the end time
    await set_state(run["id"], "RUNNING", force=True)
    stored = (await api.get(f"/flow_runs/{run['id']}")).json()
    assert stored["end_time"] is None and stored["run_count"] == 3


async def test_rejected_proposal_writes_nothing(api, make_flow_run, set_state) -> None:
    run = await make_flow_run()
    await set_state(run["id"], "RUNNING")
    done = await set_state(run["id"], "COMPLETED")
    result = await set_state(run["id"], "RUNNING")
    assert result["status"] == "REJECT"
    assert result["details"]["reason"]
    assert result["state"]["id"] == done["state"]["id"]
    assert await history(api, run["id"]) == ["PENDING", "RUNNING", "COMPLETED"]
    stored = (await api.get(f"/flow_runs/{run['id']}")).json()
    assert stored["state_type"] == "COMPLETED" and stored["run_count"] == 1


async def test_force_leaves_terminal_state(api, make_flow_run, set_state) -> None:
    run = await make_flow_run()
    await set_state(run["id"], "FAILED")
    forced = await set_state(run["id"], "SCHEDULED", force=True)
    assert forced["status"] == "ACCEPT"
    assert await history(api, run["id"]) == ["PENDING", "FAILED", "SCHEDULED"]


async def test_duplicate_transition_id_is_idempotent(api, make_flow_run, set_state) -> None:
    run = await make_flow_run()
    tid = str(uuid.uuid4())
    first = await set_state(run["id"], "RUNNING", state_details={"transition_id": tid})
    again = await set_state(run["id"], "RUNNING", state_details={"transition_id": tid})
    assert first["status"] == again["status"] == "ACCEPT"
    assert first["state"]["id"] == again["state"]["id"]
    assert await history(api, run["id"]) == ["PENDING", "RUNNING"]
    stored = (await api.get(f"/flow_runs/{run['id']}")).json()
    assert stored["run_count"] == 1


async def test_second_pending_aborts(api, make_flow_run, set_state) -> None:
    run = await make_flow_run()
    result = await set_state(run["id"], "PENDING")
    assert result["status"] == "ABORT"
    assert "PENDING" in result["details"]["reason"]
    assert await history(api, run["id"]) == ["PENDING"]


async def test_cancelling_only_to_cancelled(api, make_flow_run, set_state) -> None:
    run = await make_flow_run()
    await set_state(run["id"], "RUNNING")
    await set_state(run["id"], "CANCELLING")
    rejected = await set_state(run["id"], "COMPLETED")
    assert rejected["status"] == "REJECT" and rejected["details"]["reason"]
    assert (await set_state(run["id"], "CANCELLED"))["status"] == "ACCEPT"


async def test_scheduled_run_is_cancelled_directly(api, make_flow_run, set_state) -> None:
    run = await make_flow_run(state={"type": "SCHEDULED"})
    result = await set_state(run["id"], "CANCELLING")
    assert result["status"] == "ACCEPT"
    assert result["state"]["type"] == "CANCELLED"
    stored = (await api.get(f"/flow_runs/{run['id']}")).json()
    assert stored["state_type"] == "CANCELLED" and stored["end_time"] is not None


async def test_scheduled_times(api, make_flow_run, set_state) -> None:
    when = now() + timedelta(hours=1)
    run = await make_flow_run(
        state={"type": "SCHEDULED", "state_details": {"scheduled_time": when.isoformat()}}
    )
    assert ts(run["expected_start_time"]) == when
    assert ts(run["next_scheduled_start_time"]) == when

    waited = await set_state(run["id"], "RUNNING")
    assert waited["status"] == "WAIT"
    assert 3500 <= waited["details"]["delay_seconds"] <= 3600
    assert waited["details"]["reason"]

    pending = await set_state(run["id"], "PENDING")
    assert pending["status"] == "ACCEPT"
    assert ts(pending["state"]["state_details"]["scheduled_time"]) == when
    # still too early after Pending: the scheduled time travelled with it
    assert (await set_state(run["id"], "RUNNING"))["status"] == "WAIT"
    assert await history(api, run["id"]) == ["SCHEDULED", "PENDING"]


async def test_task_run_set_state(api, make_flow_run, make_task_run, set_state) -> None:
    run = await make_flow_run()
    await set_state(run["id"], "RUNNING")  # tasks run only inside a running flow run
    task = await make_task_run(run["id"])
    assert task["state_type"] == "PENDING"
    await set_state(task["id"], "RUNNING", kind="task_runs")
    done = await set_state(task["id"], "COMPLETED", kind="task_runs")
    assert done["state"]["state_details"]["task_run_id"] == task["id"]
    assert done["state"]["state_details"]["flow_run_id"] == run["id"]
    rejected = await set_state(task["id"], "RUNNING", kind="task_runs")
    assert rejected["status"] == "REJECT" and rejected["details"]["reason"]
    forced = await set_state(task["id"], "RUNNING", kind="task_runs", force=True)
    assert forced["status"] == "ACCEPT"
    stored = (await api.get(f"/task_runs/{task['id']}")).json()
    assert stored["run_count"] == 2 and stored["start_time"] is not None
    assert await history(api, task["id"], "task_run") == [
        "PENDING",
        "RUNNING",
        "COMPLETED",
        "RUNNING",
    ]

    tid = str(uuid.uuid4())
    one = await set_state(
        task["id"], "FAILED", kind="task_runs", state_details={"transition_id": tid}
    )
    two = await set_state(
        task["id"], "FAILED", kind="task_runs", state_details={"transition_id": tid}
    )
    assert one["state"]["id"] == two["state"]["id"]


async def test_set_state_unknown_run_is_404(api) -> None:
    for kind in ("flow_runs", "task_runs"):
        response = await api.post(
            f"/{kind}/{uuid.uuid4()}/set_state", json={"state": {"type": "RUNNING"}}
        )
        assert response.status_code == 404
        assert "not found" in response.json()["detail"]


async def test_set_state_malformed_body_is_422(api, make_flow_run) -> None:
    run = await make_flow_run()
    response = await api.post(f"/flow_runs/{run['id']}/set_state", json={"state": {"type": "NOPE"}})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "type"
