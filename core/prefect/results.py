"""Persisted results: one record file per storage key in the result storage directory.

A record is JSON: `{"metadata": {"storage_key", "expiration", "serializer": {"type"},
"prefect_version"}, "result": ...}`, the result being base64 of its pickle (cloudpickle)
or, with the JSON serializer, its JSON text. Records are written to a temporary file and
renamed into place, so a reader in another process sees a whole record or none.

Reading a persisted result back through `State.result()` in another process (the state's
`data` pointing at its record, as in Prefect 3) is not done yet: `read_result_record`
still answers `MissingResult`.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from prefect._time import now
from prefect.exceptions import MissingResult

__all__ = [
    "NOT_FOUND",
    "ResultRecords",
    "read_result_record",
    "resolve_serializer",
]

NOT_FOUND: Any = object()


def read_result_record(data: Any) -> Any:
    """The value a state's `data` stands for, or `MissingResult` (the class) when none."""
    return MissingResult


class _Pickle:
    type = "pickle"

    def dumps(self, value: Any) -> str:
        import cloudpickle

        return base64.b64encode(cloudpickle.dumps(value)).decode()

    def loads(self, text: str) -> Any:
        import pickle

        return pickle.loads(base64.b64decode(text))


class _Json:
    type = "json"

    def dumps(self, value: Any) -> str:
        return json.dumps(value)

    def loads(self, text: str) -> Any:
        return json.loads(text)


def resolve_serializer(value: Any) -> Any:
    """A serializer from `result_serializer`: "pickle" (the default, by cloudpickle),
    "json", or an object whose `type` is one of those (as Prefect's serializer models)."""
    if value is not None and not isinstance(value, str):
        value = getattr(value, "type", value)
    if value is None or value in ("pickle", "cloudpickle"):
        return _Pickle()
    if value == "json":
        return _Json()
    raise ValueError(f"Unknown result serializer {value!r}; use 'pickle' or 'json'")


class ResultRecords:
    """Record files under `root` (a directory, created on first write)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser()

    def _path(self, key: str) -> Path:
        if not key or key.startswith(("/", "\\")) or ".." in Path(key).parts:
            raise ValueError(f"Result storage key {key!r} must be a relative path")
        return self.root / key

    def read(self, key: str) -> Any:
        """The recorded value under `key`, or NOT_FOUND (none, unreadable, or expired)."""
        path = self._path(key)
        try:
            record = json.loads(path.read_text())
            meta = record["metadata"]
            expiration = meta.get("expiration")
            if expiration is not None and datetime.fromisoformat(expiration) <= now():
                return NOT_FOUND
            serializer = resolve_serializer(meta.get("serializer", {}).get("type"))
            return serializer.loads(record["result"])
        except (OSError, ValueError, KeyError, TypeError):
            return NOT_FOUND
        except Exception:
            # a record this process cannot unpickle (a class gone, ...) is a miss
            return NOT_FOUND

    def write(
        self, key: str, value: Any, serializer: Any, expiration: timedelta | None = None
    ) -> Path:
        """Record `value` under `key` (replacing what was there)."""
        from prefect import __version__

        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        record = {
            "metadata": {
                "storage_key": str(path),
                "expiration": (now() + expiration).isoformat() if expiration else None,
                "serializer": {"type": getattr(serializer, "type", "custom")},
                "prefect_version": __version__,
            },
            "result": serializer.dumps(value),
        }
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w") as out:
                json.dump(record, out)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path
