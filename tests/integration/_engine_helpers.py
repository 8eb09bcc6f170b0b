"""Shared by the engine integration tests: point the engine at `database_url`, read back."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.schemas.filters import FlowRunFilter, LogFilter, TaskRunFilter
from prefect.schemas.objects import FlowRun, Log, State, TaskRun
from prefect.schemas.sorting import TaskRunSort


@pytest.fixture
def store(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Flows in the test run on `database_url`; the engine client is closed afterwards so
    the database can be emptied or dropped."""
    from prefect.client._loop import run_sync
    from prefect.engine import api

    monkeypatch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", database_url)
    yield database_url
    run_sync(api._drain_all())
    run_sync(api.close_engine_client())


class Reader:
    """Reads what the engine stored, through a separate client."""

    def __init__(self, client: SyncPrefectClient) -> None:
        self.client = client

    def flow_run(self, id: uuid.UUID) -> FlowRun:
        run: FlowRun = self.client.read_flow_run(id)
        return run

    def flow_runs(self, **filters: Any) -> list[FlowRun]:
        runs: list[FlowRun] = self.client.read_flow_runs(
            flow_run_filter=FlowRunFilter.model_validate(filters) if filters else None
        )
        return runs

    def task_runs(self, flow_run_id: uuid.UUID) -> list[TaskRun]:
        runs: list[TaskRun] = self.client.read_task_runs(
            task_run_filter=TaskRunFilter.model_validate(
                {"flow_run_id": {"any_": [str(flow_run_id)]}}
            ),
            sort=TaskRunSort.EXPECTED_START_TIME_ASC,
        )
        return runs

    def flow_run_states(self, id: uuid.UUID) -> list[State]:
        states: list[State] = self.client.read_flow_run_states(id)
        return sorted(states, key=lambda s: s.timestamp)

    def task_run_states(self, id: uuid.UUID) -> list[State]:
        states: list[State] = self.client.read_task_run_states(id)
        return sorted(states, key=lambda s: s.timestamp)

    def logs(self, flow_run_id: uuid.UUID) -> list[Log]:
        logs: list[Log] = self.client.read_logs(
            log_filter=LogFilter.model_validate({"flow_run_id": {"any_": [str(flow_run_id)]}})
        )
        return logs


@pytest.fixture
def reader(store: str) -> Iterator[Reader]:
    with get_client(sync_client=True) as client:
        yield Reader(client)
