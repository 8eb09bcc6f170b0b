"""Binding call arguments to a function's parameters, and validating them with pydantic.

    >>> def f(x: int, y: str = "a") -> None: ...
    >>> validate_parameters(f, bind_parameters(f, ("3",), {}))
    {'x': 3, 'y': 'a'}

Validation builds a pydantic model from the signature once per function. Field names in
that model are positional (`p0`, `p1`, ...) with the parameter name as alias, so a parameter
called `json` or `schema` cannot clash with pydantic's own attributes.

`parameter_schema(fn)` describes the parameters as the JSON schema a deployment stores
(`parameter_schema`): one property per parameter with its `title`, `position`, type,
`default` and the `description` found in the docstring's `Args:` (Google) or `Parameters`
(NumPy) section; pydantic models and enums referenced under `definitions`.
"""

from __future__ import annotations

import inspect
import re
import warnings
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, Field

from prefect.exceptions import ParameterTypeError

__all__ = [
    "ParameterSchema",
    "bind_parameters",
    "call_with_parameters",
    "parameter_docstrings",
    "parameter_schema",
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


class ParameterSchema(BaseModel):
    """The JSON schema of a function's parameters (a deployment's `parameter_schema`)."""

    title: str = "Parameters"
    type: str = "object"
    properties: dict[str, Any] = Field(default_factory=dict)
    required: list[str] = Field(default_factory=list)
    definitions: dict[str, Any] = Field(default_factory=dict)

    def model_dump_for_openapi(self) -> dict[str, Any]:
        """The schema as sent to the API (a plain JSON-able dict)."""
        return self.model_dump(mode="json")


def parameter_schema(fn: Callable[..., Any]) -> ParameterSchema:
    """The JSON schema of `fn`'s parameters, as stored with a deployment.

        >>> def f(n: int, tag: str = "a") -> None: ...
        >>> parameter_schema(f).properties["tag"]
        {'default': 'a', 'position': 1, 'title': 'tag', 'type': 'string'}

    An annotation pydantic cannot describe (an arbitrary class) is described as "any
    value" rather than failing, so any flow can be deployed.
    """
    from pydantic import ConfigDict, TypeAdapter, create_model

    docs = parameter_docstrings(inspect.getdoc(fn))
    hints = _type_hints(fn)
    fields: dict[str, Any] = {}
    var_names: list[str] = []
    for i, (name, param) in enumerate(_signature(fn).parameters.items()):
        annotation = hints.get(name, Any)
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            var_names.append(name)
        if param.kind is param.VAR_POSITIONAL:
            annotation = list[annotation]  # type: ignore[valid-type]
        elif param.kind is param.VAR_KEYWORD:
            annotation = dict[str, annotation]  # type: ignore[valid-type]
        try:
            TypeAdapter(annotation).json_schema()
        except Exception:
            annotation = Any
        extra: dict[str, Any] = {"position": i}
        field_args: dict[str, Any] = {"alias": name, "title": name, "json_schema_extra": extra}
        if name in docs:
            field_args["description"] = docs[name]
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            # optional, with no default shown: a caller passes nothing for them by default
            default: Any = None
        elif param.default is param.empty:
            default = ...
        else:
            default = param.default
        fields[f"p{i}"] = (annotation, Field(default, **field_args))
    model = create_model(  # type: ignore[call-overload]
        "Parameters",
        __config__=ConfigDict(arbitrary_types_allowed=True),
        **fields,
    )
    with warnings.catch_warnings():
        # a default that is not JSON (an object) is left out of the schema, not an error
        warnings.simplefilter("ignore")
        raw = model.model_json_schema(by_alias=True, ref_template="#/definitions/{model}")
    properties: dict[str, Any] = raw.get("properties", {})
    for name in var_names:
        properties[name].pop("default", None)
    return ParameterSchema(
        properties=properties,
        required=list(raw.get("required", [])),
        definitions=dict(raw.get("$defs", {})),
    )


_GOOGLE_SECTION = re.compile(r"^(Args|Arguments|Parameters|Params|Keyword Args):\s*$")
_GOOGLE_ITEM = re.compile(r"^\*{0,2}(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")
_NUMPY_ITEM = re.compile(r"^\*{0,2}(\w+)\s*(?::.*)?$")


def parameter_docstrings(docstring: str | None) -> dict[str, str]:
    """Descriptions of parameters found in a Google (`Args:`) or NumPy (`Parameters`
    underlined) docstring section, by name."""
    if not docstring:
        return {}
    lines = inspect.cleandoc(docstring).splitlines()
    found: dict[str, str] = {}
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        if _GOOGLE_SECTION.match(line.strip()):
            i = _google_section(lines, i + 1, found)
            continue
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if line.strip() in {"Parameters", "Other Parameters"} and nxt and set(nxt) == {"-"}:
            i = _numpy_section(lines, i + 2, found)
            continue
        i += 1
    return found


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _google_section(lines: list[str], i: int, found: dict[str, str]) -> int:
    base: int | None = None
    name: str | None = None
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        indent = _indent(line)
        if base is None:
            base = indent
            if base == 0:
                return i
        if indent < base:
            return i
        match = _GOOGLE_ITEM.match(line.strip()) if indent == base else None
        if match:
            name = match.group(1)
            found[name] = match.group(2).strip()
        elif name is not None:
            found[name] = (found[name] + " " + line.strip()).strip()
        i += 1
    return i


def _numpy_section(lines: list[str], i: int, found: dict[str, str]) -> int:
    name: str | None = None
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if stripped and nxt and set(nxt) == {"-"} and _indent(line) == 0:
            return i  # the next section's title
        if stripped and _indent(line) == 0:
            match = _NUMPY_ITEM.match(stripped)
            name = match.group(1) if match else None
            if name is not None:
                found[name] = ""
        elif stripped and name is not None:
            found[name] = (found[name] + " " + stripped).strip()
        i += 1
    return i


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
