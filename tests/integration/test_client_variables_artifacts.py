"""The client's variable and artifact methods (Prefect 3 names), on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from prefect.client.orchestration import PrefectClient, get_client
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound, PrefectHTTPStatusError
from prefect.schemas.artifacts import (
    ArtifactCollectionFilter,
    ArtifactCollectionSort,
    ArtifactCreate,
    ArtifactFilter,
    ArtifactSort,
    ArtifactUpdate,
)
from prefect.schemas.filters import FlowRunFilter, TaskRunFilter
from prefect.schemas.variables import VariableCreate, VariableFilter, VariableSort, VariableUpdate
from pydantic import ValidationError


@pytest.fixture
async def client(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[PrefectClient]:
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", database_url)
    async with get_client() as c:
        yield c


async def test_variables(client: PrefectClient) -> None:
    created = await client.create_variable(
        VariableCreate(name="db_conf", value={"host": "db", "port": 5432}, tags=["prod"])
    )
    assert (created.name, created.value, created.tags) == (
        "db_conf",
        {"host": "db", "port": 5432},
        ["prod"],
    )
    await client.create_variable(VariableCreate(name="retries", value=3))
    await client.create_variable(VariableCreate(name="empty", value=None))
    with pytest.raises(ObjectAlreadyExists, match="db_conf"):
        await client.create_variable(VariableCreate(name="db_conf", value="again"))

    read = await client.read_variable_by_name("db_conf")
    assert read is not None and read.id == created.id and read.value["port"] == 5432
    assert await client.read_variable_by_name("missing") is None
    assert await client.read_variable_by_name("not/a/name") is None
    empty = await client.read_variable_by_name("empty")
    assert empty is not None and empty.value is None

    assert [v.name for v in await client.read_variables()] == ["db_conf", "empty", "retries"]
    assert [v.name for v in await client.read_variables(limit=1)] == ["db_conf"]
    tagged = await client.read_variables(
        variable_filter=VariableFilter.model_validate({"tags": {"all_": ["prod"]}}),
        sort=VariableSort.NAME_DESC,
    )
    assert [v.name for v in tagged] == ["db_conf"]

    await client.update_variable(VariableUpdate(name="retries", value=5))
    retries = await client.read_variable_by_name("retries")
    assert retries is not None and (retries.value, retries.tags) == (5, [])
    await client.update_variable(VariableUpdate(name="retries", tags=["ops"]))
    retries = await client.read_variable_by_name("retries")
    assert retries is not None and (retries.value, retries.tags) == (5, ["ops"])
    with pytest.raises(ObjectNotFound):
        await client.update_variable(VariableUpdate(name="missing", value=1))
    with pytest.raises(ValueError, match="name"):
        await client.update_variable(VariableUpdate(value=1))

    await client.delete_variable_by_name("retries")
    assert await client.read_variable_by_name("retries") is None
    with pytest.raises(ObjectNotFound):
        await client.delete_variable_by_name("retries")


def test_bad_variables_are_refused_before_sending() -> None:
    with pytest.raises(ValidationError, match="lowercase"):
        VariableCreate(name="Bad Name", value=1)
    with pytest.raises(ValidationError, match="5000"):
        VariableCreate(name="big", value="x" * 5001)
    with pytest.raises(ValidationError, match="lowercase letters, numbers, and dashes"):
        ArtifactCreate(key="Not_OK")


async def test_server_reasons_reach_the_caller(client: PrefectClient) -> None:
    # a body built by hand (as an older or foreign client would) is refused with the reason
    with pytest.raises(PrefectHTTPStatusError, match="lowercase") as caught:
        await client.request("POST", "/variables/", json={"name": "Bad", "value": 1})
    assert caught.value.status_code == 422


async def test_artifacts(client: PrefectClient) -> None:
    run = await client.create_flow_run(_Named("etl"), name="run-a")
    other = await client.create_flow_run(_Named("etl"), name="run-b")
    task = await client.create_task_run(
        _Named("load"), flow_run_id=run.id, dynamic_key="0", name="load-0"
    )

    first = await client.create_artifact(
        ArtifactCreate(key="report", type="markdown", data="# v1", flow_run_id=run.id)
    )
    second = await client.create_artifact(
        ArtifactCreate(
            key="report",
            type="markdown",
            data="# v2",
            description="daily",
            flow_run_id=run.id,
            task_run_id=task.id,
            metadata_={"rows": "2"},
        )
    )
    table = await client.create_artifact(
        ArtifactCreate(key="stock", type="table", data=[{"a": 1}], flow_run_id=other.id)
    )
    loose = await client.create_artifact(ArtifactCreate(type="link", data="https://example.org"))
    assert second.metadata_ == {"rows": "2"} and loose.key is None

    everything = await client.read_artifacts()
    assert {a.id for a in everything} == {first.id, second.id, table.id, loose.id}
    newest = await client.read_artifacts(sort=ArtifactSort.CREATED_DESC, limit=2, offset=1)
    assert [a.id for a in newest] == [table.id, second.id]
    reports = await client.read_artifacts(
        artifact_filter=ArtifactFilter.model_validate({"key": {"any_": ["report"]}}),
        sort=ArtifactSort.CREATED_DESC,
    )
    assert [a.id for a in reports] == [second.id, first.id]
    by_run = await client.read_artifacts(
        flow_run_filter=FlowRunFilter.model_validate({"name": {"any_": ["run-b"]}})
    )
    assert [a.id for a in by_run] == [table.id]
    by_task = await client.read_artifacts(
        task_run_filter=TaskRunFilter.model_validate({"id": {"any_": [str(task.id)]}})
    )
    assert [a.id for a in by_task] == [second.id]

    latest = await client.read_latest_artifacts(sort=ArtifactCollectionSort.KEY_ASC)
    assert [(c.key, c.latest_id, c.data) for c in latest] == [
        ("report", second.id, "# v2"),
        ("stock", table.id, [{"a": 1}]),
    ]
    only_tables = await client.read_latest_artifacts(
        artifact_filter=ArtifactCollectionFilter.model_validate({"type": {"any_": ["table"]}})
    )
    assert [c.key for c in only_tables] == ["stock"]

    await client.update_artifact(second.id, ArtifactUpdate(data="# v2, fixed"))
    [report] = await client.read_latest_artifacts(
        artifact_filter=ArtifactCollectionFilter.model_validate({"key": {"any_": ["report"]}})
    )
    assert (report.data, report.description) == ("# v2, fixed", "daily")
    with pytest.raises(ObjectNotFound):
        await client.update_artifact(uuid.uuid4(), ArtifactUpdate(data=1))

    await client.delete_artifact(second.id)
    [report] = await client.read_latest_artifacts(
        artifact_filter=ArtifactCollectionFilter.model_validate({"key": {"any_": ["report"]}})
    )
    assert (report.latest_id, report.data) == (first.id, "# v1")
    with pytest.raises(ObjectNotFound):
        await client.delete_artifact(second.id)


class _Named:
    def __init__(self, name: str) -> None:
        self.name = name
        self.task_key = name
        self.version = None
        self.tags: list[str] = []


def test_sync_client(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", database_url)
    with get_client(sync_client=True) as client:
        client.create_variable(VariableCreate(name="sync_var", value=[1, 2]))
        variable = client.read_variable_by_name("sync_var")
        assert variable is not None and variable.value == [1, 2]
        artifact = client.create_artifact(ArtifactCreate(key="sync", data=1))
        assert [a.id for a in client.read_artifacts()] == [artifact.id]
        client.delete_artifact(artifact.id)
        client.delete_variable_by_name("sync_var")
        assert client.read_variables() == []
