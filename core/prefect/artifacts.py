"""Artifacts: results a run publishes for people to read (markdown, tables, links, images,
progress), stored by the API and tied to the flow and task run that made them.

    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    @flow
    def report():
        create_markdown_artifact("# Done\\n12 rows", key="daily-report")
        create_table_artifact([{"id": 1, "ok": True}], key="rows", description="loaded")

Each function returns the new artifact's id. Like `Variable`, the plain names return a
coroutine when called from async code (an async flow or task, or a coroutine outside any
run); the `a`-prefixed names are always coroutines. A key, when given, may hold lowercase
letters, digits and dashes (others raise `pydantic.ValidationError` before sending).
"""

from __future__ import annotations

import json
import math
import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.artifacts import ArtifactCreate

__all__ = [
    "acreate_image_artifact",
    "acreate_link_artifact",
    "acreate_markdown_artifact",
    "acreate_progress_artifact",
    "acreate_table_artifact",
    "aupdate_progress_artifact",
    "create_image_artifact",
    "create_link_artifact",
    "create_markdown_artifact",
    "create_progress_artifact",
    "create_table_artifact",
    "update_progress_artifact",
]

TableData = dict[str, list[Any]] | list[dict[str, Any]] | list[list[Any]]


# -- what each kind stores ----------------------------------------------------------------------


def _run_ids() -> tuple[uuid.UUID | None, uuid.UUID | None]:
    from prefect.context import get_flow_run_context, get_task_run_context

    flow_ctx = get_flow_run_context()
    task_ctx = get_task_run_context()
    return (
        flow_ctx.flow_run.id if flow_ctx is not None else None,
        task_ctx.task_run.id if task_ctx is not None else None,
    )


def _artifact(type_: str, data: Any, key: str | None, description: str | None) -> ArtifactCreate:
    from prefect.schemas.artifacts import ArtifactCreate

    flow_run_id, task_run_id = _run_ids()
    return ArtifactCreate(
        key=key,
        type=type_,
        description=description,
        data=data,
        flow_run_id=flow_run_id,
        task_run_id=task_run_id,
    )


def _no_nan(value: Any) -> Any:
    # NaN is not JSON; a table read from pandas is full of them, and they mean "no value"
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_no_nan(v) for v in value]
    return value


def _table(table: TableData) -> str:
    if not isinstance(table, dict | list):
        raise TypeError(
            "A table artifact takes a dict of columns, a list of row dicts or a list of "
            f"row lists, not {type(table).__name__}"
        )
    return json.dumps(_no_nan(table))


def _link(link: str, link_text: str | None) -> str:
    return f"[{link_text}]({link})" if link_text else link


def _progress(progress: float) -> float:
    # a percentage from 0 to 100 by convention; Prefect does not refuse others, nor here
    value = float(progress)
    if math.isnan(value):
        raise ValueError("progress must be a number, not NaN")
    return value


# -- sending ----------------------------------------------------------------------------------


async def _create(client: PrefectClient, artifact: ArtifactCreate) -> uuid.UUID:
    created = await client.create_artifact(artifact)
    return created.id


async def _update_progress(
    client: PrefectClient, artifact_id: uuid.UUID, progress: float, description: str | None
) -> uuid.UUID:
    from prefect.schemas.artifacts import ArtifactUpdate

    fields: dict[str, Any] = {"data": progress}
    if description is not None:
        fields["description"] = description
    await client.update_artifact(artifact_id, ArtifactUpdate(**fields))
    return artifact_id


def _dispatch(sync: bool | None, artifact: ArtifactCreate) -> Any:
    from prefect.engine.user_api import call_async, call_sync
    from prefect.variables import in_async_context

    if sync is None:
        sync = not in_async_context()
    call = call_sync if sync else call_async
    return call(lambda client: _create(client, artifact))


async def _acreate(artifact: ArtifactCreate) -> uuid.UUID:
    from prefect.engine.user_api import call_async

    return await call_async(lambda client: _create(client, artifact))


# -- the public functions ---------------------------------------------------------------------


def create_markdown_artifact(
    markdown: str,
    key: str | None = None,
    description: str | None = None,
    _sync: bool | None = None,
) -> Any:
    """Publish `markdown`; returns the artifact id (a coroutine in async code)."""
    return _dispatch(_sync, _artifact("markdown", markdown, key, description))


async def acreate_markdown_artifact(
    markdown: str, key: str | None = None, description: str | None = None
) -> uuid.UUID:
    return await _acreate(_artifact("markdown", markdown, key, description))


def create_table_artifact(
    table: TableData,
    key: str | None = None,
    description: str | None = None,
    _sync: bool | None = None,
) -> Any:
    """Publish a table: a dict of columns, a list of row dicts or a list of row lists
    (NaN becomes null). Returns the artifact id (a coroutine in async code)."""
    return _dispatch(_sync, _artifact("table", _table(table), key, description))


async def acreate_table_artifact(
    table: TableData, key: str | None = None, description: str | None = None
) -> uuid.UUID:
    return await _acreate(_artifact("table", _table(table), key, description))


def create_link_artifact(
    link: str,
    link_text: str | None = None,
    key: str | None = None,
    description: str | None = None,
    _sync: bool | None = None,
) -> Any:
    """Publish a link, shown as `link_text` when given. Returns the artifact id."""
    return _dispatch(_sync, _artifact("markdown", _link(link, link_text), key, description))


async def acreate_link_artifact(
    link: str,
    link_text: str | None = None,
    key: str | None = None,
    description: str | None = None,
) -> uuid.UUID:
    return await _acreate(_artifact("markdown", _link(link, link_text), key, description))


def create_image_artifact(
    image_url: str,
    key: str | None = None,
    description: str | None = None,
    _sync: bool | None = None,
) -> Any:
    """Publish the image at `image_url`. Returns the artifact id."""
    return _dispatch(_sync, _artifact("image", image_url, key, description))


async def acreate_image_artifact(
    image_url: str, key: str | None = None, description: str | None = None
) -> uuid.UUID:
    return await _acreate(_artifact("image", image_url, key, description))


def create_progress_artifact(
    progress: float,
    key: str | None = None,
    description: str | None = None,
    _sync: bool | None = None,
) -> Any:
    """Publish a progress percentage (0-100); move it on with `update_progress_artifact`.
    Returns the artifact id."""
    return _dispatch(_sync, _artifact("progress", _progress(progress), key, description))


async def acreate_progress_artifact(
    progress: float, key: str | None = None, description: str | None = None
) -> uuid.UUID:
    return await _acreate(_artifact("progress", _progress(progress), key, description))


def update_progress_artifact(
    artifact_id: uuid.UUID,
    progress: float,
    description: str | None = None,
    _sync: bool | None = None,
) -> Any:
    """Set the progress of an artifact made by `create_progress_artifact`; returns its id."""
    from prefect.engine.user_api import call_async, call_sync
    from prefect.variables import in_async_context

    value = _progress(progress)
    if _sync is None:
        _sync = not in_async_context()
    call = call_sync if _sync else call_async
    return call(lambda client: _update_progress(client, artifact_id, value, description))


async def aupdate_progress_artifact(
    artifact_id: uuid.UUID, progress: float, description: str | None = None
) -> uuid.UUID:
    from prefect.engine.user_api import call_async

    value = _progress(progress)
    return await call_async(
        lambda client: _update_progress(client, artifact_id, value, description)
    )
