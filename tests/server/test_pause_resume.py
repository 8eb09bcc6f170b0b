"""POST /flow_runs/{id}/resume and the /flow_runs/{id}/input routes, on both backends."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from prefect._time import now

Json = dict[str, Any]

KEYSET = {"description": "p-description", "response": "p-response", "schema": "p-schema"}
SCHEMA = {
    "type": "object",
    "properties": {"approved": {"type": "boolean"}, "note": {"type": "string"}},
    "required": ["approved"],
}


async def paused_run(make_flow_run, set_state, **details: Any) -> Json:  # type: ignore[no-untyped-def]
    run: Json = await make_flow_run(deployment_id=str(uuid.uuid4()))
    await set_state(run["id"], "RUNNING")
    name = "Suspended" if details.get("pause_reschedule") else "Paused"
    result = await set_state(run["id"], "PAUSED", name=name, state_details=details)
    assert result["status"] == "ACCEPT", result
    return run


async def resume(api, run_id: str, body: Json | None = None) -> tuple[int, Json]:  # type: ignore[no-untyped-def]
    response = await api.post(f"/flow_runs/{run_id}/resume", json=body or {})
    return response.status_code, response.json()


async def run_of(api, run_id: str) -> Json:  # type: ignore[no-untyped-def]
    result: Json = (await api.get(f"/flow_runs/{run_id}")).json()
    return result


async def test_resume_a_paused_run(api, make_flow_run, set_state) -> None:
    run = await paused_run(make_flow_run, set_state)
    code, result = await resume(api, run["id"])
    assert code == 201 and result["status"] == "ACCEPT"
    assert result["state"]["type"] == "RUNNING"
    stored = await run_of(api, run["id"])
    assert stored["state_type"] == "RUNNING" and stored["empirical_policy"]["resuming"] is True


async def test_resume_a_suspended_run_reschedules_it(api, make_flow_run, set_state) -> None:
    run = await paused_run(make_flow_run, set_state, pause_reschedule=True)
    before = now()
    code, result = await resume(api, run["id"])
    assert code == 201 and result["status"] == "ACCEPT"
    state = result["state"]
    assert state["type"] == "SCHEDULED" and state["name"] == "Resuming"
    assert datetime.fromisoformat(state["state_details"]["scheduled_time"]) >= before


async def test_resume_a_run_that_is_not_paused(api, make_flow_run, set_state) -> None:
    run = await make_flow_run()
    await set_state(run["id"], "RUNNING")
    code, result = await resume(api, run["id"])
    assert code == 200 and result["status"] == "ABORT"
    assert "PAUSED" in result["details"]["reason"] and "RUNNING" in result["details"]["reason"]
    assert (await run_of(api, run["id"]))["state_type"] == "RUNNING"


async def test_resume_an_expired_pause_fails_the_run(api, make_flow_run, set_state) -> None:
    expired = (now() - timedelta(seconds=5)).isoformat()
    run = await paused_run(make_flow_run, set_state, pause_timeout=expired)
    code, result = await resume(api, run["id"])
    assert code == 200 and result["status"] == "REJECT" and result["details"]["reason"]
    assert result["state"]["type"] == "FAILED"
    assert (await run_of(api, run["id"]))["state_type"] == "FAILED"


async def test_resume_bad_requests(api, make_flow_run, set_state) -> None:
    code, result = await resume(api, str(uuid.uuid4()))
    assert code == 404 and result["detail"] == "Flow run not found"
    run = await paused_run(make_flow_run, set_state)
    code, result = await resume(api, run["id"], {"run_input": [1, 2]})
    assert code == 422 and result["detail"][0]["loc"][-1] == "run_input"
    code, result = await resume(api, run["id"], {"input": {}})
    assert code == 422
    assert (await run_of(api, run["id"]))["state_type"] == "PAUSED"


async def _publish_schema(api, run_id: str) -> None:  # type: ignore[no-untyped-def]
    body = {"key": KEYSET["schema"], "value": json.dumps(SCHEMA)}
    response = await api.post(f"/flow_runs/{run_id}/input", json=body)
    assert response.status_code == 201, response.text


async def test_resume_with_input_validates_and_stores_it(api, make_flow_run, set_state) -> None:
    run = await paused_run(make_flow_run, set_state, run_input_keyset=KEYSET)
    await _publish_schema(api, run["id"])

    code, result = await resume(api, run["id"], {"run_input": {"approved": "yes"}})
    assert code == 200 and result["status"] == "REJECT"
    assert "approved" in result["details"]["reason"]
    code, result = await resume(api, run["id"])
    assert result["status"] == "REJECT" and "approved" in result["details"]["reason"]
    assert (await run_of(api, run["id"]))["state_type"] == "PAUSED"
    missing = await api.get(f"/flow_runs/{run['id']}/input/{KEYSET['response']}")
    assert missing.status_code == 404

    answer = {"approved": True, "note": "looks fine"}
    code, result = await resume(api, run["id"], {"run_input": answer})
    assert code == 201 and result["status"] == "ACCEPT"
    stored = await api.get(f"/flow_runs/{run['id']}/input/{KEYSET['response']}")
    assert stored.status_code == 200 and json.loads(stored.text) == answer


async def test_resume_with_input_needs_the_published_schema(api, make_flow_run, set_state) -> None:
    run = await paused_run(make_flow_run, set_state, run_input_keyset=KEYSET)
    code, result = await resume(api, run["id"], {"run_input": {"approved": True}})
    assert code == 200 and result["status"] == "REJECT"
    assert "schema" in result["details"]["reason"] and "not found" in result["details"]["reason"]

    body = {"key": KEYSET["schema"], "value": "{not json"}
    assert (await api.post(f"/flow_runs/{run['id']}/input", json=body)).status_code == 201
    code, result = await resume(api, run["id"], {"run_input": {"approved": True}})
    assert result["status"] == "REJECT" and "JSON" in result["details"]["reason"]


# -- /input --------------------------------------------------------------------------------


async def test_input_create_read_delete(api, make_flow_run) -> None:
    run = await make_flow_run()
    base = f"/flow_runs/{run['id']}/input"
    created = await api.post(base, json={"key": "greeting", "value": "hello", "sender": "me"})
    assert created.status_code == 201
    value = await api.get(f"{base}/greeting")
    assert value.status_code == 200 and value.text == "hello"
    assert value.headers["content-type"].startswith("text/plain")

    again = await api.post(base, json={"key": "greeting", "value": "other"})
    assert again.status_code == 409 and "greeting" in again.json()["detail"]
    assert (await api.get(f"{base}/greeting")).text == "hello"

    assert (await api.delete(f"{base}/greeting")).status_code == 204
    gone = await api.get(f"{base}/greeting")
    assert gone.status_code == 404 and gone.json()["detail"] == "Flow run input not found"
    assert (await api.delete(f"{base}/greeting")).status_code == 404


async def test_input_bad_requests(api, make_flow_run) -> None:
    unknown = await api.post(f"/flow_runs/{uuid.uuid4()}/input", json={"key": "k", "value": "v"})
    assert unknown.status_code == 404 and unknown.json()["detail"] == "Flow run not found"
    run = await make_flow_run()
    base = f"/flow_runs/{run['id']}/input"
    for body in ({"key": "Bad_Key", "value": "v"}, {"key": "k"}, {"key": "", "value": "v"}):
        response = await api.post(base, json=body)
        assert response.status_code == 422, body
    filt = await api.post(f"{base}/filter", json={"prefix": "a", "limit": -1})
    assert filt.status_code == 422
    assert (await api.post(f"{base}/filter", json={})).status_code == 422


async def test_input_filter(api, make_flow_run) -> None:
    run = await make_flow_run()
    other = await make_flow_run()
    base = f"/flow_runs/{run['id']}/input"
    for key in ("ask-1", "ask-2", "ask-3", "answer"):
        assert (await api.post(base, json={"key": key, "value": key.upper()})).status_code == 201
    await api.post(f"/flow_runs/{other['id']}/input", json={"key": "ask-9", "value": "x"})

    async def keys(**body: Any) -> list[str]:
        response = await api.post(f"{base}/filter", json=body)
        assert response.status_code == 200, response.text
        rows = response.json()
        assert all(row["flow_run_id"] == run["id"] for row in rows)
        return [row["key"] for row in rows]

    assert await keys(prefix="ask") == ["ask-1"]  # limit defaults to 1, oldest first
    assert await keys(prefix="ask", limit=10) == ["ask-1", "ask-2", "ask-3"]
    assert await keys(prefix="ask", limit=10, exclude_keys=["ask-1", "ask-3"]) == ["ask-2"]
    assert await keys(prefix="a", limit=10) == ["ask-1", "ask-2", "ask-3", "answer"]
    # `%` and `_` are not wildcards
    assert await keys(prefix="%", limit=10) == []
    assert await keys(prefix="as_", limit=10) == []
    row = (await api.post(f"{base}/filter", json={"prefix": "answer"})).json()[0]
    assert row["value"] == "ANSWER" and row["sender"] is None and row["id"]
    unknown = await api.post(f"/flow_runs/{uuid.uuid4()}/input/filter", json={"prefix": ""})
    assert unknown.status_code == 200 and unknown.json() == []


async def test_inputs_go_with_their_flow_run(api, make_flow_run) -> None:
    run = await make_flow_run()
    await api.post(f"/flow_runs/{run['id']}/input", json={"key": "k", "value": "v"})
    assert (await api.delete(f"/flow_runs/{run['id']}")).status_code == 204
    left = await api.post(f"/flow_runs/{run['id']}/input/filter", json={"prefix": ""})
    assert left.json() == []
