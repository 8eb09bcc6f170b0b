"""The orchestration rules of Prefect 3, each accepted and refused through the API.

Every refusal says why in `details.reason`. Runs on SQLite and PostgreSQL (`api`).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from prefect._time import now

Json = dict[str, Any]


def ts(value: str | None) -> datetime:
    assert value is not None
    return datetime.fromisoformat(value)


async def read(api, run_id: str, kind: str = "flow_runs") -> Json:  # type: ignore[no-untyped-def]
    response = await api.get(f"/{kind}/{run_id}")
    assert response.status_code == 200
    result: Json = response.json()
    return result


def refused(result: Json, status: str) -> None:
    assert result["status"] == status, result
    assert result["details"]["reason"], result


async def running_run(make_flow_run, set_state, **fields: Any) -> Json:  # type: ignore[no-untyped-def]
    run: Json = await make_flow_run(**fields)
    assert (await set_state(run["id"], "RUNNING"))["status"] == "ACCEPT"
    return run


# -- flow retries --------------------------------------------------------------------------


async def test_failed_flow_with_retries_left_awaits_retry(api, make_flow_run, set_state) -> None:
    run = await running_run(
        make_flow_run, set_state, empirical_policy={"retries": 1, "retry_delay": 30}
    )
    before = now()
    result = await set_state(run["id"], "FAILED", message="boom")
    refused(result, "REJECT")
    state = result["state"]
    assert state["type"] == "SCHEDULED" and state["name"] == "AwaitingRetry"
    assert state["message"] == "boom"
    due = ts(state["state_details"]["scheduled_time"])
    assert before + timedelta(seconds=29) <= due <= now() + timedelta(seconds=31)
    stored = await read(api, run["id"])
    assert stored["state"]["id"] == state["id"] and stored["run_count"] == 1
    assert stored["empirical_policy"]["retry_type"] == "in_process"
    # too early: the retry waits for its time
    waited = await set_state(run["id"], "RUNNING")
    assert waited["status"] == "WAIT" and waited["details"]["delay_seconds"] >= 28


async def test_retry_attempt_is_named_retrying_and_last_failure_sticks(
    api, make_flow_run, set_state
) -> None:
    run = await running_run(
        make_flow_run, set_state, empirical_policy={"retries": 1, "retry_delay": 0}
    )
    assert (await set_state(run["id"], "FAILED"))["state"]["name"] == "AwaitingRetry"
    retrying = await set_state(run["id"], "RUNNING")
    assert retrying["status"] == "ACCEPT" and retrying["state"]["name"] == "Retrying"
    assert (await read(api, run["id"]))["run_count"] == 2
    # no retries left: Failed is accepted
    final = await set_state(run["id"], "FAILED")
    assert final["status"] == "ACCEPT" and final["state"]["type"] == "FAILED"
    stored = await read(api, run["id"])
    assert stored["state_type"] == "FAILED" and stored["run_count"] == 2
    assert stored["empirical_policy"]["retry_type"] is None


async def test_failed_flow_without_retries_fails(make_flow_run, set_state) -> None:
    run = await running_run(make_flow_run, set_state)
    assert (await set_state(run["id"], "FAILED"))["status"] == "ACCEPT"


# -- tasks and their flow run --------------------------------------------------------------


async def test_task_cannot_run_while_its_flow_run_is_not_running(
    api, make_flow_run, make_task_run, set_state
) -> None:
    run = await make_flow_run()
    task = await make_task_run(run["id"])
    result = await set_state(task["id"], "RUNNING", kind="task_runs")
    refused(result, "ABORT")
    assert "PENDING" in result["details"]["reason"]
    assert (await read(api, task["id"], "task_runs"))["state_type"] == "PENDING"

    await set_state(run["id"], "RUNNING")
    accepted = await set_state(task["id"], "RUNNING", kind="task_runs")
    assert accepted["status"] == "ACCEPT"
    stored = await read(api, task["id"], "task_runs")
    assert stored["state_type"] == "RUNNING" and stored["flow_run_run_count"] == 1


async def test_task_of_a_paused_flow_run_is_not_ready(
    make_flow_run, make_task_run, set_state
) -> None:
    run = await running_run(make_flow_run, set_state)
    timeout = (now() + timedelta(minutes=5)).isoformat()
    await set_state(run["id"], "PAUSED", state_details={"pause_timeout": timeout})
    task = await make_task_run(run["id"])
    result = await set_state(task["id"], "RUNNING", kind="task_runs")
    refused(result, "REJECT")
    assert result["state"]["type"] == "PAUSED" and result["state"]["name"] == "NotReady"
    assert ts(result["state"]["state_details"]["pause_timeout"]) == ts(timeout)


async def test_flow_retry_lets_finished_tasks_run_again(
    api, make_flow_run, make_task_run, set_state
) -> None:
    run = await running_run(
        make_flow_run, set_state, empirical_policy={"retries": 1, "retry_delay": 0}
    )
    task = await make_task_run(run["id"])
    await set_state(task["id"], "RUNNING", kind="task_runs")
    await set_state(task["id"], "FAILED", kind="task_runs")
    # same flow attempt: the failed task stays failed
    refused(await set_state(task["id"], "RUNNING", kind="task_runs"), "REJECT")

    await set_state(run["id"], "FAILED")  # -> AwaitingRetry
    await set_state(run["id"], "RUNNING")  # -> Retrying, attempt 2
    again = await set_state(task["id"], "RUNNING", kind="task_runs")
    assert again["status"] == "ACCEPT" and again["state"]["name"] == "Retrying"
    stored = await read(api, task["id"], "task_runs")
    # the task's own retries start afresh in the new flow attempt
    assert stored["run_count"] == 1 and stored["flow_run_run_count"] == 2
    # still nothing may crash or pause a finished task
    await set_state(task["id"], "COMPLETED", kind="task_runs")
    refused(await set_state(task["id"], "CRASHED", kind="task_runs"), "ABORT")


# -- pausing and resuming ------------------------------------------------------------------


async def test_only_running_flow_runs_pause(api, make_flow_run, set_state) -> None:
    run = await make_flow_run()
    refused(await set_state(run["id"], "PAUSED"), "REJECT")
    await set_state(run["id"], "RUNNING")
    paused = await set_state(run["id"], "PAUSED", state_details={"pause_key": "approve"})
    assert paused["status"] == "ACCEPT"
    assert (await read(api, run["id"]))["empirical_policy"]["pause_keys"] == ["approve"]
    await set_state(run["id"], "RUNNING")
    # the same pause does not fire twice in a run
    again = await set_state(run["id"], "PAUSED", state_details={"pause_key": "approve"})
    refused(again, "REJECT")
    assert "approve" in again["details"]["reason"]


async def test_suspending_needs_a_deployment_and_a_top_level_run(make_flow_run, set_state) -> None:
    suspend = {"pause_reschedule": True}
    plain = await running_run(make_flow_run, set_state)
    result = await set_state(plain["id"], "PAUSED", name="Suspended", state_details=suspend)
    refused(result, "ABORT")
    assert "deployment" in result["details"]["reason"]

    child = await running_run(
        make_flow_run,
        set_state,
        deployment_id=str(uuid.uuid4()),
        parent_task_run_id=str(uuid.uuid4()),
    )
    refused(await set_state(child["id"], "PAUSED", state_details=suspend), "ABORT")

    deployed = await running_run(make_flow_run, set_state, deployment_id=str(uuid.uuid4()))
    result = await set_state(deployed["id"], "PAUSED", name="Suspended", state_details=suspend)
    assert result["status"] == "ACCEPT"


async def test_leaving_a_pause(make_flow_run, set_state) -> None:
    run = await running_run(make_flow_run, set_state)
    await set_state(run["id"], "PAUSED")
    refused(await set_state(run["id"], "PENDING"), "REJECT")
    assert (await set_state(run["id"], "RUNNING"))["status"] == "ACCEPT"


async def test_an_expired_pause_cannot_resume(api, make_flow_run, set_state) -> None:
    run = await running_run(make_flow_run, set_state)
    expired = (now() - timedelta(seconds=1)).isoformat()
    await set_state(run["id"], "PAUSED", state_details={"pause_timeout": expired})
    result = await set_state(run["id"], "RUNNING")
    refused(result, "REJECT")
    assert result["state"]["type"] == "FAILED"
    assert (await read(api, run["id"]))["state_type"] == "FAILED"


async def test_suspended_run_without_deployment_cannot_be_rescheduled(
    make_flow_run, set_state
) -> None:
    run = await running_run(make_flow_run, set_state)
    # forced in (the rules refuse suspending without a deployment), then left
    await set_state(
        run["id"], "PAUSED", force=True, name="Suspended", state_details={"pause_reschedule": True}
    )
    refused(await set_state(run["id"], "SCHEDULED"), "REJECT")


# -- Late ----------------------------------------------------------------------------------


async def test_only_scheduled_runs_become_late(make_flow_run, set_state) -> None:
    running = await running_run(make_flow_run, set_state)
    refused(await set_state(running["id"], "SCHEDULED", name="Late"), "REJECT")
    scheduled = await make_flow_run(state={"type": "SCHEDULED"})
    late = await set_state(scheduled["id"], "SCHEDULED", name="Late")
    assert late["status"] == "ACCEPT" and late["state"]["name"] == "Late"


# -- cancelling ----------------------------------------------------------------------------


async def test_cancelling_what_nothing_holds_cancels_at_once(make_flow_run, set_state) -> None:
    suspended = await running_run(make_flow_run, set_state, deployment_id=str(uuid.uuid4()))
    await set_state(
        suspended["id"], "PAUSED", name="Suspended", state_details={"pause_reschedule": True}
    )
    result = await set_state(suspended["id"], "CANCELLING")
    assert result["status"] == "ACCEPT" and result["state"]["type"] == "CANCELLED"

    resuming = await make_flow_run(state={"type": "SCHEDULED", "name": "Resuming"})
    result = await set_state(resuming["id"], "CANCELLING")
    assert result["state"]["type"] == "CANCELLED"


async def test_cancelling_what_a_process_holds_waits_for_it(api, make_flow_run, set_state) -> None:
    paused = await running_run(make_flow_run, set_state)
    await set_state(paused["id"], "PAUSED")
    result = await set_state(paused["id"], "CANCELLING")
    assert result["status"] == "ACCEPT" and result["state"]["type"] == "CANCELLING"

    # a retry waiting in a process that still runs (it reported its pid)
    held = await make_flow_run(state={"type": "SCHEDULED", "name": "AwaitingRetry"})
    patch = await api.patch(f"/flow_runs/{held['id']}", json={"infrastructure_pid": "4242"})
    assert patch.status_code == 204
    result = await set_state(held["id"], "CANCELLING")
    assert result["state"]["type"] == "CANCELLING"


async def test_cancelling_ends_only_as_cancelled_unless_forced(make_flow_run, set_state) -> None:
    run = await running_run(make_flow_run, set_state)
    await set_state(run["id"], "CANCELLING")
    refused(await set_state(run["id"], "FAILED"), "REJECT")
    assert (await set_state(run["id"], "FAILED", force=True))["status"] == "ACCEPT"


# -- Pending -------------------------------------------------------------------------------


async def test_named_pending_steps_keep_the_scheduled_time(make_flow_run, set_state) -> None:
    when = (now() + timedelta(hours=1)).isoformat()
    run = await make_flow_run(
        state={"type": "SCHEDULED", "state_details": {"scheduled_time": when}}
    )
    pending = await set_state(run["id"], "PENDING")
    assert ts(pending["state"]["state_details"]["scheduled_time"]) == ts(when)
    step = await set_state(run["id"], "PENDING", name="Submitting")
    assert step["status"] == "ACCEPT"
    assert ts(step["state"]["state_details"]["scheduled_time"]) == ts(when)
    refused(await set_state(run["id"], "PENDING"), "ABORT")
    refused(await set_state(run["id"], "PENDING", name="Submitting"), "ABORT")


async def test_a_pending_state_may_name_its_own_scheduled_time(make_flow_run, set_state) -> None:
    first = now() + timedelta(hours=1)
    second = now() + timedelta(hours=2)
    run = await make_flow_run(
        state={"type": "SCHEDULED", "state_details": {"scheduled_time": first.isoformat()}}
    )
    pending = await set_state(
        run["id"], "PENDING", state_details={"scheduled_time": second.isoformat()}
    )
    assert ts(pending["state"]["state_details"]["scheduled_time"]) == second


# -- terminal states -----------------------------------------------------------------------


async def test_terminal_flow_runs(api, make_flow_run, set_state) -> None:
    run = await running_run(make_flow_run, set_state)
    await set_state(run["id"], "FAILED")
    refused(await set_state(run["id"], "RUNNING"), "REJECT")
    for target in ("CANCELLING", "PAUSED", "CRASHED"):
        refused(await set_state(run["id"], target), "ABORT")
    assert (await read(api, run["id"]))["state_type"] == "FAILED"

    deployed = await running_run(make_flow_run, set_state, deployment_id=str(uuid.uuid4()))
    await set_state(deployed["id"], "PAUSED", state_details={"pause_key": "k"})
    await set_state(deployed["id"], "RUNNING")
    await set_state(deployed["id"], "FAILED")
    again = await set_state(deployed["id"], "SCHEDULED")
    assert again["status"] == "ACCEPT"
    policy = (await read(api, deployed["id"]))["empirical_policy"]
    # a rescheduled run pauses afresh
    assert policy["pause_keys"] == [] and policy["retry_type"] == "reschedule"


async def test_completed_with_a_persisted_result_is_not_rerun(make_flow_run, set_state) -> None:
    run = await running_run(make_flow_run, set_state, deployment_id=str(uuid.uuid4()))
    record = {"storage_key": "/results/abc", "serializer": {"type": "pickle"}}
    await set_state(run["id"], "COMPLETED", data=record)
    result = await set_state(run["id"], "SCHEDULED")
    refused(result, "REJECT")
    assert "persisted" in result["details"]["reason"]


async def test_a_run_created_in_a_state_keeps_it(api, make_flow_run) -> None:
    # creation is not a transition: the rules about where a state may come from stay out
    late = await make_flow_run(state={"type": "SCHEDULED", "name": "Late"})
    assert late["state_name"] == "Late"
    paused = await make_flow_run(state={"type": "PAUSED"})
    assert paused["state_type"] == "PAUSED"
