"""Keeping `prefect --help` and `prefect version` fast: no pydantic for absent options.

typer (0.29+) coerces every parameter value through a pydantic `TypeAdapter`, built the
first time the parameter is processed, even when the value is absent (None). Building one
imports pydantic and scans the installed plugins' entry points: ~150 ms, more than the
whole budget of `prefect version`. Coercing None gives None anyway, so absent values skip
it here; a value that is given is still coerced by typer (and a command handling one
imports pydantic for the API's models in any case).
"""

from __future__ import annotations

from typing import Any


def skip_coercion_of_absent_values() -> None:
    try:
        from typer.core import _TyperParameter
    except ImportError:  # pragma: no cover - a typer without runtime coercion
        return
    typer_process_value = _TyperParameter.process_value
    if getattr(typer_process_value, "_lean", False):
        return

    def process_value(self: Any, ctx: Any, value: Any) -> Any:
        single = not (self.multiple or self.nargs == -1)
        if value is None and single and not self.required:
            # what typer's own coercion returns for None, without building the adapter
            return self.callback(ctx, self, None) if self.callback is not None else None
        return typer_process_value(self, ctx, value)

    process_value._lean = True  # type: ignore[attr-defined]
    _TyperParameter.process_value = process_value  # type: ignore[method-assign]
