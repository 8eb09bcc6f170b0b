"""Persisted results: result records in a storage block, referenced from states.

A record is one JSON document, as Prefect 3 writes it:

    {"metadata": {"storage_key": ..., "expiration": ..., "serializer": {"type": "pickle"},
                  "prefect_version": ..., "storage_block_id": ...},
     "result": "<the value, by the serializer: base64 pickle, or JSON text>"}

A run that persists its result sends the record's `metadata` as its final state's
`data`, so any process that reads the state from the API can load the value
(`State.result()` -> `load_result_from_metadata`). Where the record lives:

- storage with a saved block document (`storage_block_id` set): `storage_key` is the key
  within that block, and a reader loads the block by id to read it;
- storage without one (the default `PREFECT_RESULTS_LOCAL_STORAGE_PATH`, or an unsaved
  `LocalFileSystem`): `storage_key` is the record's absolute path.

`ResultStore` writes and reads records for a storage and serializer; the engine keeps one
per flow run and storage (see `prefect.engine.caching`).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prefect._time import now
from prefect.exceptions import MissingResult
from prefect.serializers import Serializer, resolve_serializer

if TYPE_CHECKING:
    from prefect.filesystems import WritableFileSystem

__all__ = [
    "NOT_FOUND",
    "ResultRecordMetadata",
    "ResultStore",
    "is_result_metadata",
    "load_result_from_metadata",
    "resolve_serializer",
    "resolve_storage",
]

NOT_FOUND: Any = object()

# a string in this form names a saved block ("local-file-system/my-results"), as in
# Prefect 3; any other string is a directory
_BLOCK_SLUG_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


def _is_block_slug(value: str) -> bool:
    slug, sep, name = value.partition("/")
    return bool(sep and slug and name) and set(slug) <= _BLOCK_SLUG_CHARS and "/" not in name


class ResultRecordMetadata:
    """Where a record is and how to read it: what a state's `data` carries."""

    __slots__ = ("expiration", "prefect_version", "serializer", "storage_block_id", "storage_key")

    def __init__(
        self,
        storage_key: str,
        serializer: Serializer,
        expiration: datetime | None = None,
        storage_block_id: uuid.UUID | None = None,
        prefect_version: str | None = None,
    ) -> None:
        from prefect import __version__

        self.storage_key = storage_key
        self.serializer = serializer
        self.expiration = expiration
        self.storage_block_id = storage_block_id
        self.prefect_version = prefect_version or __version__

    def to_dict(self) -> dict[str, Any]:
        return {
            "storage_key": self.storage_key,
            "expiration": self.expiration.isoformat() if self.expiration else None,
            "serializer": self.serializer.to_dict(),
            "prefect_version": self.prefect_version,
            "storage_block_id": str(self.storage_block_id) if self.storage_block_id else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ResultRecordMetadata:
        """From a state's `data` or a record's `metadata`; also Prefect 3.0's reference
        form (`{"type": "reference", "serializer_type": ..., ...}`)."""
        serializer = data.get("serializer")
        if serializer is None:
            serializer = data.get("serializer_type")
        expiration = data.get("expiration")
        block_id = data.get("storage_block_id")
        return cls(
            storage_key=str(data["storage_key"]),
            serializer=resolve_serializer(serializer),
            expiration=datetime.fromisoformat(expiration)
            if isinstance(expiration, str)
            else expiration,
            storage_block_id=uuid.UUID(str(block_id)) if block_id else None,
            prefect_version=data.get("prefect_version"),
        )


def is_result_metadata(data: Any) -> bool:
    """Whether a state's `data` references a persisted record."""
    return isinstance(data, dict) and isinstance(data.get("storage_key"), str)


def resolve_storage(value: Any) -> tuple[WritableFileSystem, uuid.UUID | None]:
    """The file system and block document id (None when unsaved) for a `result_storage`
    option: a storage block, a saved block's "slug/name", a directory (str or Path), or
    any object with a `basepath` (taken as a local directory)."""
    from prefect.filesystems import LocalFileSystem, WritableFileSystem

    if isinstance(value, WritableFileSystem):
        return value, value._block_document_id
    if isinstance(value, str) and _is_block_slug(value):
        from prefect.blocks.core import Block

        block = Block.load(value, _sync=True)
        if not isinstance(block, WritableFileSystem):
            raise TypeError(
                f"Result storage {value!r} is a {type(block).__name__}, not a file system"
            )
        return block, block._block_document_id
    if value is not None and not isinstance(value, str | Path):
        basepath = getattr(value, "basepath", None)
        if basepath is None:
            raise TypeError(f"result_storage must be a file system block or a path, not {value!r}")
        value = basepath
    return LocalFileSystem(basepath=value), None


def _check_key(key: str) -> str:
    if not key or key.startswith(("/", "\\")) or ".." in Path(key).parts:
        raise ValueError(f"Result storage key {key!r} must be a relative path")
    return key


class ResultStore:
    """Records in one storage, written with one serializer."""

    __slots__ = ("serializer", "storage", "storage_block_id")

    def __init__(
        self,
        storage: WritableFileSystem,
        serializer: Serializer,
        storage_block_id: uuid.UUID | None = None,
    ) -> None:
        self.storage = storage
        self.serializer = serializer
        self.storage_block_id = storage_block_id

    def _recorded_key(self, key: str) -> str:
        """The `storage_key` a record under `key` is known by (see the module docstring)."""
        if self.storage_block_id is not None:
            return key
        resolve = getattr(self.storage, "_resolve_path", None)
        return str(resolve(key)) if resolve is not None else key

    def write(
        self, key: str, value: Any, expiration: timedelta | None = None
    ) -> ResultRecordMetadata:
        """Record `value` under `key` (replacing what was there); its metadata."""
        _check_key(key)
        metadata = ResultRecordMetadata(
            storage_key=self._recorded_key(key),
            serializer=self.serializer,
            expiration=now() + expiration if expiration is not None else None,
            storage_block_id=self.storage_block_id,
        )
        self.storage.write_path(key, _record_bytes(metadata, value))
        return metadata

    def read(self, key: str) -> tuple[Any, ResultRecordMetadata] | Any:
        """`(value, metadata)` of the unexpired record under `key`, or NOT_FOUND (none,
        unreadable, or expired)."""
        _check_key(key)
        try:
            value, metadata = _parse_record(self.storage.read_path(key), self.serializer)
        except Exception:
            # no record, or one this process cannot read back (a class gone, ...): a miss
            return NOT_FOUND
        if metadata.expiration is not None and metadata.expiration <= now():
            return NOT_FOUND
        return value, metadata


def _record_bytes(metadata: ResultRecordMetadata, value: Any) -> bytes:
    blob = metadata.serializer.dumps(value)
    record = {"metadata": metadata.to_dict(), "result": blob.decode()}
    return json.dumps(record).encode()


def _parse_record(content: bytes, fallback: Serializer) -> tuple[Any, ResultRecordMetadata]:
    record = json.loads(content)
    meta = {"storage_key": "", "serializer": fallback, **(record.get("metadata") or {})}
    metadata = ResultRecordMetadata.from_dict(meta)
    return metadata.serializer.loads(record["result"]), metadata


def _storage_block(block_document_id: uuid.UUID) -> WritableFileSystem:
    # read each time: the document may have changed (a moved base path) since last time
    from prefect.filesystems import WritableFileSystem

    block = WritableFileSystem.load_by_id(block_document_id, _sync=True)
    if not isinstance(block, WritableFileSystem):
        raise TypeError(f"Block document {block_document_id} is not a file system")
    return block


def load_result_from_metadata(data: dict[str, Any]) -> Any:
    """The value of the record a state's `data` references, read from its storage.

    Raises `MissingResult` when the record cannot be read (deleted, its storage block
    gone, ...), naming where it was looked for.
    """
    metadata = ResultRecordMetadata.from_dict(data)
    key = metadata.storage_key
    try:
        if metadata.storage_block_id is not None:
            content = _storage_block(metadata.storage_block_id).read_path(key)
        else:
            path = Path(key).expanduser()
            if not path.is_absolute():
                from prefect.settings import get_current_settings

                path = Path(get_current_settings().results_local_storage_path) / path
            content = path.read_bytes()
    except Exception as exc:
        block_id = metadata.storage_block_id
        where = f"key {key!r} of block document {block_id}" if block_id else repr(key)
        raise MissingResult(f"The persisted result at {where} could not be read: {exc}") from exc
    value, _ = _parse_record(content, metadata.serializer)
    return value
