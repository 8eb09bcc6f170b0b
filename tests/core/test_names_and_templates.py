from __future__ import annotations

import random

import pytest
from prefect.names import ADJECTIVES, ANIMALS, generate_run_name
from prefect.utilities.templating import format_run_name


def test_generated_names_are_adjective_animal() -> None:
    rng = random.Random(7)
    names = {generate_run_name(rng) for _ in range(50)}
    assert len(names) > 40
    for name in names:
        adjective, animal = name.split("-")
        assert adjective in ADJECTIVES and animal in ANIMALS


def test_template_formats_parameters() -> None:
    assert format_run_name("sum-{x}-{y}", {"x": 1, "y": "b"}) == "sum-1-b"


def test_template_with_unknown_name() -> None:
    with pytest.raises(ValueError, match="not a parameter"):
        format_run_name("{missing}", {})


def test_callable_templates() -> None:
    assert format_run_name(lambda: "fixed", {"x": 1}) == "fixed"
    assert format_run_name(lambda x: f"x={x}", {"x": 1}) == "x=1"
    with pytest.raises(TypeError):
        format_run_name(lambda: 3, {})  # type: ignore[arg-type, return-value]
