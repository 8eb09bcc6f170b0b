"""The public face of `prefect` changes only on purpose."""

from __future__ import annotations

import prefect
import pytest

EXPECTED = [
    "Flow",
    "PrefectFuture",
    "State",
    "Task",
    "__version__",
    "allow_failure",
    "flow",
    "get_client",
    "get_run_logger",
    "tags",
    "task",
    "unmapped",
]


def test_exported_names_are_the_expected_sorted_list() -> None:
    assert prefect.__all__ == EXPECTED


@pytest.mark.parametrize("name", [n for n in EXPECTED if n != "__version__"])
def test_every_exported_name_resolves(name: str) -> None:
    value = getattr(prefect, name)
    assert value is not None
    assert name in dir(prefect)


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        prefect.no_such_thing  # type: ignore[attr-defined]  # noqa: B018
