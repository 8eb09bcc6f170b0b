"""Filter bodies for the `/filter` and `/count` routes, in Prefect 3's nested shape.

    {"flows": {...}, "flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}},
     "task_runs": {...}, "sort": "START_TIME_DESC", "limit": 50, "offset": 0}

Each filter is plain data; the server turns it into SQL (`prefect_server.database.filters`),
so the SDK never imports a database library.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal, TypeAlias

from pydantic import Field

from prefect.schemas._base import ActionBaseModel
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

# Filters on resources this server does not hold yet: Prefect clients send them as null,
# and anything else is refused (422) rather than silently ignored.
_Unsupported: TypeAlias = None


class _RunFilterBody(ActionBaseModel):
    flows: FlowFilter | None = None
    flow_runs: FlowRunFilter | None = None
    task_runs: TaskRunFilter | None = None
    deployments: _Unsupported = None
    work_pools: _Unsupported = None
    work_pool_queues: _Unsupported = None
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


class LogFilterRequest(ActionBaseModel):
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
