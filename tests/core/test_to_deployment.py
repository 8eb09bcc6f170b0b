"""`flow.to_deployment(...)`: the deployment fields it builds from a flow object, before
any server sees them (registering is in tests/integration/test_flow_deploy.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from prefect import flow
from prefect.deployments.build import DeploymentSpecError
from prefect.deployments.runner import RunnerDeployment


@flow(name="nightly-etl", version="1.2")
def nightly(day: str = "today", n: int = 3) -> int:
    """Loads a day."""
    return n


def test_fields_come_from_the_flow_and_its_source_file() -> None:
    deployment = nightly.to_deployment(
        "prod",
        parameters={"n": 5},
        tags=["etl"],
        work_pool_name="local",
        work_queue_name="q",
        job_variables={"env": {"A": "1"}},
        concurrency_limit=2,
    )
    assert isinstance(deployment, RunnerDeployment)
    assert deployment.full_name == "nightly-etl/prod"
    here = Path(__file__).resolve()
    assert deployment.entrypoint == f"{here.name}:nightly"
    assert deployment.path == str(here.parent)
    assert deployment.pull_steps == [
        {"prefect.deployments.steps.set_working_directory": {"directory": str(here.parent)}}
    ]
    assert deployment.parameters == {"n": 5}
    assert set(deployment.parameter_openapi_schema["properties"]) == {"day", "n"}
    assert deployment.tags == ["etl"]
    assert deployment.version == "1.2"
    assert deployment.description == "Loads a day."
    assert deployment.work_pool_name == "local" and deployment.work_queue_name == "q"
    assert deployment.job_variables == {"env": {"A": "1"}}
    assert deployment.concurrency_limit == 2
    assert deployment.schedules == []


def test_schedules_from_interval_cron_rrule_and_objects() -> None:
    from prefect.schemas.schedules import IntervalSchedule

    deployment = nightly.to_deployment(
        "sched",
        interval=[30, timedelta(minutes=2)],
        cron="0 2 * * *",
        rrule="FREQ=DAILY",
        schedules=[IntervalSchedule(interval=timedelta(hours=1))],
    )
    kinds = [s["schedule"] for s in deployment.schedules]
    assert kinds[0].get("cron") == "0 2 * * *"
    assert [k["interval"] for k in kinds if "interval" in k] == [30.0, 120.0, 3600.0]
    assert any(k.get("rrule") == "FREQ=DAILY" for k in kinds)
    with pytest.raises(DeploymentSpecError):
        nightly.to_deployment("bad", cron="not a cron")


def test_unknown_parameters_are_refused_with_the_schema_enforced() -> None:
    with pytest.raises(DeploymentSpecError, match="no parameter 'nope'"):
        nightly.to_deployment("x", parameters={"nope": 1})
    loose = nightly.to_deployment("x", parameters={"nope": 1}, enforce_parameter_schema=False)
    assert loose.parameters == {"nope": 1}


def test_a_flow_defined_in_a_function_cannot_be_deployed() -> None:
    @flow
    def local() -> None: ...

    with pytest.raises(ValueError, match="inside a function"):
        local.to_deployment("x")
