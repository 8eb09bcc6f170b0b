"""Binding and validating arguments against a signature."""

from __future__ import annotations

from typing import Any

import pytest
from prefect.exceptions import ParameterTypeError
from prefect.utilities.callables import (
    bind_parameters,
    parameters_to_args_kwargs,
    validate_parameters,
)
from pydantic import BaseModel


def f(a: int, b: str = "x", *rest: int, key: bool = False, **extra: Any) -> None:
    pass


def test_bind_applies_defaults_and_collects_varargs() -> None:
    assert bind_parameters(f, (1, "y", 2, 3), {"key": True, "z": 9}) == {
        "a": 1,
        "b": "y",
        "rest": (2, 3),
        "key": True,
        "extra": {"z": 9},
    }


def test_bind_rejects_bad_calls() -> None:
    with pytest.raises(ParameterTypeError):
        bind_parameters(f, (), {})


def test_round_trip_to_args_kwargs() -> None:
    params = bind_parameters(f, (1, "y", 2, 3), {"key": True, "z": 9})
    assert parameters_to_args_kwargs(f, params) == ((1, "y", 2, 3), {"key": True, "z": 9})


class Point(BaseModel):
    x: int
    y: int


def g(n: int, p: Point, json: str = "j", anything=None) -> None:  # type: ignore[no-untyped-def]
    pass


def test_validation_coerces_types_and_models() -> None:
    out = validate_parameters(g, {"n": "5", "p": {"x": "1", "y": 2}, "json": "k"})
    assert out["n"] == 5 and out["p"] == Point(x=1, y=2) and out["json"] == "k"


def test_unannotated_parameters_pass_through() -> None:
    marker = object()
    assert (
        validate_parameters(g, {"n": 1, "p": Point(x=1, y=1), "anything": marker})["anything"]
        is marker
    )


def test_validation_error_names_each_parameter() -> None:
    with pytest.raises(ParameterTypeError) as info:
        validate_parameters(g, {"n": "x", "p": {"x": 1}})
    text = str(info.value)
    assert "n:" in text and "p.y" in text
