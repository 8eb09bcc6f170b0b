"""Work pools, work queues and workers: objects, action bodies and filters (Prefect 3 names).

A work pool holds queues; a worker polls its pool for Scheduled runs of the pool's queues
(`POST /work_pools/{name}/get_scheduled_flow_runs`) and sends heartbeats. A flow run
belongs to a queue through its `work_queue_id`.
"""

from __future__ import annotations

import enum
import json
import re
import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field, field_validator

from prefect.schemas._base import ActionBaseModel, ObjectBaseModel, PrefectBaseModel
from prefect.schemas.filters import FilterBase, OperatorFilter
from prefect.schemas.objects import FlowRun

# -- names -------------------------------------------------------------------------------

# Characters Prefect refuses in object names (they break URLs and templates).
BANNED_CHARACTERS = ("/", "%", "&", ">", "<")
DEFAULT_AGENT_WORK_POOL_NAME = "default-agent-pool"


def _no_banned_characters(name: str) -> str:
    if any(c in name for c in BANNED_CHARACTERS):
        raise ValueError(
            f"Name {name!r} contains an invalid character. "
            f"Must not contain any of: {list(BANNED_CHARACTERS)}."
        )
    return name


def _not_blank(name: str) -> str:
    if not name.strip():
        raise ValueError("name must not be empty or whitespace")
    return _no_banned_characters(name)


Name = Annotated[str, AfterValidator(_no_banned_characters)]
NonEmptyishName = Annotated[str, AfterValidator(_not_blank)]
NonNegativeInteger = Annotated[int, Field(ge=0)]
PositiveInteger = Annotated[int, Field(gt=0)]


# -- statuses ----------------------------------------------------------------------------


class WorkPoolStatus(enum.StrEnum):
    READY = "READY"
    NOT_READY = "NOT_READY"
    PAUSED = "PAUSED"


class WorkQueueStatus(enum.StrEnum):
    READY = "READY"
    NOT_READY = "NOT_READY"
    PAUSED = "PAUSED"


class WorkerStatus(enum.StrEnum):
    ONLINE = "ONLINE"
    OFFLINE = "OFFLINE"


# -- base job templates ------------------------------------------------------------------

# `{{ name }}` placeholders; `prefect.*` (blocks, variables) and `$ENV` ones are filled in
# from elsewhere and need no declared variable.
_PLACEHOLDER = re.compile(r"{{\s*([\w.\-\[\]$]+)\s*}}")


def template_placeholders(value: Any) -> set[str]:
    """The names of the `{{ x }}` placeholders anywhere in `value` (any JSON document)."""
    found = set(_PLACEHOLDER.findall(json.dumps(value)))
    return {name for name in found if not name.startswith(("prefect.", "$"))}


def validate_base_job_template(template: dict[str, Any]) -> dict[str, Any]:
    """Prefect's shape: `{"job_configuration": {...}, "variables": {"properties": ...}}`.

    An empty template is allowed (a pool whose worker brings its own). Every placeholder in
    the job configuration must name a declared variable.
    """
    if not template:
        return template
    job_configuration = template.get("job_configuration")
    variables = template.get("variables")
    if not job_configuration or not variables:
        raise ValueError(
            "The `base_job_template` must contain both a `job_configuration` key"
            " and a `variables` key."
        )
    if not isinstance(job_configuration, dict) or not isinstance(variables, dict):
        raise ValueError("`job_configuration` and `variables` must be JSON objects.")
    properties = variables.get("properties", {})
    if not isinstance(properties, dict):
        raise ValueError("`variables.properties` must be a JSON object.")
    missing = template_placeholders(job_configuration) - set(properties)
    if missing:
        raise ValueError(
            "The variables specified in the job configuration template must be present"
            " as properties in the variables schema. Your job configuration uses the"
            f" following undeclared variable(s): {', '.join(sorted(missing))}."
        )
    return template


# -- objects -----------------------------------------------------------------------------


class WorkPoolStorageConfiguration(PrefectBaseModel):
    bundle_upload_step: dict[str, Any] | None = None
    bundle_execution_step: dict[str, Any] | None = None
    default_result_storage_block_id: uuid.UUID | None = None


class WorkPool(ObjectBaseModel):
    name: str
    description: str | None = None
    type: str
    base_job_template: dict[str, Any] = Field(default_factory=dict)
    is_paused: bool = False
    concurrency_limit: int | None = None
    status: WorkPoolStatus | None = None
    storage_configuration: WorkPoolStorageConfiguration = Field(
        default_factory=WorkPoolStorageConfiguration
    )
    default_queue_id: uuid.UUID | None = None

    @property
    def is_push_pool(self) -> bool:
        return self.type.endswith(":push")

    @property
    def is_managed_pool(self) -> bool:
        return self.type.endswith(":managed")


