"""Objects the API returns, with Prefect 3's names and fields."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import Field, PrivateAttr, StrictBool, StrictFloat, StrictInt

from prefect._time import now
from prefect.schemas import _elsewhere
from prefect.schemas._base import ObjectBaseModel, PrefectBaseModel

# `PATCH /flow_runs/{id}/labels`: label values are scalars, as in Prefect 3
KeyValueLabels = dict[str, StrictBool | StrictInt | StrictFloat | str]


class StateType(enum.StrEnum):
    SCHEDULED = "SCHEDULED"
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    CRASHED = "CRASHED"
    PAUSED = "PAUSED"
    CANCELLING = "CANCELLING"


TERMINAL_STATES: frozenset[StateType] = frozenset(
    {StateType.COMPLETED, StateType.FAILED, StateType.CANCELLED, StateType.CRASHED}
)


class StateDetails(PrefectBaseModel):
    flow_run_id: uuid.UUID | None = None
    task_run_id: uuid.UUID | None = None
    # set on the state of the task run that stands for a subflow in its parent
    child_flow_run_id: uuid.UUID | None = None
    scheduled_time: datetime | None = None
    cache_key: str | None = None
    cache_expiration: datetime | None = None
    deferred: bool | None = None
    untrackable_result: bool = False
    pause_timeout: datetime | None = None
    pause_reschedule: bool = False
    pause_key: str | None = None
    run_input_keyset: dict[str, str] | None = None
    refresh_cache: bool | None = None
    retriable: bool | None = None
    transition_id: uuid.UUID | None = None
    task_parameters_id: uuid.UUID | None = None
    traceparent: str | None = None
    # the lease on the deployment's concurrency slot that this run holds (server-managed)
    deployment_concurrency_lease_id: uuid.UUID | None = None


class State(ObjectBaseModel):
    """A run's state: a type (what the orchestrator reasons about) and a name (what people read).

    `data` holds a result record or a JSON-able value when the state carries a result; the
    Python object a flow or task returned is kept beside it, off the wire, in memory.
    """

    type: StateType
    name: str | None = None
    timestamp: datetime = Field(default_factory=now)
    message: str | None = None
    state_details: StateDetails = Field(default_factory=StateDetails)
    data: Any = None
    # the Python value (or exception) of this run, kept in memory by the process that ran it
    _result: Any = PrivateAttr(default=None)
    _has_result: bool = PrivateAttr(default=False)

    def model_post_init(self, context: Any, /) -> None:
        if self.name is None:
            self.name = self.type.value.title()

    # -- predicates, as Prefect's State offers them --------------------------------------
    def is_scheduled(self) -> bool:
        return self.type == StateType.SCHEDULED

    def is_pending(self) -> bool:
        return self.type == StateType.PENDING

    def is_running(self) -> bool:
        return self.type == StateType.RUNNING

    def is_completed(self) -> bool:
        return self.type == StateType.COMPLETED

    def is_failed(self) -> bool:
        return self.type == StateType.FAILED

    def is_crashed(self) -> bool:
        return self.type == StateType.CRASHED

    def is_cancelled(self) -> bool:
        return self.type == StateType.CANCELLED

    def is_cancelling(self) -> bool:
        return self.type == StateType.CANCELLING

    def is_paused(self) -> bool:
        return self.type == StateType.PAUSED

    def is_final(self) -> bool:
        return self.type in TERMINAL_STATES

    def result(self, raise_on_failure: bool = True, fetch: bool = True) -> Any:
        """The value this state carries; for a failed state, raise its exception.

        Works on states read from the API too: a result the run persisted is read back from
        its storage, so another process can call this.
        """
        from prefect.states import get_state_result

        return get_state_result(self, raise_on_failure=raise_on_failure)

    def fresh_copy(self, **overrides: Any) -> State:
        """A copy with a new id and timestamp, for proposing the same state again."""
        return self.model_copy(
            update={
                "id": uuid.uuid4(),
                "timestamp": now(),
                "created": None,
                "updated": None,
                **overrides,
            }
        )

    def __repr__(self) -> str:
        msg = f", message={self.message!r}" if self.message else ""
        return f"{self.name}(type={self.type.value}{msg})"

    __str__ = __repr__


class FlowRunPolicy(PrefectBaseModel):
    max_retries: int = 0
    retry_delay_seconds: float = 0
    retries: int | None = None
    retry_delay: int | None = None
    pause_keys: set[str] | None = Field(default_factory=set)
    resuming: bool | None = False
    retry_type: Literal["in_process", "reschedule"] | None = None


class TaskRunPolicy(PrefectBaseModel):
    max_retries: int = 0
    retry_delay_seconds: float = 0
    retries: int | None = None
    retry_delay: int | float | list[int] | list[float] | None = None
    retry_jitter_factor: float | None = None


class Flow(ObjectBaseModel):
    name: str
    tags: list[str] = Field(default_factory=list)
    labels: dict[str, Any] = Field(default_factory=dict)


class FlowRun(ObjectBaseModel):
    name: str = ""
    flow_id: uuid.UUID
    state_id: uuid.UUID | None = None
    deployment_id: uuid.UUID | None = None
    deployment_version: str | None = None
    work_queue_id: uuid.UUID | None = None
    work_queue_name: str | None = None
    work_pool_id: uuid.UUID | None = None
    work_pool_name: str | None = None
    flow_version: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    idempotency_key: str | None = None
    context: dict[str, Any] = Field(default_factory=dict)
    empirical_policy: FlowRunPolicy = Field(default_factory=FlowRunPolicy)
    tags: list[str] = Field(default_factory=list)
    labels: dict[str, Any] = Field(default_factory=dict)
    parent_task_run_id: uuid.UUID | None = None
    state_type: StateType | None = None
    state_name: str | None = None
    run_count: int = 0
    expected_start_time: datetime | None = None
    next_scheduled_start_time: datetime | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    total_run_time: timedelta = timedelta(0)
    estimated_run_time: timedelta = timedelta(0)
    estimated_start_time_delta: timedelta = timedelta(0)
    auto_scheduled: bool = False
    infrastructure_document_id: uuid.UUID | None = None
    infrastructure_pid: str | None = None
    created_by: dict[str, Any] | None = None
    job_variables: dict[str, Any] | None = None
    state: State | None = None


class TaskRunResult(PrefectBaseModel):
    """A task input that came from another task run."""

    input_type: Literal["task_run"] = "task_run"
    id: uuid.UUID


class FlowRunResult(PrefectBaseModel):
    input_type: Literal["flow_run"] = "flow_run"
    id: uuid.UUID


class Parameter(PrefectBaseModel):
    input_type: Literal["parameter"] = "parameter"
    name: str


class Constant(PrefectBaseModel):
    input_type: Literal["constant"] = "constant"
    type: str


TaskInput = TaskRunResult | FlowRunResult | Parameter | Constant


class TaskRun(ObjectBaseModel):
    name: str = ""
    flow_run_id: uuid.UUID | None = None
    task_key: str
    dynamic_key: str
    cache_key: str | None = None
    cache_expiration: datetime | None = None
    task_version: str | None = None
    empirical_policy: TaskRunPolicy = Field(default_factory=TaskRunPolicy)
    tags: list[str] = Field(default_factory=list)
    labels: dict[str, Any] = Field(default_factory=dict)
    state_id: uuid.UUID | None = None
    task_inputs: dict[str, list[TaskInput]] = Field(default_factory=dict)
    state_type: StateType | None = None
    state_name: str | None = None
    run_count: int = 0
    flow_run_run_count: int = 0
    expected_start_time: datetime | None = None
    next_scheduled_start_time: datetime | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    total_run_time: timedelta = timedelta(0)
    estimated_run_time: timedelta = timedelta(0)
    estimated_start_time_delta: timedelta = timedelta(0)
    state: State | None = None


class Log(ObjectBaseModel):
    name: str
    level: int
    message: str
    timestamp: datetime
    flow_run_id: uuid.UUID | None = None
    task_run_id: uuid.UUID | None = None


# later resources keep their models in modules of their own (see _elsewhere)
__getattr__ = _elsewhere.resolver("objects")
