"""prefect.engine.task_inputs: the fast binding of task calls, and input links."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from prefect.engine.task_inputs import CallShape, bind, call_arguments, link_input
from prefect.exceptions import ParameterTypeError
from prefect.schemas.objects import Constant, Parameter, TaskRunResult
from prefect.utilities.callables import bind_parameters, parameters_to_args_kwargs


def plain(a: int, b: str = "x", c: Any = None) -> None: ...


def star(a: int, *rest: int, key: str = "k", **more: Any) -> None: ...


def positional_only(a: int, /, b: int) -> None: ...


CALLS: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
    ((1,), {}),
    ((1, "y"), {}),
    ((1, "y", 3), {}),
    ((), {"a": 1}),
    ((1,), {"c": 5}),
    ((), {"c": 5, "a": 2, "b": "z"}),
]


@pytest.mark.parametrize(("args", "kwargs"), CALLS)
def test_fast_binding_matches_the_general_binder(
    args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    shape = CallShape.of(plain)
    assert shape is not None
    fast = shape.bind(args, kwargs)
    assert fast == bind_parameters(plain, args, kwargs)
    # and in the same order (task_inputs and the stored parameters keep it)
    assert fast is not None and list(fast) == list(bind_parameters(plain, args, kwargs))
    assert call_arguments(plain, shape, fast) == (
        parameters_to_args_kwargs(plain, fast)[0],
        {},
    )


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((), {}), ((1, 2, 3, 4), {}), ((1,), {"a": 2}), ((1,), {"zzz": 1}), ((), {"b": "y"})],
)
def test_calls_that_do_not_fit_get_the_general_error(
    args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    shape = CallShape.of(plain)
    assert shape is not None
    assert shape.bind(args, kwargs) is None
    with pytest.raises(ParameterTypeError) as general:
        bind_parameters(plain, args, kwargs)
    with pytest.raises(ParameterTypeError) as ours:
        bind(plain, shape, args, kwargs)
    assert str(ours.value) == str(general.value)


@pytest.mark.parametrize("fn", [star, positional_only, print])
def test_other_signatures_use_the_general_binder(fn: Any) -> None:
    assert CallShape.of(fn) is None
    if fn is star:
        params = bind(star, None, (1, 2, 3), {"key": "v", "extra": 1})
        assert params == {"a": 1, "rest": (2, 3), "key": "v", "more": {"extra": 1}}
        assert call_arguments(star, None, params) == ((1, 2, 3), {"key": "v", "extra": 1})


def test_input_links() -> None:
    produced = ["a list another task returned"]
    run_id = uuid.uuid4()
    links: dict[int, tuple[Any, Any]] = {id(produced): (produced, run_id)}
    param = {"k": 1}
    assert link_input(produced, links, {}) == [TaskRunResult(id=run_id)]
    assert link_input(param, links, {"config": param}) == [Parameter(name="config")]
    assert link_input(3.5, links, {"config": param}) == [Constant(type="float")]
    # an equal but different object is not the one another run returned
    assert link_input(list(produced), links, {}) == [Constant(type="list")]
