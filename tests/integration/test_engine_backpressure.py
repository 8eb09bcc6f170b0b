"""Durability with the reporter under pressure: a backlog past its high-water mark is sent
by the producers themselves, and still every task run, state and log line is stored when
the flow returns (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from prefect import flow, get_run_logger, task
from prefect.schemas.objects import StateType

from tests.integration._engine_helpers import Reader, reader, store  # noqa: F401


@pytest.fixture
def low_water(monkeypatch: pytest.MonkeyPatch) -> Any:
    from prefect.engine import api

    rep = api.reporter()
    monkeypatch.setattr(rep, "high_water", 15)
    sent_before = rep.sent_batches
    return lambda: rep.sent_batches - sent_before


def test_mapped_tasks_past_the_high_water_mark_are_all_stored(
    reader: Reader,  # noqa: F811
    low_water: Any,
) -> None:
    count = 90

    @task
    def square(x: int) -> int:
        get_run_logger().info("square %d", x)
        return x * x

    @flow
    def squares(n: int) -> int:
        return sum(square.map(range(n)).result())

    state = squares(count, return_state=True)
    assert state.result() == sum(x * x for x in range(count))
    # the backlog was sent in many batches while the flow ran
    assert low_water() >= 3
    run_id = state.state_details.flow_run_id
    runs = reader.task_runs(run_id)
    assert len(runs) == count
    assert all(r.state_type is StateType.COMPLETED for r in runs)
    for run in runs[:10]:
        history = reader.task_run_states(run.id)
        assert [s.type for s in history] == [
            StateType.PENDING,
            StateType.RUNNING,
            StateType.COMPLETED,
        ]
        assert run.state is not None and run.state.id == history[-1].id
        assert run.start_time is not None and run.end_time is not None
    messages = [log.message for log in reader.logs(run_id)]
    assert sorted(m for m in messages if m.startswith("square ")) == sorted(
        f"square {x}" for x in range(count)
    )
    assert sum(m.startswith("Finished in state Completed") for m in messages) >= count


def test_subflows_leave_everything_stored_when_the_parent_returns(
    reader: Reader,  # noqa: F811
) -> None:
    @task
    def inc(x: int) -> int:
        return x + 1

    @flow
    def child(x: int) -> int:
        get_run_logger().info("child %d", x)
        return inc(x)

    @flow
    def parent() -> list[int]:
        return [child(i) for i in range(4)]

    state = parent(return_state=True)
    assert state.result() == [1, 2, 3, 4]
    parent_id = state.state_details.flow_run_id
    stand_ins = reader.task_runs(parent_id)
    assert len(stand_ins) == 4
    for stand_in in stand_ins:
        # the stand-in's final state travelled with the parent's last batch
        assert stand_in.state_type is StateType.COMPLETED
        states = [s.type for s in reader.task_run_states(stand_in.id)]
        assert states == [StateType.PENDING, StateType.RUNNING, StateType.COMPLETED]
        [child_run] = reader.flow_runs(parent_task_run_id={"any_": [str(stand_in.id)]})
        assert child_run.state_type is StateType.COMPLETED
        messages = [log.message for log in reader.logs(child_run.id)]
        assert any(m.startswith("child ") for m in messages)
        assert any(m.startswith("Finished in state Completed") for m in messages)
        [task_run] = reader.task_runs(child_run.id)
        assert task_run.state_type is StateType.COMPLETED
