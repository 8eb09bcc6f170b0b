"""Run names from templates: `"{x}-report"` formatted with the call's parameters, or a callable.

>>> format_run_name("sum-{x}-{y}", {"x": 1, "y": 2})
'sum-1-2'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["format_run_name"]


def format_run_name(template: str | Callable[..., str], parameters: dict[str, Any]) -> str:
    """The run name for `template`: a format string over the parameters, or a callable.

    A callable is called with no arguments (Prefect 3 passes none; it can read
    `prefect.runtime`), or with the parameters as keywords if it accepts them.
    """
    if callable(template):
        import inspect

        takes_arguments = bool(inspect.signature(template).parameters)
        name = template(**parameters) if takes_arguments else template()
        if not isinstance(name, str):
            raise TypeError(
                f"Callable {template!r} for the run name must return a string, "
                f"got {type(name).__name__}"
            )
        return name
    if not isinstance(template, str):
        raise TypeError(f"Expected a string or callable for the run name, got {template!r}")
    try:
        return template.format(**parameters)
    except (KeyError, IndexError) as exc:
        raise ValueError(
            f"Run name template {template!r} refers to {exc}, which is not a parameter"
        ) from None
