"""Filter bodies for the `/filter` and `/count` routes, in Prefect 3's nested shape.

    {"flows": {...}, "flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}},
     "task_runs": {...}, "sort": "START_TIME_DESC", "limit": 50, "offset": 0}

Each filter is plain data; the server turns it into SQL (`prefect_server.database.filters`),
so the SDK never imports a database library.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import AliasChoices, Field, field_validator, model_validator

from prefect.schemas import _elsewhere
from prefect.schemas._base import ActionBaseModel
from prefect.schemas._requests import NullMeansDefault
from prefect.schemas.objects import StateType
from prefect.schemas.sorting import FlowRunSort, FlowSort, LogSort, TaskRunSort

Operator = Literal["and_", "or_"]


class FilterBase(ActionBaseModel):
    pass


class OperatorFilter(FilterBase):
    operator: Operator = "and_"


# -- reusable leaves ------------------------------------------------------------------


class IdFilter(FilterBase):
    any_: list[uuid.UUID] | None = None
    not_any_: list[uuid.UUID] | None = None


class NullableIdFilter(FilterBase):
    any_: list[uuid.UUID] | None = None
    is_null_: bool | None = None


class NameFilter(FilterBase):
    any_: list[str] | None = None
    like_: str | None = None


class TagsFilter(FilterBase):
    all_: list[str] | None = None
    any_: list[str] | None = None
    is_null_: bool | None = None


class TimeFilter(FilterBase):
    before_: datetime | None = None
    after_: datetime | None = None
    is_null_: bool | None = None


class StateTypeFilter(FilterBase):
    any_: list[StateType] | None = None
    not_any_: list[StateType] | None = None


class StateNameFilter(FilterBase):
    any_: list[str] | None = None
    not_any_: list[str] | None = None


class StateFilter(OperatorFilter):
    type: StateTypeFilter | None = None
    name: StateNameFilter | None = None


class StringAnyFilter(FilterBase):
    any_: list[str] | None = None


# -- per resource ---------------------------------------------------------------------


class FlowFilter(OperatorFilter):
    id: IdFilter | None = None
    name: NameFilter | None = None
    tags: TagsFilter | None = None


class FlowRunFilter(OperatorFilter):
    id: IdFilter | None = None
    name: NameFilter | None = None
    tags: TagsFilter | None = None
    state: StateFilter | None = None
    flow_version: StringAnyFilter | None = None
    start_time: TimeFilter | None = None
    end_time: TimeFilter | None = None
    expected_start_time: TimeFilter | None = None
    next_scheduled_start_time: TimeFilter | None = None
    deployment_id: NullableIdFilter | None = None
    work_queue_name: StringAnyFilter | None = None
    parent_task_run_id: NullableIdFilter | None = None
    parent_flow_run_id: IdFilter | None = None
    idempotency_key: StringAnyFilter | None = None


class SubflowRunsFilter(FilterBase):
    exists_: bool | None = None


class TaskRunFilter(OperatorFilter):
    id: IdFilter | None = None
    name: NameFilter | None = None
    tags: TagsFilter | None = None
    state: StateFilter | None = None
    start_time: TimeFilter | None = None
    expected_start_time: TimeFilter | None = None
    subflow_runs: SubflowRunsFilter | None = None
    flow_run_id: NullableIdFilter | None = None


class LevelFilter(FilterBase):
    ge_: int | None = None
    le_: int | None = None


class LogFilter(OperatorFilter):
    level: LevelFilter | None = None
    timestamp: TimeFilter | None = None
    flow_run_id: IdFilter | None = None
    task_run_id: NullableIdFilter | None = None


# -- request bodies -------------------------------------------------------------------


def _related(module: str, name: str, value: Any) -> Any:
    """`value` as the filter `name` of `prefect.schemas.<module>`, validated on first use.

    Deployment and work-pool filters live with their resources, which import this module;
    resolving them here when a body carries one keeps both imports one-way and cheap.
    """
    if value is None:
        return None
    import importlib

    from pydantic import ValidationError

    model = getattr(importlib.import_module(f"prefect.schemas.{module}"), name)
    if isinstance(value, model):
        return value
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        raise ValueError(f"not a {name}: {exc}") from None


class _DeploymentAndPoolFilters(ActionBaseModel):
    """The `deployments` and `work_pools` filters of a run body (see `_related`)."""

    # a DeploymentFilter and a WorkPoolFilter
    deployments: Any = None
    work_pools: Any = None

    @field_validator("deployments", mode="before")
    @classmethod
    def _deployments(cls, value: Any) -> Any:
        return _related("deployments", "DeploymentFilter", value)

    @field_validator("work_pools", mode="before")
    @classmethod
    def _work_pools(cls, value: Any) -> Any:
        return _related("work_pools", "WorkPoolFilter", value)


class _RelatedFilters(_DeploymentAndPoolFilters):
    # a WorkQueueFilter
    work_pool_queues: Any = None

    @field_validator("work_pool_queues", mode="before")
    @classmethod
    def _work_pool_queues(cls, value: Any) -> Any:
        return _related("work_pools", "WorkQueueFilter", value)


class _RunFilterBody(NullMeansDefault, _RelatedFilters):
    flows: FlowFilter | None = None
    flow_runs: FlowRunFilter | None = None
    task_runs: TaskRunFilter | None = None
    offset: int = Field(default=0, ge=0)


class FlowFilterRequest(_RunFilterBody):
    sort: FlowSort = FlowSort.NAME_ASC
    limit: int | None = Field(default=None, ge=0, le=1000)


class FlowRunFilterRequest(_RunFilterBody):
    sort: FlowRunSort = FlowRunSort.ID_DESC
    limit: int | None = Field(default=None, ge=0, le=1000)


class TaskRunFilterRequest(_RunFilterBody):
    sort: TaskRunSort = TaskRunSort.ID_DESC
    limit: int | None = Field(default=None, ge=0, le=1000)


class CountRequest(_RunFilterBody):
    pass


class LogFilterRequest(NullMeansDefault):
    # Prefect 3's `read_logs` sends `"offset": null` when given no offset
    logs: LogFilter | None = None
    sort: LogSort = LogSort.TIMESTAMP_ASC
    limit: int | None = Field(default=None, ge=0, le=1000)
    offset: int = Field(default=0, ge=0)


# -- Prefect 3 class names --------------------------------------------------------------
# User code written for Prefect builds filters from these per-field classes; they are the
# shared leaves above under Prefect's names.
FlowFilterId = IdFilter
FlowFilterName = NameFilter
FlowFilterTags = TagsFilter
FlowRunFilterId = IdFilter
FlowRunFilterName = NameFilter
FlowRunFilterTags = TagsFilter
FlowRunFilterState = StateFilter
FlowRunFilterStateType = StateTypeFilter
FlowRunFilterStateName = StateNameFilter
FlowRunFilterFlowVersion = StringAnyFilter
FlowRunFilterStartTime = TimeFilter
FlowRunFilterEndTime = TimeFilter
FlowRunFilterExpectedStartTime = TimeFilter
FlowRunFilterNextScheduledStartTime = TimeFilter
FlowRunFilterDeploymentId = NullableIdFilter
FlowRunFilterWorkQueueName = StringAnyFilter
FlowRunFilterParentTaskRunId = NullableIdFilter
FlowRunFilterParentFlowRunId = IdFilter
FlowRunFilterIdempotencyKey = StringAnyFilter
TaskRunFilterId = IdFilter
TaskRunFilterName = NameFilter
TaskRunFilterTags = TagsFilter
TaskRunFilterState = StateFilter
TaskRunFilterStateType = StateTypeFilter
TaskRunFilterStateName = StateNameFilter
TaskRunFilterStartTime = TimeFilter
TaskRunFilterExpectedStartTime = TimeFilter
TaskRunFilterSubFlowRuns = SubflowRunsFilter
TaskRunFilterFlowRunId = NullableIdFilter
LogFilterLevel = LevelFilter
LogFilterTimestamp = TimeFilter
LogFilterFlowRunId = IdFilter
LogFilterTaskRunId = NullableIdFilter


# -- paginate, history and bulk bodies ------------------------------------------------


class _PaginateBody(_RunFilterBody):
    # a page is chosen with `page`; an `offset` sent as well is ignored
    page: int = Field(default=1, ge=1)
    limit: int = Field(default=200, ge=1, le=1000)


class FlowPaginateRequest(_PaginateBody):
    """Body of `POST /flows/paginate`."""

    sort: FlowSort = FlowSort.NAME_ASC


class FlowRunPaginateRequest(_PaginateBody):
    """Body of `POST /flow_runs/paginate`."""

    sort: FlowRunSort = FlowRunSort.ID_DESC


class TaskRunPaginateRequest(_PaginateBody):
    """Body of `POST /task_runs/paginate`."""

    sort: TaskRunSort = TaskRunSort.ID_DESC


# A dashboard asks for tens of buckets; more than this is a mistake, not a chart.
MAX_HISTORY_INTERVALS = 500


class HistoryRequest(_DeploymentAndPoolFilters):
    """Body of `POST /flow_runs/history`: run counts per state in each time interval.

    Prefect 3 clients send `history_interval_seconds`; older ones `history_interval`
    (seconds or an ISO 8601 duration). Either is accepted. The queue filter is named
    `work_queues` here, as in Prefect's route, not `work_pool_queues`.
    """

    history_start: datetime
    history_end: datetime
    history_interval_seconds: timedelta = Field(
        validation_alias=AliasChoices("history_interval_seconds", "history_interval")
    )
    flows: FlowFilter | None = None
    flow_runs: FlowRunFilter | None = None
    task_runs: TaskRunFilter | None = None
    # a WorkQueueFilter
    work_queues: Any = None

    @field_validator("work_queues", mode="before")
    @classmethod
    def _work_queues(cls, value: Any) -> Any:
        return _related("work_pools", "WorkQueueFilter", value)

    @field_validator("history_start", "history_end")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        # a naive time is UTC, as everywhere on the wire; comparing it needs a zone
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)

    @model_validator(mode="after")
    def _bounded(self) -> HistoryRequest:
        if self.history_interval_seconds < timedelta(seconds=1):
            raise ValueError("history_interval_seconds must be at least 1 second")
        if self.history_end < self.history_start:
            raise ValueError("history_end must not be before history_start")
        if self.interval_count() > MAX_HISTORY_INTERVALS:
            raise ValueError(
                f"{self.interval_count()} intervals requested; at most "
                f"{MAX_HISTORY_INTERVALS}: use a longer interval or a shorter range"
            )
        return self

    def interval_count(self) -> int:
        span = self.history_end - self.history_start
        return -(-span // self.history_interval_seconds)  # ceiling division


# Prefect deletes at most this many runs per bulk request.
BULK_OPERATION_LIMIT = 200


class FlowRunBulkDeleteRequest(_RelatedFilters):
    """Body of `POST /flow_runs/bulk_delete`: the runs matching the filters, up to `limit`."""

    flows: FlowFilter | None = None
    flow_runs: FlowRunFilter | None = None
    task_runs: TaskRunFilter | None = None
    limit: int = Field(default=BULK_OPERATION_LIMIT, ge=1, le=BULK_OPERATION_LIMIT)


# later resources keep their models in modules of their own (see _elsewhere)
__getattr__ = _elsewhere.resolver("filters")
