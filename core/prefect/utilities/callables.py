"""Binding call arguments to a function's parameters, and validating them with pydantic.

    >>> def f(x: int, y: str = "a") -> None: ...
    >>> validate_parameters(f, bind_parameters(f, ("3",), {}))
    {'x': 3, 'y': 'a'}

Validation builds a pydantic model from the signature once per function. Field names in
that model are positional (`p0`, `p1`, ...) with the parameter name as alias, so a parameter
called `json` or `schema` cannot clash with pydantic's own attributes.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from prefect.exceptions import ParameterTypeError

__all__ = [
    "bind_parameters",
    "call_with_parameters",
    "parameters_to_args_kwargs",
    "validate_parameters",
]


@lru_cache(maxsize=1024)
def _signature(fn: Callable[..., Any]) -> inspect.Signature:
    return inspect.signature(fn)


def bind_parameters(
    fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> dict[str, Any]:
    """The call's arguments by parameter name, defaults applied (`*args` -> tuple, etc.)."""
    try:
        bound = _signature(fn).bind(*args, **kwargs)
    except TypeError as exc:
        raise ParameterTypeError(f"Error binding parameters for {_name(fn)!r}: {exc}") from None
    bound.apply_defaults()
    return dict(bound.arguments)


def parameters_to_args_kwargs(
    fn: Callable[..., Any], parameters: dict[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Split a parameters dict back into the positional and keyword arguments of `fn`."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for name, param in _signature(fn).parameters.items():
        if name not in parameters:
            continue
        value = parameters[name]
        if param.kind is param.VAR_POSITIONAL:
            args.extend(value)
        elif param.kind is param.VAR_KEYWORD:
            kwargs.update(value)
        elif param.kind is param.KEYWORD_ONLY:
            kwargs[name] = value
        else:
            args.append(value)
    return tuple(args), kwargs


def call_with_parameters(fn: Callable[..., Any], parameters: dict[str, Any]) -> Any:
    args, kwargs = parameters_to_args_kwargs(fn, parameters)
    return fn(*args, **kwargs)


@lru_cache(maxsize=1024)
def _validator(fn: Callable[..., Any]) -> tuple[Any, dict[str, str]]:
    from pydantic import ConfigDict, Field, create_model

    fields: dict[str, Any] = {}
    names: dict[str, str] = {}
    hints = _type_hints(fn)
    for i, (name, param) in enumerate(_signature(fn).parameters.items()):
        annotation = hints.get(name, Any)
        if param.kind is param.VAR_POSITIONAL:
            annotation = tuple[annotation, ...]  # type: ignore[valid-type]
        elif param.kind is param.VAR_KEYWORD:
            annotation = dict[str, annotation]  # type: ignore[valid-type]
        default = ... if param.default is param.empty else param.default
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            default = () if param.kind is param.VAR_POSITIONAL else {}
        field = f"p{i}"
        fields[field] = (annotation, Field(default, alias=name))
        names[field] = name
    model = create_model(  # type: ignore[call-overload]
        f"{_name(fn)}_parameters",
        __config__=ConfigDict(arbitrary_types_allowed=True, populate_by_name=False),
        **fields,
    )
    return model, names


def validate_parameters(fn: Callable[..., Any], parameters: dict[str, Any]) -> dict[str, Any]:
    """`parameters` checked and coerced against `fn`'s annotations.

    Raises `ParameterTypeError` listing each invalid parameter.
    """
    from pydantic import ValidationError

    model, names = _validator(fn)
    try:
        validated = model.model_validate(parameters)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            lines.append(f" - {loc}: {err['msg']}")
        raise ParameterTypeError(
            "Flow run received invalid parameters:\n" + "\n".join(lines)
        ) from None
    return {names[f]: getattr(validated, f) for f in names if names[f] in parameters}


def _type_hints(fn: Callable[..., Any]) -> dict[str, Any]:
    """Annotations resolved (they are strings under `from __future__ import annotations`);
    one that cannot be resolved is not validated rather than failing the flow."""
    import typing

    try:
        return typing.get_type_hints(fn, include_extras=True)
    except Exception:
        hints: dict[str, Any] = {}
        for name, param in _signature(fn).parameters.items():
            if param.annotation is param.empty:
                continue
            if isinstance(param.annotation, str):
                try:
                    hints[name] = typing.get_type_hints(
                        _Probe(param.annotation, fn), include_extras=True
                    )["x"]
                except Exception:
                    continue
            else:
                hints[name] = param.annotation
        return hints


class _Probe:
    """Something `get_type_hints` resolves one annotation string on, in `fn`'s globals."""

    def __init__(self, annotation: str, fn: Callable[..., Any]) -> None:
        self.__annotations__ = {"x": annotation}
        self.__globals__ = getattr(fn, "__globals__", {})
        self.__module__ = getattr(fn, "__module__", "")


def _name(fn: Callable[..., Any]) -> str:
    return str(getattr(fn, "__qualname__", None) or getattr(fn, "__name__", repr(fn)))
