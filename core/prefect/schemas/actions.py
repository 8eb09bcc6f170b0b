"""Request bodies that create or change objects (Prefect 3's `*Create` / `*Update` actions)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from prefect._time import now
from prefect.schemas import _elsewhere
from prefect.schemas._base import ActionBaseModel
from prefect.schemas.objects import (
    FlowRunPolicy,
    State,
    StateDetails,
    StateType,
    TaskInput,
    TaskRun,
    TaskRunPolicy,
)


class StateCreate(ActionBaseModel):
    type: StateType
    name: str | None = None
    message: str | None = None
    state_details: StateDetails = Field(default_factory=StateDetails)
    data: Any = None

    @classmethod
    def from_state(cls, state: State) -> StateCreate:
        return cls(
            type=state.type,
            name=state.name,
            message=state.message,
            state_details=state.state_details,
            data=state.data if _is_json_data(state.data) else None,
        )


def _is_json_data(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool | list | dict)


class FlowCreate(ActionBaseModel):
    name: str = Field(min_length=1)
    tags: list[str] = Field(default_factory=list)
    labels: dict[str, Any] = Field(default_factory=dict)


class FlowUpdate(ActionBaseModel):
    tags: list[str] | None = None


class TaskRunUpdate(ActionBaseModel):
    """Body of `PATCH /task_runs/{id}`."""

    name: str | None = None


class FlowRunCreate(ActionBaseModel):
    # a client may choose the id, so that it can refer to the run before the store answers
    id: uuid.UUID | None = None
    name: str | None = None
    flow_id: uuid.UUID
    deployment_id: uuid.UUID | None = None
    state: StateCreate | None = None
    flow_version: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    context: dict[str, Any] = Field(default_factory=dict)
    parent_task_run_id: uuid.UUID | None = None
    infrastructure_document_id: uuid.UUID | None = None
    empirical_policy: FlowRunPolicy = Field(default_factory=FlowRunPolicy)
    tags: list[str] = Field(default_factory=list)
    labels: dict[str, Any] = Field(default_factory=dict)
    idempotency_key: str | None = None
    work_pool_name: str | None = None
    work_queue_name: str | None = None
    job_variables: dict[str, Any] | None = None


class FlowRunUpdate(ActionBaseModel):
    name: str | None = None
    flow_version: str | None = None
    parameters: dict[str, Any] | None = None
    empirical_policy: FlowRunPolicy | None = None
    tags: list[str] | None = None
    infrastructure_pid: str | None = None
    job_variables: dict[str, Any] | None = None


class TaskRunCreate(ActionBaseModel):
    id: uuid.UUID | None = None
    name: str | None = None
    flow_run_id: uuid.UUID | None = None
    task_key: str
    dynamic_key: str
    cache_key: str | None = None
    cache_expiration: datetime | None = None
    task_version: str | None = None
    empirical_policy: TaskRunPolicy = Field(default_factory=TaskRunPolicy)
    tags: list[str] = Field(default_factory=list)
    labels: dict[str, Any] = Field(default_factory=dict)
    task_inputs: dict[str, list[TaskInput]] = Field(default_factory=dict)
    state: StateCreate | None = None


class SetStateBody(ActionBaseModel):
    """Body of `POST /flow_runs/{id}/set_state` and `/task_runs/{id}/set_state`."""

    state: StateCreate
    force: bool = False


class LogCreate(ActionBaseModel):
    name: str
    level: int
    message: str
    timestamp: datetime = Field(default_factory=now)
    flow_run_id: uuid.UUID | None = None
    task_run_id: uuid.UUID | None = None
    worker_id: uuid.UUID | None = None


class TaskRunReport(ActionBaseModel):
    """One task run as the flow process knows it, for `POST /task_runs/report`.

    Task runs are orchestrated in the flow process (as in Prefect 3) and reported in
    batches off the hot path. `task_run` is the run's latest snapshot (its `state` is the
    current state); `states` are the state rows not yet reported, oldest first. The server
    upserts the run by id and appends the states it has not seen (by state id), so a
    report sent twice changes nothing.
    """

    task_run: TaskRun
    states: list[State] = Field(default_factory=list)


# later resources keep their models in modules of their own (see _elsewhere)
__getattr__ = _elsewhere.resolver("actions")
