from __future__ import annotations

import uuid


async def test_flow_run_states_oldest_first(api, make_flow_run, set_state) -> None:
    run = await make_flow_run()
    await set_state(run["id"], "RUNNING")
    await set_state(run["id"], "COMPLETED")
    states = (await api.get("/flow_run_states/", params={"flow_run_id": run["id"]})).json()
    assert [s["type"] for s in states] == ["PENDING", "RUNNING", "COMPLETED"]
    assert [s["timestamp"] for s in states] == sorted(s["timestamp"] for s in states)
    one = await api.get(f"/flow_run_states/{states[1]['id']}")
    assert one.status_code == 200 and one.json()["type"] == "RUNNING"


async def test_task_run_states(api, make_flow_run, make_task_run, set_state) -> None:
    run = await make_flow_run()
    await set_state(run["id"], "RUNNING")  # tasks run only inside a running flow run
    task = await make_task_run(run["id"])
    await set_state(task["id"], "RUNNING", kind="task_runs")
    states = (await api.get("/task_run_states/", params={"task_run_id": task["id"]})).json()
    assert [s["type"] for s in states] == ["PENDING", "RUNNING"]
    assert (await api.get(f"/task_run_states/{states[0]['id']}")).json()["type"] == "PENDING"


async def test_unknown_and_missing(api) -> None:
    assert (await api.get(f"/flow_run_states/{uuid.uuid4()}")).status_code == 404
    assert (await api.get(f"/task_run_states/{uuid.uuid4()}")).status_code == 404
    assert (
        await api.get("/flow_run_states/", params={"flow_run_id": str(uuid.uuid4())})
    ).json() == []
    assert (await api.get("/flow_run_states/")).status_code == 422
