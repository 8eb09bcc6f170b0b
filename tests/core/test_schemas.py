from __future__ import annotations

import uuid

import pytest
from prefect.client.schemas.filters import FlowRunFilter as AliasedFlowRunFilter
from prefect.schemas.actions import StateCreate
from prefect.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterId,
    FlowRunFilterRequest,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.schemas.objects import FlowRun, State, StateType
from prefect.schemas.responses import OrchestrationResult, SetStateStatus
from prefect.states import Completed
from pydantic import ValidationError


def test_prefect_filter_class_names_build_the_nested_body() -> None:
    run_id = uuid.uuid4()
    flt = FlowRunFilter(
        id=FlowRunFilterId(any_=[run_id]),
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.COMPLETED])),
    )
    assert flt.model_dump(mode="json", exclude_none=True) == {
        "operator": "and_",
        "id": {"any_": [str(run_id)]},
        "state": {"operator": "and_", "type": {"any_": ["COMPLETED"]}},
    }
    assert AliasedFlowRunFilter is FlowRunFilter


def test_filter_bodies_refuse_unknown_fields_and_bad_values() -> None:
    with pytest.raises(ValidationError, match="stat"):
        FlowRunFilterRequest.model_validate({"flow_runs": {"stat": {}}})
    with pytest.raises(ValidationError):
        FlowRunFilterRequest.model_validate({"flow_runs": {"state": {"type": {"any_": ["DONE"]}}}})
    with pytest.raises(ValidationError):
        FlowRunFilterRequest.model_validate({"limit": -1})
    with pytest.raises(ValidationError, match="DeploymentFilter"):
        FlowRunFilterRequest.model_validate({"deployments": {"nmae": {}}})
    # what a Prefect 3 client sends when its caller gave no such filter
    FlowRunFilterRequest.model_validate({"deployments": None, "work_pools": None})
    body = FlowRunFilterRequest.model_validate({"work_pool_queues": {"name": {"any_": ["q"]}}})
    assert type(body.work_pool_queues).__name__ == "WorkQueueFilter"


def test_objects_ignore_fields_they_do_not_know() -> None:
    run = FlowRun.model_validate({"flow_id": str(uuid.uuid4()), "brand_new_field": 1})
    assert not hasattr(run, "brand_new_field")


def test_state_names_default_from_type_and_state_create_drops_python_objects() -> None:
    assert State(type=StateType.CANCELLING).name == "Cancelling"
    state = Completed(data=object())
    assert StateCreate.from_state(state).data is None
    assert StateCreate.from_state(Completed(data={"k": 1})).data == {"k": 1}


def test_orchestration_result_details_are_discriminated() -> None:
    result = OrchestrationResult.model_validate(
        {"status": "WAIT", "state": None, "details": {"type": "wait_details", "delay_seconds": 3}}
    )
    assert result.status is SetStateStatus.WAIT
    assert result.details.type == "wait_details"
    assert result.details.delay_seconds == 3  # type: ignore[union-attr]
