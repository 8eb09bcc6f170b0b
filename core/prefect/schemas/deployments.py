"""Deployments and their schedules: objects, action bodies, filters and pages (Prefect 3 names).

A deployment names a flow (`flow_id`), how to get and run its code (`entrypoint`, `path`,
`pull_steps`, `job_variables`), where its runs wait (`work_pool_name`, `work_queue_name`),
default `parameters` (checked against `parameter_openapi_schema` when
`enforce_parameter_schema`) and `schedules`, from which the scheduler creates runs ahead.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field, model_validator

from prefect.schemas._base import ActionBaseModel, ObjectBaseModel, PrefectBaseModel
from prefect.schemas.actions import StateCreate
from prefect.schemas.filters import (
    BULK_OPERATION_LIMIT,
    FilterBase,
    FlowFilter,
    FlowRunFilter,
    OperatorFilter,
    TagsFilter,
    TaskRunFilter,
)
from prefect.schemas.objects import FlowRunPolicy
from prefect.schemas.schedules import SCHEDULE_TYPES
from prefect.schemas.work_pools import WorkPoolFilter, WorkQueueFilter

# Characters Prefect refuses in names: a deployment is also addressed as "flow/deployment".
_BANNED_CHARACTERS = ("/", "%", "&", ">", "<")


def _valid_name(name: str) -> str:
    if any(c in name for c in _BANNED_CHARACTERS):
        raise ValueError(
            f"Name {name!r} contains an invalid character. "
            f"Must not contain any of: {list(_BANNED_CHARACTERS)}."
        )
    return name


def _empty_schema() -> dict[str, Any]:
    return {"type": "object", "properties": {}}


DeploymentName = Annotated[str, Field(min_length=1), AfterValidator(_valid_name)]
PositiveInt = Annotated[int, Field(gt=0)]


class DeploymentStatus(enum.StrEnum):
    """READY while something polls for the deployment's runs (set by the foreman service)."""

    READY = "READY"
    NOT_READY = "NOT_READY"


class ConcurrencyLimitStrategy(enum.StrEnum):
    """What happens to a run that would exceed the deployment's concurrency limit."""

    ENQUEUE = "ENQUEUE"
    CANCEL_NEW = "CANCEL_NEW"


class ConcurrencyOptions(PrefectBaseModel):
    collision_strategy: ConcurrencyLimitStrategy = ConcurrencyLimitStrategy.ENQUEUE
    # how long a started run may hold its slot before its infrastructure must report in
    grace_period_seconds: int | None = Field(default=None, ge=60, le=86400)


# -- schedules -------------------------------------------------------------------------


class DeploymentSchedule(ObjectBaseModel):
    deployment_id: uuid.UUID | None = None
    schedule: SCHEDULE_TYPES
    active: bool = True
    max_scheduled_runs: PositiveInt | None = None
    # override the deployment's parameters for runs of this schedule
    parameters: dict[str, Any] = Field(default_factory=dict)
    # a name unique within the deployment, so that a redeploy updates this schedule
    slug: str | None = None


class DeploymentScheduleCreate(ActionBaseModel):
    schedule: SCHEDULE_TYPES
    active: bool = True
    max_scheduled_runs: PositiveInt | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    slug: str | None = None
    # the slug of an existing schedule that this one takes the place of
    replaces: str | None = None


class DeploymentScheduleUpdate(ActionBaseModel):
    schedule: SCHEDULE_TYPES | None = None
    active: bool | None = None
    max_scheduled_runs: PositiveInt | None = None
    parameters: dict[str, Any] | None = None
    slug: str | None = None


# -- deployments ----------------------------------------------------------------------


class Deployment(ObjectBaseModel):
    """A deployment as the API returns it (Prefect's `DeploymentResponse`)."""

    name: str
    version: str | None = None
    description: str | None = None
    flow_id: uuid.UUID
    paused: bool = False
    status: DeploymentStatus | None = DeploymentStatus.NOT_READY
    schedules: list[DeploymentSchedule] = Field(default_factory=list)
    concurrency_limit: int | None = None
    # the global concurrency limit that enforces `concurrency_limit`, when one exists
    global_concurrency_limit: dict[str, Any] | None = None
    concurrency_options: ConcurrencyOptions | None = None
    job_variables: dict[str, Any] = Field(default_factory=dict)
    parameters: dict[str, Any] = Field(default_factory=dict)
    pull_steps: list[dict[str, Any]] | None = None
    tags: list[str] = Field(default_factory=list)
    labels: dict[str, Any] = Field(default_factory=dict)
    work_queue_name: str | None = None
    work_queue_id: uuid.UUID | None = None
    work_pool_name: str | None = None
    last_polled: datetime | None = None
    parameter_openapi_schema: dict[str, Any] | None = None
    path: str | None = None
    entrypoint: str | None = None
    storage_document_id: uuid.UUID | None = None
    infrastructure_document_id: uuid.UUID | None = None
    created_by: dict[str, Any] | None = None
    updated_by: dict[str, Any] | None = None
    enforce_parameter_schema: bool = True


