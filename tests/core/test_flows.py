"""The @flow decorator and the Flow object (no store needed for these)."""

from __future__ import annotations

import pytest
from prefect import Flow, flow


def test_decorator_without_parentheses() -> None:
    @flow
    def my_flow_fn(x: int) -> int:
        """Doubles."""
        return 2 * x

    assert isinstance(my_flow_fn, Flow)
    assert my_flow_fn.name == "my-flow-fn"
    assert my_flow_fn.fn(2) == 4
    assert my_flow_fn.description == "Doubles."
    assert my_flow_fn.retries == 0
    assert my_flow_fn.should_validate_parameters is True
    assert not my_flow_fn.isasync


def test_decorator_with_options() -> None:
    @flow(
        name="etl",
        version="2",
        retries=3,
        retry_delay_seconds=1.5,
        log_prints=True,
        flow_run_name="etl-{day}",
        timeout_seconds=10,
        validate_parameters=False,
    )
    async def run(day: str) -> None:
        pass

    assert (run.name, run.version, run.retries, run.retry_delay_seconds) == ("etl", "2", 3, 1.5)
    assert run.log_prints is True
    assert run.isasync
    assert run.flow_run_name_for({"day": "mon"}) == "etl-mon"
    assert run.should_validate_parameters is False


def test_unsupported_options_are_kept_not_rejected() -> None:
    @flow(persist_result=True, task_runner=object())
    def f() -> None:
        pass

    assert f.unsupported_options["persist_result"] is True


def test_with_options_copies() -> None:
    @flow(retries=1)
    def f() -> None:
        pass

    g = f.with_options(name="other", retries=0, log_prints=False)
    assert (g.name, g.retries, g.log_prints) == ("other", 0, False)
    assert (f.name, f.retries, f.log_prints) == ("f", 1, None)
    assert g.fn is f.fn


def test_validate_parameters_coerces_and_rejects() -> None:
    from prefect.exceptions import ParameterTypeError

    @flow
    def f(x: int, y: float = 1.0) -> None:
        pass

    assert f.validate_parameters({"x": "3", "y": "2.5"}) == {"x": 3, "y": 2.5}
    with pytest.raises(ParameterTypeError, match="x"):
        f.validate_parameters({"x": "three"})


def test_flow_requires_callable() -> None:
    with pytest.raises(TypeError):
        Flow(3)  # type: ignore[arg-type]
