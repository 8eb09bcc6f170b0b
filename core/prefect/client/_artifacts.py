"""Artifact methods of the client (Prefect 3 names)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from prefect.client._base import BaseClient

if TYPE_CHECKING:
    from prefect.schemas.artifacts import (
        Artifact,
        ArtifactCollection,
        ArtifactCollectionFilter,
        ArtifactCollectionSort,
        ArtifactCreate,
        ArtifactFilter,
        ArtifactSort,
        ArtifactUpdate,
    )
    from prefect.schemas.filters import FlowRunFilter, TaskRunFilter


def _dump(model: Any) -> Any:
    return None if model is None else model.model_dump(mode="json", exclude_unset=True)


def _body(
    artifact_filter: Any,
    flow_run_filter: FlowRunFilter | None,
    task_run_filter: TaskRunFilter | None,
    sort: Any,
    limit: int | None,
    offset: int,
) -> dict[str, Any]:
    return {
        "artifacts": _dump(artifact_filter),
        "flow_runs": _dump(flow_run_filter),
        "task_runs": _dump(task_run_filter),
        "sort": sort.value if sort is not None else None,
        "limit": limit,
        "offset": offset,
    }


class ArtifactClientMixin(BaseClient):
    async def create_artifact(self, artifact: ArtifactCreate) -> Artifact:
        from prefect.schemas.artifacts import Artifact

        data = await self._post("/artifacts/", _dump(artifact))
        return Artifact.model_validate(data)

    async def update_artifact(self, artifact_id: uuid.UUID | str, artifact: ArtifactUpdate) -> None:
        """Change data, description or metadata; `ObjectNotFound` for an unknown id."""
        await self._patch(f"/artifacts/{artifact_id}", _dump(artifact))

    async def delete_artifact(self, artifact_id: uuid.UUID | str) -> None:
        """Delete one artifact; when it was its key's latest, the previous one becomes it."""
        await self._delete(f"/artifacts/{artifact_id}")

    async def read_artifacts(
        self,
        *,
        artifact_filter: ArtifactFilter | None = None,
        flow_run_filter: FlowRunFilter | None = None,
        task_run_filter: TaskRunFilter | None = None,
        sort: ArtifactSort | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Artifact]:
        from prefect.schemas.artifacts import Artifact

        body = _body(artifact_filter, flow_run_filter, task_run_filter, sort, limit, offset)
        return [Artifact.model_validate(a) for a in await self._post("/artifacts/filter", body)]

    async def read_latest_artifacts(
        self,
        *,
        artifact_filter: ArtifactCollectionFilter | None = None,
        flow_run_filter: FlowRunFilter | None = None,
        task_run_filter: TaskRunFilter | None = None,
        sort: ArtifactCollectionSort | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[ArtifactCollection]:
        """The latest artifact of each key (`latest_id` is that artifact's id)."""
        from prefect.schemas.artifacts import ArtifactCollection

        body = _body(artifact_filter, flow_run_filter, task_run_filter, sort, limit, offset)
        rows = await self._post("/artifacts/latest/filter", body)
        return [ArtifactCollection.model_validate(a) for a in rows]
