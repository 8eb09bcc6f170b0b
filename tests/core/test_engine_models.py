"""prefect.engine._models: objects built without validation equal validated ones."""

from __future__ import annotations

import uuid

import pytest
from prefect.engine._models import construct, new_state, state_details
from prefect.schemas.actions import LogCreate
from prefect.schemas.objects import State, StateDetails, StateType, TaskRun


def test_new_state_is_a_complete_state() -> None:
    details = state_details(flow_run_id=uuid.uuid4(), task_run_id=uuid.uuid4())
    state = new_state(StateType.RUNNING, "Running", message="m", details=details)
    # every field of the model is there (a field added to State must be added here too)
    assert list(state.__dict__) == list(State.model_fields)
    validated = State.model_validate(state.model_dump())
    assert validated.model_dump() == state.model_dump()
    assert state.model_fields_set == {
        "id",
        "type",
        "name",
        "timestamp",
        "message",
        "state_details",
        "data",
    }
    # private attributes are per instance
    other = new_state(StateType.PENDING, "Pending")
    state._result = 5
    assert other._result is None and not other._has_result
    assert state.is_running() and repr(state) == "Running(type=RUNNING, message='m')"


def test_state_details_and_construct_fill_defaults() -> None:
    details = state_details(cache_key="k")
    assert details.model_dump() == StateDetails(cache_key="k").model_dump()
    assert details.model_fields_set == {"cache_key"}
    run = construct(TaskRun, id=uuid.uuid4(), task_key="t", dynamic_key="0")
    assert run.tags == [] and run.task_inputs == {} and run.empirical_policy.retries is None
    # default factories give each instance its own value
    assert construct(TaskRun, task_key="t", dynamic_key="1").tags is not run.tags
    assert TaskRun.model_validate(run.model_dump()).model_dump() == run.model_dump()
    log = construct(LogCreate, name="n", level=20, message="hi")
    assert LogCreate.model_validate(log.model_dump()).message == "hi"


def test_missing_required_field_is_an_error() -> None:
    with pytest.raises(TypeError, match="dynamic_key"):
        construct(TaskRun, task_key="t")
