"""`prefect.artifacts` helpers publish artifacts tied to the run that made them (embedded
store, SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
import math
import uuid
from typing import Any

import pydantic
import pytest
from prefect import flow, task
from prefect.artifacts import (
    acreate_markdown_artifact,
    acreate_table_artifact,
    aupdate_progress_artifact,
    create_image_artifact,
    create_link_artifact,
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.schemas.artifacts import Artifact

from tests.integration._engine_helpers import Reader, reader, store  # noqa: F401


def _by_id(reader: Reader) -> dict[uuid.UUID, Artifact]:  # noqa: F811
    artifacts: list[Artifact] = reader.client.read_artifacts()
    return {a.id: a for a in artifacts}


def test_each_kind_from_a_flow_and_a_task(reader: Reader) -> None:  # noqa: F811
    @task
    def load() -> Any:
        return create_table_artifact(
            {"id": [1, 2], "score": [0.5, math.nan]}, key="scores", description="per row"
        )

    @flow
    def report() -> dict[str, Any]:
        progress = create_progress_artifact(10.0, key="progress")
        update_progress_artifact(progress, 75.0, description="most of it")
        return {
            "markdown": create_markdown_artifact("# Done", key="report", description="d"),
            "table": load(),
            "link": create_link_artifact("https://example.com/r", link_text="the report"),
            "bare_link": create_link_artifact("https://example.com/b"),
            "image": create_image_artifact("https://example.com/chart.png", key="chart"),
            "progress": progress,
        }

    ids = report()
    stored = _by_id(reader)
    [run] = reader.flow_runs()
    [task_run] = reader.task_runs(run.id)
    assert all(stored[i].flow_run_id == run.id for i in ids.values())

    md = stored[ids["markdown"]]
    assert (md.type, md.key, md.data, md.description) == ("markdown", "report", "# Done", "d")
    assert md.task_run_id is None

    table = stored[ids["table"]]
    assert (table.type, table.key, table.description) == ("table", "scores", "per row")
    assert json.loads(table.data) == {"id": [1, 2], "score": [0.5, None]}
    assert table.task_run_id == task_run.id

    assert stored[ids["link"]].type == "markdown"
    assert stored[ids["link"]].data == "[the report](https://example.com/r)"
    assert stored[ids["bare_link"]].data == "https://example.com/b"
    assert (stored[ids["image"]].type, stored[ids["image"]].data) == (
        "image",
        "https://example.com/chart.png",
    )
    progress = stored[ids["progress"]]
    assert progress.type == "progress"
    assert progress.data == 75.0 and progress.description == "most of it"


def test_outside_a_run_and_from_async_code(reader: Reader) -> None:  # noqa: F811
    plain = create_markdown_artifact("outside")

    async def script() -> list[uuid.UUID]:
        progress = await create_progress_artifact(1.0)  # a coroutine in async code
        await aupdate_progress_artifact(progress, 2.0)
        return [
            await acreate_markdown_artifact("async", key="async-md"),
            await acreate_table_artifact([[1, "a"], [2, "b"]]),
            progress,
        ]

    md, table, progress = asyncio.run(script())
    stored = _by_id(reader)
    assert stored[plain].flow_run_id is None and stored[plain].data == "outside"
    assert stored[md].key == "async-md"
    assert json.loads(stored[table].data) == [[1, "a"], [2, "b"]]
    assert stored[progress].data == 2.0


def test_bad_input_is_refused(store: str) -> None:  # noqa: F811
    with pytest.raises(pydantic.ValidationError, match="lowercase letters"):
        create_markdown_artifact("x", key="Not Valid")
    with pytest.raises(TypeError, match="table artifact"):
        create_table_artifact("not a table")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="NaN"):
        create_progress_artifact(math.nan)
