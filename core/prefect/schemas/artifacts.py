"""Artifacts: what runs publish for people (tables, markdown, links, progress, images).

Every artifact is kept. Those with a `key` form a series, and the latest of each key is
also kept as an `ArtifactCollection` (read through `/artifacts/latest/filter` and
`/artifacts/{key}/latest`). A key holds lowercase letters, numbers and dashes; `type` is
free text ("markdown", "table", "link", "progress", "image", "result", ...).

    {"key": "daily-report", "type": "markdown", "data": "# Rows: 42",
     "description": "Today's load", "flow_run_id": "...", "metadata_": {"rows": "42"}}
"""

from __future__ import annotations

import enum
import re
import uuid
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from prefect.schemas._base import ActionBaseModel, ObjectBaseModel
from prefect.schemas._requests import NullMeansDefault
from prefect.schemas.filters import FlowFilter, FlowRunFilter, Operator, TaskRunFilter

# Prefect truncates longer metadata values (and marks the cut with "...") rather than
# refusing the artifact.
MAX_METADATA_VALUE_LENGTH = 500

_KEY = re.compile(r"[a-z0-9-]*")


def _check_key(value: str) -> str:
    if not _KEY.fullmatch(value):
        raise ValueError("Artifact key must only contain lowercase letters, numbers, and dashes.")
    return value


def _truncate_metadata(value: dict[str, str] | None) -> dict[str, str] | None:
    if value is None:
        return None
    return {
        key: text
        if len(text) <= MAX_METADATA_VALUE_LENGTH
        else text[:MAX_METADATA_VALUE_LENGTH] + "..."
        for key, text in value.items()
    }


ArtifactKey = Annotated[str, AfterValidator(_check_key)]
ArtifactMetadata = Annotated[dict[str, str] | None, AfterValidator(_truncate_metadata)]


class Artifact(ObjectBaseModel):
    key: str | None = None
    type: str | None = None
    description: str | None = None
    data: Any = None
    metadata_: dict[str, str] | None = None
    flow_run_id: uuid.UUID | None = None
    task_run_id: uuid.UUID | None = None


class ArtifactCollection(ObjectBaseModel):
    """The latest artifact of one key; `latest_id` is that artifact's id."""

    key: str
    latest_id: uuid.UUID
    type: str | None = None
    description: str | None = None
    data: Any = None
    metadata_: dict[str, str] | None = None
    flow_run_id: uuid.UUID | None = None
    task_run_id: uuid.UUID | None = None


class ArtifactCreate(ActionBaseModel):
    key: ArtifactKey | None = None
    type: str | None = None
    description: str | None = None
    data: Any = None
    metadata_: ArtifactMetadata = None
    flow_run_id: uuid.UUID | None = None
    task_run_id: uuid.UUID | None = None


class ArtifactUpdate(ActionBaseModel):
    """A partial update: only the fields sent change (key, type and runs never do)."""

    data: Any = None
    description: str | None = None
    metadata_: ArtifactMetadata = None


# -- filters ----------------------------------------------------------------------------


class ArtifactFilterId(ActionBaseModel):
    any_: list[uuid.UUID] | None = None


class ArtifactFilterKey(ActionBaseModel):
    any_: list[str] | None = None
    # case-insensitive substring match; `%` and `_` work as SQL wildcards, as in Prefect
    like_: str | None = None
    exists_: bool | None = None


class ArtifactFilterFlowRunId(ActionBaseModel):
    any_: list[uuid.UUID] | None = None


class ArtifactFilterTaskRunId(ActionBaseModel):
    any_: list[uuid.UUID] | None = None


class ArtifactFilterType(ActionBaseModel):
    any_: list[str] | None = None
    not_any_: list[str] | None = None


class ArtifactFilter(ActionBaseModel):
    operator: Operator = "and_"
    id: ArtifactFilterId | None = None
    key: ArtifactFilterKey | None = None
    flow_run_id: ArtifactFilterFlowRunId | None = None
    task_run_id: ArtifactFilterTaskRunId | None = None
    type: ArtifactFilterType | None = None


class ArtifactCollectionFilterLatestId(ActionBaseModel):
    any_: list[uuid.UUID] | None = None


ArtifactCollectionFilterKey = ArtifactFilterKey
ArtifactCollectionFilterFlowRunId = ArtifactFilterFlowRunId
ArtifactCollectionFilterTaskRunId = ArtifactFilterTaskRunId
ArtifactCollectionFilterType = ArtifactFilterType


class ArtifactCollectionFilter(ActionBaseModel):
    operator: Operator = "and_"
    latest_id: ArtifactCollectionFilterLatestId | None = None
    key: ArtifactFilterKey | None = None
    flow_run_id: ArtifactFilterFlowRunId | None = None
    task_run_id: ArtifactFilterTaskRunId | None = None
    type: ArtifactFilterType | None = None


class ArtifactSort(enum.StrEnum):
    CREATED_DESC = "CREATED_DESC"
    UPDATED_DESC = "UPDATED_DESC"
    ID_DESC = "ID_DESC"
    KEY_DESC = "KEY_DESC"
    KEY_ASC = "KEY_ASC"


class ArtifactCollectionSort(enum.StrEnum):
    CREATED_DESC = "CREATED_DESC"
    UPDATED_DESC = "UPDATED_DESC"
    ID_DESC = "ID_DESC"
    KEY_DESC = "KEY_DESC"
    KEY_ASC = "KEY_ASC"


# -- request bodies -------------------------------------------------------------------


class _RunFilters(NullMeansDefault):
    # an artifact matches these through its own flow run and task run
    flows: FlowFilter | None = None
    flow_runs: FlowRunFilter | None = None
    task_runs: TaskRunFilter | None = None
    # Prefect also filters on deployments; a non-null one is refused (422), not ignored
    deployments: None = None


class ArtifactFilterRequest(_RunFilters):
    """Body of `POST /artifacts/filter`."""

    artifacts: ArtifactFilter | None = None
    sort: ArtifactSort = ArtifactSort.ID_DESC
    limit: int | None = Field(default=None, ge=0, le=1000)
    offset: int = Field(default=0, ge=0)


class ArtifactCountRequest(_RunFilters):
    """Body of `POST /artifacts/count`."""

    artifacts: ArtifactFilter | None = None


class ArtifactCollectionFilterRequest(_RunFilters):
    """Body of `POST /artifacts/latest/filter`."""

    artifacts: ArtifactCollectionFilter | None = None
    sort: ArtifactCollectionSort = ArtifactCollectionSort.ID_DESC
    limit: int | None = Field(default=None, ge=0, le=1000)
    offset: int = Field(default=0, ge=0)


class ArtifactCollectionCountRequest(_RunFilters):
    """Body of `POST /artifacts/latest/count`."""

    artifacts: ArtifactCollectionFilter | None = None
