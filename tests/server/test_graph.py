"""`GET /flow_runs/{id}/graph`: task runs with their upstream task runs (Prefect's v1 shape)."""

from __future__ import annotations

import uuid


def _ref(task: dict) -> dict:
    return {"input_type": "task_run", "id": task["id"]}


async def test_upstream_links_from_task_inputs(api, make_flow_run, make_task_run, set_state):
    run = await make_flow_run()
    await set_state(run["id"], "RUNNING")  # tasks run only inside a running flow run
    other_run = await make_flow_run()
    extract = await make_task_run(run["id"], name="extract")
    clean = await make_task_run(run["id"], name="clean")
    load = await make_task_run(
        run["id"],
        name="load",
        task_inputs={
            "rows": [_ref(extract), _ref(clean)],
            "also": [_ref(extract)],  # the same upstream twice is one link
            "n": [{"input_type": "parameter", "name": "n"}],
            "c": [{"input_type": "constant", "type": "int"}],
        },
    )
    await make_task_run(other_run["id"], name="elsewhere")
    await set_state(extract["id"], "RUNNING", kind="task_runs")
    await set_state(extract["id"], "COMPLETED", kind="task_runs")

    response = await api.get(f"/flow_runs/{run['id']}/graph")
    assert response.status_code == 200
    nodes = {node["name"]: node for node in response.json()}
    assert set(nodes) == {"extract", "clean", "load"}
    assert nodes["load"]["id"] == load["id"]
    assert {u["id"] for u in nodes["load"]["upstream_dependencies"]} == {extract["id"], clean["id"]}
    assert len(nodes["load"]["upstream_dependencies"]) == 2
    assert all(u["input_type"] == "task_run" for u in nodes["load"]["upstream_dependencies"])
    assert nodes["extract"]["upstream_dependencies"] == []
    assert nodes["extract"]["state"]["type"] == "COMPLETED"
    assert nodes["extract"]["start_time"] and nodes["extract"]["end_time"]
    assert nodes["clean"]["state"]["type"] == "PENDING" and nodes["clean"]["start_time"] is None
    assert set(nodes["load"]) >= {
        "expected_start_time",
        "total_run_time",
        "estimated_run_time",
        "untrackable_result",
    }


async def test_run_without_tasks_and_unknown_run(api, make_flow_run) -> None:
    run = await make_flow_run()
    assert (await api.get(f"/flow_runs/{run['id']}/graph")).json() == []
    missing = await api.get(f"/flow_runs/{uuid.uuid4()}/graph")
    assert missing.status_code == 404 and missing.json()["detail"] == "Flow run not found"
    assert (await api.get("/flow_runs/nope/graph")).status_code == 422
