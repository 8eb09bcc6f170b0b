"""Serializers for persisted results, with Prefect 3's names and types.

    from prefect.serializers import JSONSerializer, PickleSerializer

    @task(persist_result=True, result_serializer=JSONSerializer())  # or "json"
    def report() -> dict: ...

- `PickleSerializer` (type "pickle"): cloudpickle by default (`picklelib="pickle"` for the
  standard library's), base64 text, so a record stays a JSON document.
- `JSONSerializer` (type "json"): JSON text. Values JSON has no type for (datetimes,
  UUIDs, pydantic models, dataclasses, ...) are written as `{"__class__": "module.Name",
  "data": ...}` and rebuilt as that class on load, the layout Prefect 3's JSON serializer
  uses, so records written by either can be read by the other.

`dumps` returns bytes and `loads` takes bytes (or text), as Prefect's serializers do.
"""

from __future__ import annotations

import base64
import importlib
import json
from typing import Any, ClassVar

__all__ = ["JSONSerializer", "PickleSerializer", "Serializer", "resolve_serializer"]


class Serializer:
    """Base of serializers: a `type` name, `dumps` to bytes, `loads` from bytes."""

    type: ClassVar[str] = "base"

    def dumps(self, obj: Any) -> bytes:
        raise NotImplementedError

    def loads(self, blob: bytes | str) -> Any:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """What a result record's metadata says about this serializer."""
        return {"type": self.type}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Serializer) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(self.type)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class PickleSerializer(Serializer):
    """Pickle (cloudpickle by default, which also carries functions and classes defined in
    `__main__`), base64-encoded."""

    type: ClassVar[str] = "pickle"

    def __init__(self, picklelib: str = "cloudpickle") -> None:
        if picklelib not in ("cloudpickle", "pickle"):
            raise ValueError(f"picklelib must be 'cloudpickle' or 'pickle', not {picklelib!r}")
        self.picklelib = picklelib

    def dumps(self, obj: Any) -> bytes:
        lib: Any = importlib.import_module(self.picklelib)
        return base64.b64encode(lib.dumps(obj))

    def loads(self, blob: bytes | str) -> Any:
        import pickle

        # what cloudpickle wrote the standard unpickler reads (it imports cloudpickle's
        # helpers by name as needed)
        return pickle.loads(base64.b64decode(blob))


_CLASS_KEY = "__class__"


def _qualified_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _from_qualified_name(name: str) -> Any:
    # nested classes: walk down from the longest importable module prefix
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            obj = getattr(obj, part)
        return obj
    raise ImportError(f"Cannot import the class {name!r}")


def _encode(obj: Any) -> Any:
    """`json.dumps` fallback: an object JSON cannot hold, tagged with its class."""
    from pydantic_core import PydanticSerializationError, to_jsonable_python

    try:
        data = to_jsonable_python(obj)
    except PydanticSerializationError as exc:
        # json's own convention for "cannot serialize"
        raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable") from exc
    return {_CLASS_KEY: _qualified_name(type(obj)), "data": data}


def _decode(item: dict[str, Any]) -> Any:
    if _CLASS_KEY in item and "data" in item and len(item) == 2:
        from pydantic import TypeAdapter

        cls = _from_qualified_name(item[_CLASS_KEY])
        return TypeAdapter(cls).validate_python(item["data"])
    return item


class JSONSerializer(Serializer):
    """JSON text; other objects tagged with their class (see the module docstring)."""

    type: ClassVar[str] = "json"

    def __init__(
        self,
        dumps_kwargs: dict[str, Any] | None = None,
        loads_kwargs: dict[str, Any] | None = None,
    ) -> None:
        self.dumps_kwargs = dict(dumps_kwargs or {})
        self.loads_kwargs = dict(loads_kwargs or {})

    def dumps(self, obj: Any) -> bytes:
        return json.dumps(obj, default=_encode, **self.dumps_kwargs).encode()

    def loads(self, blob: bytes | str) -> Any:
        text = blob.decode() if isinstance(blob, bytes) else blob
        return json.loads(text, object_hook=_decode, **self.loads_kwargs)


_BY_TYPE: dict[str, type[Serializer]] = {
    "pickle": PickleSerializer,
    "cloudpickle": PickleSerializer,
    "json": JSONSerializer,
}


def resolve_serializer(value: Any) -> Serializer:
    """A serializer from a `result_serializer` option or a record's metadata: a
    `Serializer`, a type name ("pickle", "json"), a `{"type": ...}` mapping, or any
    object with a `type` attribute naming one (Prefect's own serializer models). None
    means pickle, Prefect's default."""
    if isinstance(value, Serializer):
        return value
    if value is None:
        return PickleSerializer()
    if isinstance(value, dict):
        name = value.get("type")
        if name == "pickle" and value.get("picklelib") == "pickle":
            return PickleSerializer(picklelib="pickle")
    elif isinstance(value, str):
        name = value
    else:
        name = getattr(value, "type", None)
    cls = _BY_TYPE.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ValueError(f"Unknown result serializer {value!r}; use 'pickle' or 'json'")
    return cls()
