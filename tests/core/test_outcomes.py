"""From return values and exceptions to final states."""

from __future__ import annotations

import pytest
from prefect.engine._models import state_details
from prefect.engine.outcomes import crashed_state, failed_state, is_crash, state_from_return
from prefect.states import Completed, Failed, with_result


def test_plain_value_completes_with_result() -> None:
    state = state_from_return({"a": 1}, state_details())
    assert state.is_completed() and state.result() == {"a": 1}


def test_returned_state_is_the_final_state() -> None:
    failed = with_result(Failed(message="nope"), ValueError("nope"))
    state = state_from_return(failed, state_details())
    assert state.is_failed() and state.message == "nope"
    with pytest.raises(ValueError):
        state.result()


def test_collection_with_a_failed_state_fails() -> None:
    states = [
        with_result(Completed(), 1),
        with_result(Failed(), RuntimeError("x")),
        with_result(Completed(), 2),
    ]
    state = state_from_return(states, state_details())
    assert state.is_failed() and state.message == "1/3 states failed."


def test_collection_of_completed_states_completes() -> None:
    state = state_from_return((with_result(Completed(), 1),), state_details())
    assert state.is_completed() and state.message == "All states completed."


def test_exceptions() -> None:
    state = failed_state(KeyError("k"), "Task", state_details())
    assert state.is_failed() and state.message.startswith("Task run encountered an exception")
    assert failed_state(TimeoutError(), "Flow", state_details()).name == "TimedOut"
    assert is_crash(KeyboardInterrupt()) and not is_crash(ValueError())
    crashed = crashed_state(KeyboardInterrupt(), "Flow", state_details())
    assert crashed.is_crashed()
    with pytest.raises(KeyboardInterrupt):
        crashed.result()
