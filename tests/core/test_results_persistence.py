"""`prefect.results` and `prefect.filesystems` without a store: records written, read
back, referenced from a state's `data`; `LocalFileSystem` paths."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from prefect.exceptions import MissingResult
from prefect.filesystems import LocalFileSystem
from prefect.results import (
    NOT_FOUND,
    ResultStore,
    is_result_metadata,
    load_result_from_metadata,
    resolve_storage,
)
from prefect.serializers import JSONSerializer, PickleSerializer
from prefect.states import Completed, Failed


def test_local_file_system_reads_and_writes_under_its_base(tmp_path: Path) -> None:
    fs = LocalFileSystem(basepath=tmp_path)  # a Path is kept as text
    assert fs.basepath == str(tmp_path)
    written = fs.write_path("a/b.bin", b"hello")
    assert written == str(tmp_path / "a" / "b.bin")
    assert fs.read_path("a/b.bin") == b"hello"
    assert fs.read_path(written) == b"hello"  # an absolute path is read as given
    with pytest.raises(ValueError, match="does not exist"):
        fs.read_path("missing")
    with pytest.raises(ValueError, match="outside of the base path"):
        fs.write_path("../escape", b"x")
    with pytest.raises(ValueError, match="outside of the base path"):
        fs.write_path("/tmp/elsewhere", b"x")
    # no temporary files are left beside the record
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["b.bin"]


async def test_local_file_system_async_spellings(tmp_path: Path) -> None:
    fs = LocalFileSystem(basepath=str(tmp_path))
    await fs.awrite_path("x", b"1")
    assert await fs.aread_path("x") == b"1"


def test_record_layout_and_metadata(tmp_path: Path) -> None:
    store = ResultStore(LocalFileSystem(basepath=tmp_path), JSONSerializer())
    metadata = store.write("k.json", {"a": 1}, expiration=timedelta(hours=1))
    data = metadata.to_dict()
    assert data["storage_key"] == str(tmp_path / "k.json")
    assert data["serializer"] == {"type": "json"} and data["storage_block_id"] is None
    assert data["expiration"] is not None and data["prefect_version"]
    with (tmp_path / "k.json").open() as handle:
        record = json.load(handle)
    assert record["metadata"] == data
    assert json.loads(record["result"]) == {"a": 1}
    value, read_back = store.read("k.json")
    assert value == {"a": 1} and read_back.to_dict() == data
    assert is_result_metadata(data) and not is_result_metadata({"x": 1})


def test_expired_or_unreadable_records_are_misses(tmp_path: Path) -> None:
    store = ResultStore(LocalFileSystem(basepath=tmp_path), PickleSerializer())
    store.write("old", 1, expiration=timedelta(seconds=-1))
    assert store.read("old") is NOT_FOUND
    (tmp_path / "junk").write_text("not json")
    assert store.read("junk") is NOT_FOUND
    assert store.read("absent") is NOT_FOUND
    with pytest.raises(ValueError, match="relative path"):
        store.write("../up", 1)


def test_a_state_with_record_metadata_reads_its_value(tmp_path: Path) -> None:
    store = ResultStore(LocalFileSystem(basepath=tmp_path), PickleSerializer())
    data = store.write("r1", {"rows": [1, 2]}).to_dict()
    # as read from the API: no value in memory, only the reference
    state = Completed(data=data)
    assert state.result() == {"rows": [1, 2]}
    assert load_result_from_metadata(data) == {"rows": [1, 2]}

    failure = store.write("r2", KeyError("gone")).to_dict()
    with pytest.raises(KeyError, match="gone"):
        Failed(data=failure).result()

    Path(data["storage_key"]).unlink()
    with pytest.raises(MissingResult, match="could not be read"):
        state.result()
    with pytest.raises(MissingResult, match="not persisted"):
        Completed().result()
    # data that is no reference is the value itself, as Prefect 3 treats it
    assert Completed(data=[1, 2]).result() == [1, 2]


def test_relative_storage_key_without_block_is_under_the_storage_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREFECT_RESULTS_LOCAL_STORAGE_PATH", str(tmp_path))
    ResultStore(LocalFileSystem(basepath=tmp_path), PickleSerializer()).write("rel", 5)
    assert load_result_from_metadata({"storage_key": "rel", "serializer": {"type": "pickle"}}) == 5


def test_prefect_30_reference_form_is_read(tmp_path: Path) -> None:
    store = ResultStore(LocalFileSystem(basepath=tmp_path), PickleSerializer())
    key = store.write("ref", "v").storage_key
    reference = {"type": "reference", "serializer_type": "pickle", "storage_key": key}
    assert Completed(data=reference).result() == "v"


def test_resolve_storage_forms(tmp_path: Path) -> None:
    fs = LocalFileSystem(basepath=str(tmp_path))
    assert resolve_storage(fs) == (fs, None)
    for spec in (tmp_path, str(tmp_path)):
        found, block_id = resolve_storage(spec)
        assert isinstance(found, LocalFileSystem) and found.basepath == str(tmp_path)
        assert block_id is None

    class Legacy:
        basepath = str(tmp_path)

    assert resolve_storage(Legacy())[0].basepath == str(tmp_path)  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        resolve_storage(42)
