"""Keeping `prefect --help` and `prefect version` fast: no pydantic for absent options.

typer (0.29+) coerces every parameter value through a pydantic `TypeAdapter`, built the
first time the parameter is processed, even when the value is absent (None). Building one
imports pydantic and scans the installed plugins' entry points: ~150 ms, more than the
whole budget of `prefect version`. Coercing None gives None anyway, so absent values skip
it here, as do plain `str` values and in-range integers, whose coercion is a no-op or an
`int()`; anything else (enums, paths, out-of-range numbers) is still coerced by typer,
which also words the errors.
"""

from __future__ import annotations

from typing import Any

_COERCE = object()  # "let typer coerce this one"


def _lean_value(param: Any, value: Any) -> Any:
    """What typer's coercion would return for `value`, when that is plain; else _COERCE."""
    single = not (param.multiple or param.nargs == -1)
    if value is None:
        # typer turns an absent option into None, or () for a repeatable one
        return _COERCE if param.required else (None if single else ())
    descriptor = getattr(param, "type_descriptor", None)
    annotation = _unwrap_optional(getattr(descriptor, "annotation", None))
    if single and annotation in (int, float, str) and type(value) is annotation:
        return value  # a default of the annotated type
    if not single or not isinstance(value, str):
        return _COERCE
    if annotation is str:
        return value
    if annotation is int and value.strip().lstrip("+-").isdigit():
        number = int(value)
        info = getattr(descriptor, "parameter_info", None)
        low, high = getattr(info, "min", None), getattr(info, "max", None)
        if (low is None or number >= low) and (high is None or number <= high):
            return number
    # out of range or anything else: typer's own coercion, and its error message
    return _COERCE


def _unwrap_optional(annotation: Any) -> Any:
    import types

    if isinstance(annotation, types.UnionType):
        others = [arg for arg in annotation.__args__ if arg is not type(None)]
        if len(others) == 1:
            return others[0]
    return annotation


def skip_coercion_of_absent_values() -> None:
    try:
        from typer.core import _TyperParameter
    except ImportError:  # pragma: no cover - a typer without runtime coercion
        return
    typer_process_value = _TyperParameter.process_value
    if getattr(typer_process_value, "_lean", False):
        return

    def process_value(self: Any, ctx: Any, value: Any) -> Any:
        lean = _lean_value(self, value)
        if lean is _COERCE:
            return typer_process_value(self, ctx, value)
        return self.callback(ctx, self, lean) if self.callback is not None else lean

    process_value._lean = True  # type: ignore[attr-defined]
    _TyperParameter.process_value = process_value  # type: ignore[method-assign]