class WorkQueue(ObjectBaseModel):
    name: str
    description: str | None = ""
    is_paused: bool = False
    concurrency_limit: int | None = None
    priority: int = 1
    work_pool_id: uuid.UUID | None = None
    filter: Any = None
    last_polled: datetime | None = None
    status: WorkQueueStatus | None = None
    work_pool_name: str | None = None


class WorkQueueHealthPolicy(PrefectBaseModel):
    maximum_late_runs: int | None = 0
    maximum_seconds_since_last_polled: int | None = 60

    def evaluate_health_status(
        self, late_runs_count: int, last_polled: datetime | None, now: datetime
    ) -> bool:
        if self.maximum_late_runs is not None and late_runs_count > self.maximum_late_runs:
            return False
        if self.maximum_seconds_since_last_polled is not None:
            if last_polled is None:
                return False
            if (now - last_polled).total_seconds() > self.maximum_seconds_since_last_polled:
                return False
        return True


class WorkQueueStatusDetail(PrefectBaseModel):
    """`GET /work_queues/{id}/status`."""

    healthy: bool
    late_runs_count: int = 0
    last_polled: datetime | None = None
    health_check_policy: WorkQueueHealthPolicy


class Worker(ObjectBaseModel):
    name: str
    work_pool_id: uuid.UUID
    last_heartbeat_time: datetime | None = None
    heartbeat_interval_seconds: int | None = None
    status: WorkerStatus = WorkerStatus.OFFLINE


class WorkerFlowRunResponse(PrefectBaseModel):
    """One run of `POST /work_pools/{name}/get_scheduled_flow_runs`, with where it came from."""

    work_pool_id: uuid.UUID
    work_queue_id: uuid.UUID
    flow_run: FlowRun


# -- actions -----------------------------------------------------------------------------


class WorkPoolCreate(ActionBaseModel):
    name: NonEmptyishName
    description: str | None = None
    type: str = "prefect-agent"
    base_job_template: dict[str, Any] = Field(default_factory=dict)
    is_paused: bool = False
    concurrency_limit: NonNegativeInteger | None = None
    storage_configuration: WorkPoolStorageConfiguration = Field(
        default_factory=WorkPoolStorageConfiguration
    )

    _template = field_validator("base_job_template")(validate_base_job_template)


