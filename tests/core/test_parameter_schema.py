"""`parameter_schema(fn)` / `Flow.parameters`: the JSON schema a deployment stores."""

from __future__ import annotations

from enum import Enum
from typing import Any

import jsonschema
import pydantic
import pytest
from prefect import flow
from prefect.utilities.callables import ParameterSchema, parameter_docstrings, parameter_schema


class Color(Enum):
    RED = "red"
    BLUE = "blue"


class Point(pydantic.BaseModel):
    x: int
    color: Color = Color.RED


class Opaque:
    """A class pydantic cannot describe."""


def google(count: int, label: str = "a", point: Point | None = None, color: Color = Color.BLUE):  # type: ignore[no-untyped-def]
    """Do something.

    Args:
        count (int): how many
            times, at most.
        label: the label to use

    Returns:
        nothing
    """


def test_shape_types_defaults_positions_and_required() -> None:
    schema = parameter_schema(google)
    assert isinstance(schema, ParameterSchema)
    dumped = schema.model_dump()
    assert dumped["title"] == "Parameters" and dumped["type"] == "object"
    assert list(dumped["properties"]) == ["count", "label", "point", "color"]
    assert dumped["required"] == ["count"]
    assert dumped["properties"]["count"] == {
        "title": "count",
        "position": 0,
        "type": "integer",
        "description": "how many times, at most.",
    }
    assert dumped["properties"]["label"] == {
        "title": "label",
        "position": 1,
        "type": "string",
        "default": "a",
        "description": "the label to use",
    }
    assert dumped["properties"]["color"] == {
        "$ref": "#/definitions/Color",
        "default": "blue",
        "position": 3,
        "title": "color",
    }
    assert dumped["definitions"]["Color"]["enum"] == ["red", "blue"]
    assert dumped["definitions"]["Point"]["required"] == ["x"]
    assert dumped["properties"]["point"]["default"] is None


def test_the_schema_validates_parameters_as_a_deployment_would() -> None:
    schema = parameter_schema(google).model_dump_for_openapi()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate({"count": 3, "point": {"x": 1, "color": "blue"}}, schema)
    for bad in ({}, {"count": "three"}, {"count": 1, "color": "green"}, {"count": 1, "point": {}}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)


def test_variadic_untyped_and_undescribable_parameters() -> None:
    def fn(a, *args: int, schema: Opaque = Opaque(), json: dict[str, Any] | None = None, **kw: str):  # type: ignore[no-untyped-def]
        pass

    props = parameter_schema(fn).properties
    assert props["a"] == {"title": "a", "position": 0}
    assert props["args"] == {
        "title": "args",
        "position": 1,
        "type": "array",
        "items": {"type": "integer"},
    }
    # an arbitrary class: any value, and its default (not JSON) left out
    assert props["schema"] == {"title": "schema", "position": 2}
    assert props["json"]["default"] is None
    assert props["kw"]["type"] == "object" and "default" not in props["kw"]
    assert parameter_schema(fn).required == ["a"]


def test_numpy_docstrings() -> None:
    doc = """Summary.

    Parameters
    ----------
    x : int
        The x value,
        over two lines.
    y
        The y.

    Returns
    -------
    int
        not a parameter
    """
    assert parameter_docstrings(doc) == {"x": "The x value, over two lines.", "y": "The y."}
    assert parameter_docstrings(None) == {}
    assert parameter_docstrings("No sections here.") == {}


def test_flow_parameters_is_the_schema_of_its_function() -> None:
    @flow
    def etl(day: str, limit: int = 10) -> None:
        """Load a day.

        Args:
            day: which day
        """

    assert isinstance(etl.parameters, ParameterSchema)
    assert etl.parameters.required == ["day"]
    assert etl.parameters.properties["day"]["description"] == "which day"
    assert etl.parameters.properties["limit"] == {
        "title": "limit",
        "position": 1,
        "type": "integer",
        "default": 10,
    }
    assert etl.with_options(name="other").parameters == etl.parameters
