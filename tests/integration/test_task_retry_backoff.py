"""`retry_delay_seconds=exponential_backoff(backoff_factor=...)` spaces retries 1x, 2x, 4x
the factor, as Prefect 3 does (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from prefect import flow, task
from prefect.schemas.objects import StateType
from prefect.tasks import exponential_backoff

from tests.integration._engine_helpers import Reader, reader, store  # noqa: F401


def test_exponential_backoff_gives_doubling_delays() -> None:
    assert exponential_backoff(backoff_factor=10)(3) == [10, 20, 40]
    assert exponential_backoff(backoff_factor=0.5)(0) == []
    # a bounded list however many retries are asked for
    assert len(exponential_backoff(backoff_factor=1)(1000)) == 50


def test_a_task_retries_after_doubling_delays(reader: Reader) -> None:  # noqa: F811
    calls: list[int] = []

    @task(retries=3, retry_delay_seconds=exponential_backoff(backoff_factor=0.05))
    def flaky() -> int:
        calls.append(1)
        if len(calls) < 4:
            raise ValueError(f"attempt {len(calls)}")
        return len(calls)

    @flow
    def pipeline() -> int:
        return flaky()

    assert pipeline() == 4
    [run] = reader.flow_runs()
    [task_run] = reader.task_runs(run.id)
    retries = [s for s in reader.task_run_states(task_run.id) if s.name == "AwaitingRetry"]
    assert all(s.state_details.scheduled_time is not None for s in retries)
    waits = [
        (s.state_details.scheduled_time - s.timestamp).total_seconds()  # type: ignore[operator]
        for s in retries
    ]
    # each AwaitingRetry is scheduled its delay after it was proposed
    assert waits == pytest.approx([0.05, 0.1, 0.2], abs=0.02)
    assert reader.task_run_states(task_run.id)[-1].type is StateType.COMPLETED
