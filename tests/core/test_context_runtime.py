"""Run contexts, tags and prefect.runtime outside runs (inside runs: integration tests)."""

from __future__ import annotations

import pytest
from prefect import runtime
from prefect.context import current_tags, get_run_context, tags
from prefect.exceptions import MissingContextError


def test_no_run_context_outside_runs() -> None:
    with pytest.raises(MissingContextError):
        get_run_context()


def test_tags_nest_and_unwind() -> None:
    assert current_tags() == frozenset()
    with tags("a", "b") as outer:
        assert outer == {"a", "b"}
        with tags("c"):
            assert current_tags() == {"a", "b", "c"}
        assert current_tags() == {"a", "b"}
    assert current_tags() == frozenset()


def test_runtime_is_empty_outside_runs() -> None:
    assert runtime.flow_run.id is None
    assert runtime.flow_run.name is None
    assert runtime.flow_run.parameters == {}
    assert runtime.flow_run.tags == []
    assert runtime.flow_run.run_count == 0
    assert runtime.flow_run.parent_flow_run_id is None
    assert runtime.task_run.id is None
    assert runtime.task_run.run_count == 0
    assert runtime.task_run.parameters == {}


def test_runtime_unknown_attribute() -> None:
    with pytest.raises(AttributeError):
        runtime.flow_run.no_such_thing  # noqa: B018
