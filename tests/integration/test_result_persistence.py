"""Persisted results read back in another process, as in Prefect 3: a flow script runs in
its own process, and this process reads the states it stored (SQLite and PostgreSQL) and
calls `.result()` on them, which reads the result records from storage.

Also: storage blocks (`LocalFileSystem`) saved and loaded by name, the JSON serializer's
files, `result_storage_key` templates, `cache_result_in_memory=False`, and the results
settings. Each test fails if the behaviour is absent: the values asserted are only
reachable through the records."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from prefect import flow, task
from prefect.exceptions import FailedRun, MissingResult
from prefect.filesystems import LocalFileSystem
from prefect.schemas.objects import FlowRun, StateType

from tests.integration._engine_helpers import Reader, reader, store  # noqa: F401


def _run_script(tmp_path: Path, store_url: str, code: str, **env: str) -> dict[str, str]:
    """Run `code` as a script in a new process on the store; its `KEY value` lines."""
    script = tmp_path / f"script_{uuid.uuid4().hex[:8]}.py"
    script.write_text(code)
    out = subprocess.run(
        [sys.executable, str(script)],
        env={**os.environ, "PREFECT_SERVER_DATABASE_CONNECTION_URL": store_url, **env},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    found = {}
    for line in out.stdout.splitlines():
        key, _, value = line.partition(" ")
        if key.isupper():
            found[key] = value
    return found


PERSISTED = """
from prefect import flow, task

@task
def square(x: int) -> int:
    return x * x

@flow(persist_result=True)
def persisted(n: int) -> dict:
    return {"squares": [square(i) for i in range(n)]}

@flow
def unpersisted() -> int:
    return 42

@flow(persist_result=True, retries=0)
def failing() -> None:
    raise ValueError("bad input 7")

print("PERSISTED", persisted(4, return_state=True).state_details.flow_run_id)
print("UNPERSISTED", unpersisted(return_state=True).state_details.flow_run_id)
print("FAILING", failing(return_state=True).state_details.flow_run_id)
"""


def test_results_of_another_process_are_read_from_storage(
    reader: Reader,  # noqa: F811
    store: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    storage = tmp_path / "storage"
    ids = _run_script(tmp_path, store, PERSISTED, PREFECT_RESULTS_LOCAL_STORAGE_PATH=str(storage))

    run = reader.flow_run(uuid.UUID(ids["PERSISTED"]))
    assert run.state is not None and run.state.type is StateType.COMPLETED
    data = run.state.data
    assert set(data) >= {"storage_key", "expiration", "serializer", "storage_block_id"}
    assert data["serializer"]["type"] == "pickle" and data["storage_block_id"] is None
    # the record sits under PREFECT_RESULTS_LOCAL_STORAGE_PATH of the process that wrote it
    assert Path(data["storage_key"]).parent == storage
    assert run.state.result() == {"squares": [0, 1, 4, 9]}

    # the flow's tasks persist too (the flow's persist_result reaches them)
    tasks = reader.task_runs(run.id)
    assert sorted(t.state.result() for t in tasks if t.state) == [0, 1, 4, 9]  # type: ignore[misc]
    # and the states listed for the run carry the same reference
    final = [s for s in reader.flow_run_states(run.id) if s.type is StateType.COMPLETED]
    assert final[-1].result() == {"squares": [0, 1, 4, 9]}

    # not persisted: a clear error, not None
    plain = reader.flow_run(uuid.UUID(ids["UNPERSISTED"]))
    assert plain.state is not None and plain.state.data is None
    with pytest.raises(MissingResult, match="not persisted"):
        plain.state.result()

    # a failed run that persisted its exception raises it again here
    failed = reader.flow_run(uuid.UUID(ids["FAILING"]))
    assert failed.state is not None and failed.state.type is StateType.FAILED
    with pytest.raises(ValueError, match="bad input 7"):
        failed.state.result()
    assert isinstance(failed.state.result(raise_on_failure=False), ValueError)

    # a deleted record: MissingResult naming where it was looked for
    Path(data["storage_key"]).unlink()
    with pytest.raises(MissingResult, match=data["storage_key"]):
        run.state.result()


BY_DEFAULT = """
from prefect import flow

