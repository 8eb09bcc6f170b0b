"""`prefect.deployments.build`, `yaml_files` and `project`: deployment specs from an
entrypoint and options, written and read back, and from prefect.yaml (no server)."""

from __future__ import annotations

from pathlib import Path

import pytest
from prefect.deployments.build import (
    DeploymentSpecError,
    build_spec,
    parse_key_values,
    schedule_dicts,
)
from prefect.deployments.project import read_project_specs, starter_project
from prefect.deployments.yaml_files import read_specs, write_spec

FLOW = '''
from prefect import flow

@flow(name="sum-up")
def sum_up(a: int, b: int = 2) -> int:
    """Add."""
    return a + b
'''


@pytest.fixture
def flow_file(tmp_path: Path) -> Path:
    path = tmp_path / "code" / "maths.py"
    path.parent.mkdir()
    path.write_text(FLOW)
    return path


def test_key_values_read_json_or_keep_text() -> None:
    assert parse_key_values(["a=1", "b=x", "c=[1, 2]", "d="], "--param") == {
        "a": 1,
        "b": "x",
        "c": [1, 2],
        "d": "",
    }
    with pytest.raises(DeploymentSpecError, match="key=value"):
        parse_key_values(["novalue"], "--param")


def test_schedules_are_validated_and_default_to_utc() -> None:
    (cron,) = schedule_dicts(cron=["0 2 * * *"])
    assert cron["schedule"] == {"cron": "0 2 * * *", "day_or": True, "timezone": "UTC"}
    (every,) = schedule_dicts(
        interval=[90], anchor_date="2026-01-01T00:00:00", timezone="Asia/Tokyo"
    )
    assert every["schedule"]["interval"] == 90 and every["schedule"]["timezone"] == "Asia/Tokyo"
    for bad in (
        {"cron": ["61 * * * *"]},
        {"cron": ["0 * * * *"], "timezone": "Mars/Olympus"},
        {"interval": [0]},
        {"cron": ["0 * * * *"], "anchor_date": "2026-01-01"},
        {"rrule": ["not a rule"]},
    ):
        with pytest.raises(DeploymentSpecError):
            schedule_dicts(**bad)  # type: ignore[arg-type]


def test_spec_from_entrypoint_is_relative_to_the_files_folder(flow_file: Path) -> None:
    spec = build_spec(f"{flow_file}:sum_up", name="n", work_pool_name="p", parameters={"a": 1})
    assert spec["flow_name"] == "sum-up" and spec["entrypoint"] == "maths.py:sum_up"
    assert spec["path"] == str(flow_file.parent) and spec["description"] == "Add."
    assert spec["pull_steps"] == [
        {"prefect.deployments.steps.set_working_directory": {"directory": str(flow_file.parent)}}
    ]
    assert spec["parameter_openapi_schema"]["required"] == ["a"]
    with pytest.raises(DeploymentSpecError, match="no parameter 'c'"):
        build_spec(
            f"{flow_file}:sum_up", name="n", parameters={"c": 1}, enforce_parameter_schema=True
        )


def test_yaml_round_trip(flow_file: Path, tmp_path: Path) -> None:
    spec = build_spec(f"{flow_file}:sum_up", name="n", schedules=schedule_dicts(cron=["0 1 * * *"]))
    target = tmp_path / "d.yaml"
    write_spec(spec, target)
    assert read_specs(target) == [spec]


def test_prefect_yaml_entrypoints_are_relative_to_the_file(flow_file: Path) -> None:
    import yaml

    root = flow_file.parent.parent
    project = yaml.safe_load(starter_project("demo", root))
    project["deployments"][0].update(name="d", entrypoint="code/maths.py:sum_up")
    project["deployments"][0]["schedules"] = [{"interval": 60, "timezone": "UTC"}]
    (root / "prefect.yaml").write_text(yaml.safe_dump(project))
    (spec,) = read_project_specs(root / "prefect.yaml")
    assert spec["entrypoint"] == "code/maths.py:sum_up" and spec["path"] == str(root)
    assert spec["pull_steps"] == project["pull"]
    assert spec["schedules"][0]["schedule"]["interval"] == 60
    with pytest.raises(DeploymentSpecError, match="no deployment named"):
        read_project_specs(root / "prefect.yaml", names=["other"])
    project["build"] = [{"some.step": {}}]
    (root / "prefect.yaml").write_text(yaml.safe_dump(project))
    with pytest.raises(DeploymentSpecError, match="'build' steps"):
        read_project_specs(root / "prefect.yaml")
