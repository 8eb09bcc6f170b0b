"""Operations on artifacts: list (latest per key, or every version), inspect a key, delete,
and the artifacts of one flow run; and what an artifact's data means to a person.

Artifacts are published by flows (Prefect 3's `create_markdown_artifact`,
`create_table_artifact`, `create_link_artifact`, `create_progress_artifact`,
`create_image_artifact`); their `data` is shaped by their `type`:

- markdown: the text (a link artifact is markdown too: `[text](url)`)
- table: JSON text (or a JSON value) of a list of rows (dicts or lists) or a dict of columns
- progress: a number from 0 to 100
- image, link: a URL
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from prefect_console.ops.errors import ConsoleError, NotFound

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.artifacts import Artifact, ArtifactCollection

RUN_ARTIFACT_LIMIT = 200


async def list_artifacts(
    client: PrefectClient, *, limit: int = 100, all_versions: bool = False
) -> list[Artifact] | list[ArtifactCollection]:
    """The latest artifact of each key, by key; with `all_versions`, every artifact."""
    from prefect.schemas.artifacts import ArtifactCollectionSort, ArtifactSort

    if limit < 0:
        raise ConsoleError("--limit must be 0 or more", usage=True)
    if all_versions:
        return await client.read_artifacts(sort=ArtifactSort.KEY_ASC, limit=limit)
    return await client.read_latest_artifacts(sort=ArtifactCollectionSort.KEY_ASC, limit=limit)


async def inspect_artifact(client: PrefectClient, key: str, *, limit: int = 10) -> list[Artifact]:
    """The versions of `key`, most recently updated first."""
    from prefect.schemas.artifacts import ArtifactFilter, ArtifactFilterKey, ArtifactSort

    if limit < 0:
        raise ConsoleError("--limit must be 0 or more", usage=True)
    artifacts = await client.read_artifacts(
        artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
        sort=ArtifactSort.UPDATED_DESC,
        limit=limit,
    )
    if not artifacts:
        raise NotFound(f"Artifact {key!r} not found.")
    return artifacts


async def artifacts_with_key(client: PrefectClient, key: str) -> list[Artifact]:
    """Every version of `key` (what `artifact delete KEY` removes)."""
    from prefect.schemas.artifacts import ArtifactFilter, ArtifactFilterKey

    found: list[Artifact] = []
    while True:
        page = await client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
            limit=200,
            offset=len(found),
        )
        found.extend(page)
        if len(page) < 200:
            break
    if not found:
        raise NotFound(
            f"Artifact with key {key!r} not found. You can also specify an artifact id "
            "with the --id flag."
        )
    return found


async def read_artifact(client: PrefectClient, artifact_id: uuid.UUID) -> Artifact:
    from prefect.schemas.artifacts import ArtifactFilter, ArtifactFilterId

    found = await client.read_artifacts(
        artifact_filter=ArtifactFilter(id=ArtifactFilterId(any_=[artifact_id])), limit=1
    )
    if not found:
        raise NotFound(f"Artifact with id '{artifact_id}' not found.")
    return found[0]


async def delete_artifact(client: PrefectClient, artifact_id: uuid.UUID) -> None:
    from prefect.exceptions import ObjectNotFound

    try:
        await client.delete_artifact(artifact_id)
    except ObjectNotFound:
        raise NotFound(f"Artifact with id '{artifact_id}' not found.") from None


async def delete_artifacts_with_key(client: PrefectClient, key: str) -> int:
    """Delete every version of `key`; how many were deleted."""
    from prefect.exceptions import ObjectNotFound

    artifacts = await artifacts_with_key(client, key)
    deleted = 0
    for artifact in artifacts:
        try:
            await client.delete_artifact(artifact.id)
        except ObjectNotFound:  # deleted meanwhile: the outcome is the same
            continue
        deleted += 1
    return deleted


async def list_run_artifacts(
    client: PrefectClient, flow_run_id: uuid.UUID, *, limit: int = RUN_ARTIFACT_LIMIT
) -> list[Artifact]:
    """The artifacts a flow run (or its task runs) published, oldest first."""
    from prefect.schemas.artifacts import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactSort

    artifacts = await client.read_artifacts(
        artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])),
        sort=ArtifactSort.CREATED_DESC,
        limit=limit,
    )
    artifacts.reverse()
    return artifacts


# -- what the data means --------------------------------------------------------------------


@dataclass(frozen=True)
class TableData:
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)


def table_data(data: Any) -> TableData | None:
    """The rows of a table artifact, or None when `data` is not a table."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            return None
    if isinstance(data, dict):  # columns: {"name": [...], "rows": [...]}
        values = [v if isinstance(v, list) else [v] for v in data.values()]
        height = max((len(v) for v in values), default=0)
        rows = [[v[i] if i < len(v) else None for v in values] for i in range(height)]
        return TableData([str(name) for name in data], rows)
    if not isinstance(data, list):
        return None
    if all(isinstance(row, dict) for row in data):
        named = [{str(k): v for k, v in row.items()} for row in data]
        columns: list[str] = []
        for row in named:
            columns.extend(k for k in row if k not in columns)
        return TableData(columns, [[row.get(c) for c in columns] for row in named])
    if all(isinstance(row, list) for row in data):
        width = max((len(row) for row in data), default=0)
        return TableData(
            [str(i) for i in range(width)],
            [row + [None] * (width - len(row)) for row in data],
        )
    return None


def progress_value(data: Any) -> float | None:
    """A progress artifact's percentage (0-100), or None when `data` is not a number."""
    if isinstance(data, bool):
        return None
    if isinstance(data, str):
        try:
            data = float(data)
        except ValueError:
            return None
    if isinstance(data, int | float):
        return max(0.0, min(100.0, float(data)))
    return None


def link_of(data: Any) -> tuple[str, str] | None:
    """(text, url) of a link: a bare URL or a markdown `[text](url)`; None otherwise."""
    import re

    if not isinstance(data, str):
        return None
    text = data.strip()
    match = re.fullmatch(r"\[([^\]]*)\]\((\S+?)\)", text)
    if match:
        return match.group(1) or match.group(2), match.group(2)
    if re.fullmatch(r"[a-zA-Z][a-zA-Z0-9+.-]*://\S+", text):
        return text, text
    return None


def data_text(data: Any) -> str:
    """The data as text: strings as they are, anything else as indented JSON."""
    if isinstance(data, str):
        return data
    return json.dumps(data, indent=2, default=str)