DeploymentResponse = Deployment


class DeploymentCreate(ActionBaseModel):
    """Body of `POST /deployments/`: created, or updated when the flow has one of this name."""

    name: DeploymentName
    flow_id: uuid.UUID
    paused: bool = False
    schedules: list[DeploymentScheduleCreate] = Field(default_factory=list)
    concurrency_limit: PositiveInt | None = None
    concurrency_options: ConcurrencyOptions | None = None
    global_concurrency_limit_id: uuid.UUID | None = None
    enforce_parameter_schema: bool = True
    # without one, an empty object schema: any parameters pass, as in Prefect
    parameter_openapi_schema: dict[str, Any] | None = Field(default_factory=_empty_schema)
    parameters: dict[str, Any] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
    labels: dict[str, Any] = Field(default_factory=dict)
    pull_steps: list[dict[str, Any]] | None = None
    work_queue_name: str | None = None
    work_pool_name: str | None = None
    storage_document_id: uuid.UUID | None = None
    infrastructure_document_id: uuid.UUID | None = None
    description: str | None = None
    path: str | None = None
    version: str | None = None
    entrypoint: str | None = None
    job_variables: dict[str, Any] = Field(default_factory=dict)
    version_info: dict[str, Any] | None = None


class DeploymentUpdate(ActionBaseModel):
    """Body of `PATCH /deployments/{id}`: the fields sent are changed.

    Null clears a field that may be empty (`description`, `concurrency_limit`, ...) and
    leaves the others (`parameters`, `tags`, `paused`, ...) as they are.

    `schedules`, when sent, is the whole new list: a schedule with the slug of an existing
    one updates it in place, the others are created, and schedules left out are deleted.
    """

    version: str | None = None
    description: str | None = None
    paused: bool | None = None
    schedules: list[DeploymentScheduleCreate] | None = None
    concurrency_limit: PositiveInt | None = None
    concurrency_options: ConcurrencyOptions | None = None
    global_concurrency_limit_id: uuid.UUID | None = None
    parameters: dict[str, Any] | None = None
    parameter_openapi_schema: dict[str, Any] | None = None
    tags: list[str] | None = None
    labels: dict[str, Any] | None = None
    work_queue_name: str | None = None
    work_pool_name: str | None = None
    path: str | None = None
    job_variables: dict[str, Any] | None = None
    entrypoint: str | None = None
    pull_steps: list[dict[str, Any]] | None = None
    storage_document_id: uuid.UUID | None = None
    infrastructure_document_id: uuid.UUID | None = None
    enforce_parameter_schema: bool | None = None
    version_info: dict[str, Any] | None = None


class DeploymentFlowRunCreate(ActionBaseModel):
    """Body of `POST /deployments/{id}/create_flow_run`.

    `parameters` are merged over the deployment's, `tags` and `labels` added to its; the
    run starts in `state` (default: Scheduled for now) in the deployment's work queue, or
    in `work_queue_name` of the deployment's pool.
    """

    name: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    enforce_parameter_schema: bool | None = None
    context: dict[str, Any] = Field(default_factory=dict)
    state: StateCreate | None = None
    tags: list[str] = Field(default_factory=list)
    labels: dict[str, Any] = Field(default_factory=dict)
    idempotency_key: str | None = None
    parent_task_run_id: uuid.UUID | None = None
    work_queue_name: str | None = None
    job_variables: dict[str, Any] | None = None
    infrastructure_document_id: uuid.UUID | None = None
    empirical_policy: FlowRunPolicy = Field(default_factory=FlowRunPolicy)


# -- filters and requests -------------------------------------------------------------


class DeploymentFilterId(FilterBase):
    any_: list[uuid.UUID] | None = None


class DeploymentFilterName(FilterBase):
    any_: list[str] | None = None
    like_: str | None = None


