"""The `prefect.runtime` fields Prefect 3 documents beyond the basics: flow_version,
root_flow_run_id, job_variables, api_url, ui_url, and `prefect.runtime.deployment`
(embedded store, SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from prefect import flow, runtime, task
from prefect.context import FlowRunContext, _flow_run_ctx
from prefect.engine._models import construct
from prefect.schemas.objects import FlowRun

from tests.integration._engine_helpers import Reader, reader, store  # noqa: F401


def test_flow_and_task_run_fields(reader: Reader, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setenv("PREFECT_UI_URL", "http://ui.example:4200/")

    @task
    def inner_task() -> dict[str, Any]:
        return {"task_ui": runtime.task_run.ui_url, "task_api": runtime.task_run.api_url}

    @flow(version="7")
    def grandchild() -> dict[str, Any]:
        return {"root": runtime.flow_run.root_flow_run_id, **inner_task()}

    @flow
    def child() -> dict[str, Any]:
        return {"root": runtime.flow_run.root_flow_run_id, "deeper": grandchild()}

    @flow(version="1.0")
    def top() -> dict[str, Any]:
        return {
            "id": runtime.flow_run.id,
            "root": runtime.flow_run.root_flow_run_id,
            "version": runtime.flow_run.flow_version,
            "job_variables": runtime.flow_run.job_variables,
            "api": runtime.flow_run.api_url,
            "ui": runtime.flow_run.ui_url,
            "child": child(),
        }

    got = top()
    # every run in the tree names the top-level run as its root
    assert got["root"] == got["id"]
    assert got["child"]["root"] == got["id"]
    assert got["child"]["deeper"]["root"] == got["id"]
    assert got["version"] == "1.0"
    assert got["job_variables"] == {}
    assert got["api"] is None  # the embedded store has no API URL
    assert got["ui"] == f"http://ui.example:4200/runs/flow-run/{got['id']}"
    runs = {r.name: r for r in reader.flow_runs()}
    [grand] = [r for r in runs.values() if r.flow_version == "7"]
    [task_run] = reader.task_runs(grand.id)
    assert got["child"]["deeper"]["task_ui"] == (
        f"http://ui.example:4200/runs/task-run/{task_run.id}"
    )
    assert got["child"]["deeper"]["task_api"] is None


def test_ui_url_follows_the_api_url(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.runtime._urls import run_url, ui_url

    monkeypatch.delenv("PREFECT_UI_URL", raising=False)
    assert ui_url() is None
    monkeypatch.setenv("PREFECT_API_URL", "http://10.0.0.5:4200/api")
    assert ui_url() == "http://10.0.0.5:4200"
    assert run_url("flow-run", "abc") == "http://10.0.0.5:4200/runs/flow-run/abc"


def test_deployment_fields(reader: Reader) -> None:  # noqa: F811
    assert runtime.deployment.id is None
    assert runtime.deployment.name is None
    assert runtime.deployment.parameters == {}

    client = reader.client
    flow_id = client.create_flow_from_name("etl")
    deployment_id = client.create_deployment(
        flow_id=flow_id, name="nightly", version="v3", parameters={"day": "mon"}
    )
    # a flow run of the deployment, as a worker's flow process would hold it
    run = construct(
        FlowRun,
        id=uuid.uuid4(),
        name="run",
        flow_id=flow_id,
        deployment_id=deployment_id,
        parameters={"day": "mon"},
    )

    @flow
    def etl(day: str) -> None: ...

    token = _flow_run_ctx.set(FlowRunContext(etl, run, {"day": "mon"}, False))
    try:
        assert runtime.deployment.id == str(deployment_id)
        assert runtime.deployment.flow_run_id == str(run.id)
        assert runtime.deployment.name == "nightly"
        assert runtime.deployment.version == "v3"
        assert runtime.deployment.parameters == {"day": "mon"}
        assert runtime.flow_run.deployment_id == str(deployment_id)
    finally:
        _flow_run_ctx.reset(token)
    with pytest.raises(AttributeError):
        runtime.deployment.no_such_field  # noqa: B018
