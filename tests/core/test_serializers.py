"""`prefect.serializers`: pickle (cloudpickle) and JSON, by object or by name."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from prefect.serializers import JSONSerializer, PickleSerializer, Serializer, resolve_serializer
from pydantic import BaseModel


class Point(BaseModel):
    x: int
    y: int


def test_pickle_round_trips_what_cloudpickle_carries() -> None:
    serializer = PickleSerializer()
    blob = serializer.dumps({"f": lambda v: v + 1, "when": datetime(2024, 1, 2, tzinfo=UTC)})
    assert isinstance(blob, bytes)
    blob.decode("ascii")  # base64 text, so a record stays a JSON document
    loaded = serializer.loads(blob)
    assert loaded["f"](1) == 2 and loaded["when"].year == 2024
    assert PickleSerializer(picklelib="pickle").loads(PickleSerializer().dumps([1, 2])) == [1, 2]
    with pytest.raises(ValueError, match="picklelib"):
        PickleSerializer(picklelib="dill")


def test_json_writes_plain_json_and_tags_other_types() -> None:
    serializer = JSONSerializer()
    assert json.loads(serializer.dumps({"a": [1, 2.5, None, "x"]})) == {"a": [1, 2.5, None, "x"]}
    value = {
        "id": uuid.UUID(int=5),
        "when": datetime(2024, 1, 2, 3, 4, tzinfo=UTC),
        "amount": Decimal("1.50"),
        "point": Point(x=1, y=2),
    }
    text = serializer.dumps(value)
    raw = json.loads(text)  # still JSON, readable by anything
    assert raw["point"] == {"__class__": f"{__name__}.Point", "data": {"x": 1, "y": 2}}
    assert raw["id"]["__class__"] == "uuid.UUID"
    assert serializer.loads(text) == value
    assert serializer.loads(text.decode()) == value
    with pytest.raises(TypeError):
        serializer.dumps(object())  # no JSON form: an error, not a silent repr


def test_resolve_serializer_accepts_names_objects_and_metadata() -> None:
    assert isinstance(resolve_serializer(None), PickleSerializer)
    assert isinstance(resolve_serializer("pickle"), PickleSerializer)
    assert isinstance(resolve_serializer("json"), JSONSerializer)
    assert isinstance(resolve_serializer({"type": "json", "jsonlib": "json"}), JSONSerializer)
    mine = JSONSerializer(dumps_kwargs={"sort_keys": True})
    assert resolve_serializer(mine) is mine

    class Named:
        type = "json"

    assert isinstance(resolve_serializer(Named()), JSONSerializer)
    with pytest.raises(ValueError, match="Unknown result serializer"):
        resolve_serializer("yaml")
    assert PickleSerializer().to_dict() == {"type": "pickle"}
    assert isinstance(JSONSerializer(), Serializer)
    assert JSONSerializer() == resolve_serializer("json") != PickleSerializer()