class DeploymentOrFlowNameFilter(FilterBase):
    # a substring of the deployment's name or of its flow's name
    like_: str | None = None


class DeploymentFilterPaused(FilterBase):
    eq_: bool | None = None


class DeploymentFilterWorkQueueName(FilterBase):
    any_: list[str] | None = None


class DeploymentFilterConcurrencyLimit(FilterBase):
    ge_: int | None = None
    le_: int | None = None
    is_null_: bool | None = None


DeploymentFilterTags = TagsFilter


class DeploymentFilter(OperatorFilter):
    id: DeploymentFilterId | None = None
    name: DeploymentFilterName | None = None
    flow_or_deployment_name: DeploymentOrFlowNameFilter | None = None
    paused: DeploymentFilterPaused | None = None
    tags: TagsFilter | None = None
    work_queue_name: DeploymentFilterWorkQueueName | None = None
    concurrency_limit: DeploymentFilterConcurrencyLimit | None = None


class DeploymentSort(enum.StrEnum):
    CREATED_DESC = "CREATED_DESC"
    UPDATED_DESC = "UPDATED_DESC"
    NAME_ASC = "NAME_ASC"
    NAME_DESC = "NAME_DESC"


class _NullMeansDefault(ActionBaseModel):
    # Prefect's clients send `"sort": null, "limit": null` for "the default"
    @model_validator(mode="before")
    @classmethod
    def _drop_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value is not None}
        return data


class DeploymentCountRequest(_NullMeansDefault):
    """Body of `POST /deployments/count` (and the filters of `/filter` and `/paginate`)."""

    flows: FlowFilter | None = None
    flow_runs: FlowRunFilter | None = None
    task_runs: TaskRunFilter | None = None
    deployments: DeploymentFilter | None = None
    work_pools: WorkPoolFilter | None = None
    work_pool_queues: WorkQueueFilter | None = None


class DeploymentFilterRequest(DeploymentCountRequest):
    """Body of `POST /deployments/filter`."""

    sort: DeploymentSort = DeploymentSort.NAME_ASC
    limit: int | None = Field(default=None, ge=0, le=1000)
    offset: int = Field(default=0, ge=0)


class DeploymentPaginateRequest(DeploymentCountRequest):
    """Body of `POST /deployments/paginate`."""

    sort: DeploymentSort = DeploymentSort.NAME_ASC
    page: int = Field(default=1, ge=1)
    limit: int = Field(default=200, ge=1, le=1000)


class DeploymentPaginationResponse(PrefectBaseModel):
    results: list[Deployment]
    count: int
    limit: int
    pages: int
    page: int


class DeploymentBulkDeleteRequest(_NullMeansDefault):
    """Body of `POST /deployments/bulk_delete`: deployments matching the filter, up to `limit`."""

    deployments: DeploymentFilter | None = None
    limit: int = Field(default=BULK_OPERATION_LIMIT, ge=1, le=BULK_OPERATION_LIMIT)


class DeploymentBulkDeleteResponse(PrefectBaseModel):
    deleted: list[uuid.UUID]


class GetScheduledFlowRunsForDeploymentsRequest(_NullMeansDefault):
    """Body of `POST /deployments/get_scheduled_flow_runs` (a runner polling its deployments)."""

    deployment_ids: list[uuid.UUID]
    scheduled_before: datetime | None = None
    limit: int | None = Field(default=None, ge=0, le=1000)


__all__ = [
    "ConcurrencyLimitStrategy",
    "ConcurrencyOptions",
    "Deployment",
    "DeploymentBulkDeleteRequest",
    "DeploymentBulkDeleteResponse",
    "DeploymentCountRequest",
    "DeploymentCreate",
    "DeploymentFilter",
    "DeploymentFilterConcurrencyLimit",
    "DeploymentFilterId",
    "DeploymentFilterName",
    "DeploymentFilterPaused",
    "DeploymentFilterRequest",
    "DeploymentFilterTags",
    "DeploymentFilterWorkQueueName",
    "DeploymentFlowRunCreate",
    "DeploymentOrFlowNameFilter",
    "DeploymentPaginateRequest",
    "DeploymentPaginationResponse",
    "DeploymentResponse",
    "DeploymentSchedule",
    "DeploymentScheduleCreate",
    "DeploymentScheduleUpdate",
    "DeploymentSort",
    "DeploymentStatus",
    "DeploymentUpdate",
    "GetScheduledFlowRunsForDeploymentsRequest",
]
