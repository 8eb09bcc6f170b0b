"""The orchestration result returned by the `set_state` routes."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime, timedelta
from typing import Literal

from pydantic import Field

from prefect.schemas import _elsewhere
from prefect.schemas._base import PrefectBaseModel
from prefect.schemas.objects import Flow, FlowRun, State, StateType, TaskRun, TaskRunResult


class SetStateStatus(enum.StrEnum):
    ACCEPT = "ACCEPT"
    REJECT = "REJECT"
    ABORT = "ABORT"
    WAIT = "WAIT"


class StateAcceptDetails(PrefectBaseModel):
    type: Literal["accept_details"] = "accept_details"


class StateRejectDetails(PrefectBaseModel):
    type: Literal["reject_details"] = "reject_details"
    reason: str | None = None


class StateAbortDetails(PrefectBaseModel):
    type: Literal["abort_details"] = "abort_details"
    reason: str | None = None


class StateWaitDetails(PrefectBaseModel):
    type: Literal["wait_details"] = "wait_details"
    delay_seconds: int
    reason: str | None = None


StateResponseDetails = (
    StateAcceptDetails | StateRejectDetails | StateAbortDetails | StateWaitDetails
)


class OrchestrationResult(PrefectBaseModel):
    """What the orchestrator decided about a proposed state.

    On ACCEPT `state` is the state as stored; on REJECT it is the run's current state (or
    the state the rules chose instead); on WAIT, retry after `details.delay_seconds`; on
    ABORT the proposal makes no sense for this run and the caller should stop.
    """

    state: State | None = None
    status: SetStateStatus
    details: StateResponseDetails = Field(discriminator="type")


# -- paginate, history, bulk delete, graph ------------------------------------------


class _Page(PrefectBaseModel):
    count: int
    limit: int
    pages: int
    page: int


class FlowPaginationResponse(_Page):
    results: list[Flow]


class FlowRunPaginationResponse(_Page):
    results: list[FlowRun]


class TaskRunPaginationResponse(_Page):
    results: list[TaskRun]


class HistoryResponseState(PrefectBaseModel):
    """The runs of one interval that are in one state (by type and name)."""

    state_type: StateType
    state_name: str
    count_runs: int
    sum_estimated_run_time: timedelta
    sum_estimated_lateness: timedelta


class HistoryResponse(PrefectBaseModel):
    """One interval of `POST /flow_runs/history`: [interval_start, interval_end)."""

    interval_start: datetime
    interval_end: datetime
    states: list[HistoryResponseState]


class FlowRunBulkDeleteResponse(PrefectBaseModel):
    deleted: list[uuid.UUID]


class DependencyResult(PrefectBaseModel):
    """A task run in `GET /flow_runs/{id}/graph`, with the task runs it consumed."""

    id: uuid.UUID
    name: str
    upstream_dependencies: list[TaskRunResult]
    state: State | None = None
    expected_start_time: datetime | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    total_run_time: timedelta | None = None
    estimated_run_time: timedelta | None = None
    untrackable_result: bool = False


# later resources keep their models in modules of their own (see _elsewhere)
__getattr__ = _elsewhere.resolver("responses")