@flow
def plain() -> list:
    return ["a", 1]

print("RUN", plain(return_state=True).state_details.flow_run_id)
"""


def test_persist_by_default_setting_persists_flow_results(
    reader: Reader,  # noqa: F811
    store: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    storage = tmp_path / "by-default"
    ids = _run_script(
        tmp_path,
        store,
        BY_DEFAULT,
        PREFECT_RESULTS_PERSIST_BY_DEFAULT="true",
        PREFECT_RESULTS_LOCAL_STORAGE_PATH=str(storage),
    )
    run = reader.flow_run(uuid.UUID(ids["RUN"]))
    assert run.state is not None
    assert run.state.result() == ["a", 1]
    assert [p.parent for p in storage.iterdir()] == [storage]


BLOCK_STORAGE = """
from prefect import flow, task
from prefect.filesystems import LocalFileSystem

@task(result_storage="local-file-system/shared-results", result_serializer="json",
      persist_result=True)
def report(region: str) -> dict:
    return {"region": region, "total": 12}

@flow(persist_result=True, result_storage="local-file-system/shared-results")
def nightly(region: str) -> str:
    return report(region)["region"].upper()

print("RUN", nightly("eu", return_state=True).state_details.flow_run_id)
"""


def test_saved_local_file_system_block_as_result_storage(
    reader: Reader,  # noqa: F811
    store: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    basepath = tmp_path / "block-storage"
    block_id = LocalFileSystem(basepath=basepath).save("shared-results")
    ids = _run_script(tmp_path, store, BLOCK_STORAGE)

    run = reader.flow_run(uuid.UUID(ids["RUN"]))
    assert run.state is not None
    data = run.state.data
    # a key within the block, and the block to read it from
    assert data["storage_block_id"] == str(block_id)
    assert not Path(data["storage_key"]).is_absolute()
    assert (basepath / data["storage_key"]).is_file()
    assert run.state.result() == "EU"

    [task_run] = reader.task_runs(run.id)
    assert task_run.state is not None
    assert task_run.state.data["serializer"]["type"] == "json"
    record = json.loads((basepath / task_run.state.data["storage_key"]).read_text())
    assert json.loads(record["result"]) == {"region": "eu", "total": 12}
    assert task_run.state.result() == {"region": "eu", "total": 12}

    # the block's folder moves: updating the document is what readers follow
    moved = tmp_path / "moved"
    basepath.rename(moved)
    with pytest.raises(MissingResult, match=str(block_id)):
        run.state.result()
    LocalFileSystem(basepath=moved).save("shared-results", overwrite=True)
    assert run.state.result() == "EU"


def test_block_save_load_and_names(store: str, tmp_path: Path) -> None:  # noqa: F811
    from prefect.blocks.core import Block

    fs = LocalFileSystem(basepath=str(tmp_path / "a"))
    first = fs.save("my-fs")
    assert fs._block_document_id == first
    loaded = LocalFileSystem.load("my-fs")
    assert isinstance(loaded, LocalFileSystem)
    assert loaded.basepath == str(tmp_path / "a") and loaded._block_document_id == first
    by_slug = Block.load("local-file-system/my-fs")
    assert isinstance(by_slug, LocalFileSystem) and by_slug.basepath == loaded.basepath
    with pytest.raises(ValueError, match="already exists"):
        LocalFileSystem(basepath="/elsewhere").save("my-fs")
    assert LocalFileSystem(basepath="/elsewhere").save("my-fs", overwrite=True) == first
    assert LocalFileSystem.load("my-fs").basepath == "/elsewhere"
    with pytest.raises(ValueError, match="Unable to find"):
        LocalFileSystem.load("missing")


async def test_block_spellings_in_async_code(store: str, tmp_path: Path) -> None:  # noqa: F811
    fs = LocalFileSystem(basepath=str(tmp_path))
    await fs.save("async-fs")  # a coroutine here, as in Prefect 3
    loaded = await LocalFileSystem.aload("async-fs")
    assert loaded.basepath == str(tmp_path)
    assert (await LocalFileSystem.load("async-fs")).basepath == str(tmp_path)


def test_flow_result_options_in_process(
    reader: Reader,  # noqa: F811
    tmp_path: Path,
) -> None:
    storage = LocalFileSystem(basepath=tmp_path / "flow-results")

    @flow(persist_result=True, result_storage=storage, result_serializer="json")
    def summary(n: int) -> dict[str, int]:
        return {"n": n}

    state = summary(5, return_state=True)
    run = reader.flow_run(state.state_details.flow_run_id)  # type: ignore[arg-type]
    assert run.state is not None
    key = Path(run.state.data["storage_key"])
    # an unsaved block: no id, so the key is the record's absolute path
    assert run.state.data["storage_block_id"] is None and key.parent == tmp_path / "flow-results"
    assert json.loads(json.loads(key.read_text())["result"]) == {"n": 5}
    assert run.state.result() == {"n": 5}


def test_result_storage_key_template(
    reader: Reader,  # noqa: F811
    tmp_path: Path,
) -> None:
    @task(
        persist_result=True,
        result_storage=LocalFileSystem(basepath=tmp_path),
        result_storage_key="{flow_run.name}/{task_run.name}-{parameters[x]}.pkl",
    )
    def double(x: int) -> int:
        return 2 * x

    @flow(flow_run_name="nightly-{day}")
    def pipeline(day: str) -> int:
        return double.with_options(task_run_name="dbl")(21)  # type: ignore[no-any-return]

    assert pipeline("mon") == 42
    record = tmp_path / "nightly-mon" / "dbl-21.pkl"
    assert record.is_file()
    [run] = reader.flow_runs()
    [task_run] = reader.task_runs(run.id)
    assert task_run.state is not None and task_run.state.data["storage_key"] == str(record)
    assert task_run.state.result() == 42


def test_cache_result_in_memory_false_reads_from_storage(
    reader: Reader,  # noqa: F811
    tmp_path: Path,
) -> None:
    seen: dict[str, Any] = {}

    @task(persist_result=True, cache_result_in_memory=False)
    def load(n: int) -> list[int]:
        return list(range(n))

    @flow(persist_result=True, cache_result_in_memory=False)
    def pipeline() -> int:
        state = load(3, return_state=True)
        seen["task_state"] = state
        seen["direct"] = load(2)  # the call itself still returns the value
        return 7

    flow_state = pipeline(return_state=True)
    task_state = seen["task_state"]
    assert seen["direct"] == [0, 1]
    for state, value in ((task_state, [0, 1, 2]), (flow_state, 7)):
        assert not state._has_result  # nothing kept in memory
        assert state.result() == value  # read from the record
        Path(state.data["storage_key"]).unlink()
        with pytest.raises(MissingResult):
            state.result()
    assert pipeline() == 7


def test_cache_result_in_memory_default_keeps_the_value(
    tmp_path: Path,
    store: str,  # noqa: F811
) -> None:
    @flow(persist_result=True)
    def pipeline() -> int:
        return 7

    state = pipeline(return_state=True)
    Path(state.data["storage_key"]).unlink()
    assert state.result() == 7  # from memory, storage untouched


def test_subflow_inherits_persistence(
    reader: Reader,  # noqa: F811
    tmp_path: Path,
) -> None:
    @flow
    def child() -> str:
        return "child-value"

    @flow(persist_result=True, result_storage=LocalFileSystem(basepath=tmp_path))
    def parent() -> str:
        return child()  # type: ignore[no-any-return]

    assert parent() == "child-value"
    runs = reader.flow_runs()
    child_run: FlowRun = next(r for r in runs if r.parent_task_run_id is not None)
    assert child_run.state is not None
    assert Path(child_run.state.data["storage_key"]).parent == tmp_path
    assert child_run.state.result() == "child-value"
    # the parent's task run standing for the subflow references the same record
    parent_run = next(r for r in runs if r.parent_task_run_id is None)
    [stand_in] = reader.task_runs(parent_run.id)
    assert stand_in.state is not None and stand_in.state.result() == "child-value"


def test_unpersisted_failure_read_elsewhere_raises_failed_run(
    reader: Reader,  # noqa: F811
) -> None:
    @flow
    def broken() -> None:
        raise RuntimeError("nope")

    broken(return_state=True)
    [run] = reader.flow_runs()
    assert run.state is not None
    with pytest.raises(FailedRun, match="nope"):
        run.state.result()