class WorkPoolUpdate(ActionBaseModel):
    """Body of `PATCH /work_pools/{name}`: only the fields sent change.

    `description` and `concurrency_limit` sent as null are cleared; null for the others
    leaves them as they are.
    """

    description: str | None = None
    is_paused: bool | None = None
    base_job_template: dict[str, Any] | None = None
    concurrency_limit: NonNegativeInteger | None = None
    storage_configuration: WorkPoolStorageConfiguration | None = None

    @field_validator("base_job_template")
    @classmethod
    def _template(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if value is None else validate_base_job_template(value)


class WorkQueueCreate(ActionBaseModel):
    name: Name = Field(min_length=1)
    description: str | None = ""
    is_paused: bool = False
    concurrency_limit: NonNegativeInteger | None = None
    priority: PositiveInteger | None = None
    # Prefect's deprecated tag filter; clients send it as null
    filter: None = None


class WorkQueueUpdate(ActionBaseModel):
    """Body of `PATCH` on a queue: only the fields sent change (null clears the limit)."""

    name: Name | None = None
    description: str | None = None
    is_paused: bool | None = None
    concurrency_limit: NonNegativeInteger | None = None
    priority: PositiveInteger | None = None
    last_polled: datetime | None = None
    filter: None = None


class WorkerHeartbeat(ActionBaseModel):
    """Body of `POST /work_pools/{name}/workers/heartbeat`."""

    name: str = Field(min_length=1)
    heartbeat_interval_seconds: int | None = Field(default=None, ge=0)
    # sent by newer Prefect clients; this server keeps neither
    metadata: dict[str, Any] | None = None
    return_id: bool = False


# -- filters -----------------------------------------------------------------------------


class WorkPoolFilterId(FilterBase):
    any_: list[uuid.UUID] | None = None


class WorkPoolFilterName(FilterBase):
    any_: list[str] | None = None


class WorkPoolFilterType(FilterBase):
    any_: list[str] | None = None


class WorkPoolFilter(OperatorFilter):
    id: WorkPoolFilterId | None = None
    name: WorkPoolFilterName | None = None
    type: WorkPoolFilterType | None = None


class WorkQueueFilterId(FilterBase):
    any_: list[uuid.UUID] | None = None


class WorkQueueFilterName(FilterBase):
    any_: list[str] | None = None
    # case-insensitive prefixes
    startswith_: list[str] | None = None


class WorkQueueFilter(OperatorFilter):
    id: WorkQueueFilterId | None = None
    name: WorkQueueFilterName | None = None


class WorkerFilterStatus(FilterBase):
    any_: list[WorkerStatus] | None = None
    not_any_: list[WorkerStatus] | None = None


class WorkerFilterLastHeartbeatTime(FilterBase):
    before_: datetime | None = None
    after_: datetime | None = None


class WorkerFilter(OperatorFilter):
    last_heartbeat_time: WorkerFilterLastHeartbeatTime | None = None
    status: WorkerFilterStatus | None = None


# -- request bodies ----------------------------------------------------------------------

# Prefect clients send `"limit": null` and `"offset": null` for "the default".
DEFAULT_LIMIT = 200
MAX_LIMIT = 1000
_Limit = Annotated[int | None, Field(default=None, ge=0, le=MAX_LIMIT)]
_Offset = Annotated[int | None, Field(default=None, ge=0)]


class _Page(ActionBaseModel):
    limit: _Limit = None
    offset: _Offset = None

    @property
    def limit_or_default(self) -> int:
        return DEFAULT_LIMIT if self.limit is None else self.limit

    @property
    def offset_or_zero(self) -> int:
        return self.offset or 0


class WorkPoolFilterRequest(_Page):
    """Body of `POST /work_pools/filter`."""

    work_pools: WorkPoolFilter | None = None


class WorkPoolCountRequest(ActionBaseModel):
    """Body of `POST /work_pools/count`."""

    work_pools: WorkPoolFilter | None = None


class WorkQueueFilterRequest(_Page):
    """Body of `POST /work_queues/filter` and `POST /work_pools/{name}/queues/filter`."""

    work_queues: WorkQueueFilter | None = None


class WorkerFilterRequest(_Page):
    """Body of `POST /work_pools/{name}/workers/filter`."""

    workers: WorkerFilter | None = None


# how long one long poll of a pool may wait for work (seconds)
MAX_POLL_WAIT = 300.0


class GetScheduledFlowRunsRequest(ActionBaseModel):
    """Body of `POST /work_pools/{name}/get_scheduled_flow_runs`.

    `wait_seconds` is this server's addition (Prefect's workers poll every 10 s): with
    nothing to start, the server holds the request until work arrives for the pool or a
    scheduled run falls due, at most that long. `scheduled_before` then moves with the
    clock, so a prefetch window stays as wide as the worker asked.
    """

    work_queue_names: list[str] | None = None
    scheduled_before: datetime | None = None
    scheduled_after: datetime | None = None
    limit: _Limit = None
    wait_seconds: float | None = Field(default=None, ge=0, le=MAX_POLL_WAIT)


class WorkQueueGetRunsRequest(ActionBaseModel):
    """Body of `POST /work_queues/{id}/get_runs`."""

    limit: _Limit = None
    scheduled_before: datetime | None = None
    # Prefect 2 agents identified themselves; nothing is recorded for them here
    agent_id: uuid.UUID | None = None


__all__ = [
    "BANNED_CHARACTERS",
    "DEFAULT_AGENT_WORK_POOL_NAME",
    "DEFAULT_LIMIT",
    "GetScheduledFlowRunsRequest",
    "Name",
    "NonEmptyishName",
    "WorkPool",
    "WorkPoolCountRequest",
    "WorkPoolCreate",
    "WorkPoolFilter",
    "WorkPoolFilterId",
    "WorkPoolFilterName",
    "WorkPoolFilterRequest",
    "WorkPoolFilterType",
    "WorkPoolStatus",
    "WorkPoolStorageConfiguration",
    "WorkPoolUpdate",
    "WorkQueue",
    "WorkQueueCreate",
    "WorkQueueFilter",
    "WorkQueueFilterId",
    "WorkQueueFilterName",
    "WorkQueueFilterRequest",
    "WorkQueueGetRunsRequest",
    "WorkQueueHealthPolicy",
    "WorkQueueStatus",
    "WorkQueueStatusDetail",
    "WorkQueueUpdate",
    "Worker",
    "WorkerFilter",
    "WorkerFilterLastHeartbeatTime",
    "WorkerFilterRequest",
    "WorkerFilterStatus",
    "WorkerFlowRunResponse",
    "WorkerHeartbeat",
    "WorkerStatus",
    "template_placeholders",
    "validate_base_job_template",
]
