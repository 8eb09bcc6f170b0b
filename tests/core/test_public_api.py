"""The public face of `prefect` changes only on purpose."""

from __future__ import annotations

import prefect
import pytest

EXPECTED = [
    "Flow",
    "PREFECT_COMPATIBLE_VERSION",
    "PrefectFuture",
    "State",
    "Task",
    "__version__",
    "allow_failure",
    "artifacts",
    "deploy",
    "flow",
    "get_client",
    "get_run_logger",
    "pause_flow_run",
    "resume_flow_run",
    "runtime",
    "serve",
    "suspend_flow_run",
    "tags",
    "task",
    "unmapped",
    "variables",
]


def test_exported_names_are_the_expected_sorted_list() -> None:
    assert prefect.__all__ == EXPECTED


@pytest.mark.parametrize(
    "name", [n for n in EXPECTED if n not in {"__version__", "PREFECT_COMPATIBLE_VERSION"}]
)
def test_every_exported_name_resolves(name: str) -> None:
    value = getattr(prefect, name)
    assert value is not None
    assert name in dir(prefect)


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        prefect.no_such_thing  # type: ignore[attr-defined]  # noqa: B018


def test_later_resources_import_from_prefect_3s_paths() -> None:
    from prefect.client.schemas import actions, filters, objects, responses, sorting
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.schemas import deployments, schedules, variables, work_pools

    assert objects.Deployment is deployments.Deployment
    assert objects.WorkPool is work_pools.WorkPool
    assert objects.Variable is variables.Variable
    assert actions.DeploymentScheduleCreate is deployments.DeploymentScheduleCreate
    assert filters.DeploymentFilter is deployments.DeploymentFilter
    assert sorting.DeploymentSort is deployments.DeploymentSort
    assert responses.DeploymentResponse is deployments.DeploymentResponse
    assert CronSchedule is schedules.CronSchedule
    with pytest.raises(AttributeError, match="NoSuchModel"):
        objects.NoSuchModel  # noqa: B018


def test_every_name_of_the_table_resolves() -> None:
    import importlib

    from prefect.schemas._elsewhere import ELSEWHERE

    for kind, names in ELSEWHERE.items():
        module = importlib.import_module(f"prefect.schemas.{kind}")
        for name in names:
            assert isinstance(getattr(module, name), type), name
