"""A task call's parameters: bound by name, futures and states resolved, inputs linked.

`bind` is `prefect.utilities.callables.bind_parameters` with a fast path: most task
functions take plain positional-or-keyword parameters, for which the call's arguments
map to names without `inspect.Signature.bind` (a fifth of a small task's bookkeeping).

`resolve_inputs` replaces futures and states by their results and records where each
argument came from (`task_inputs`): the very object another task run returned links to
that run (TaskRunResult), a flow parameter links as Parameter, anything else is a
Constant of its type name.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from prefect.engine._models import construct
from prefect.schemas.objects import Constant, Parameter, State, TaskRunResult
from prefect.states import get_state_result
from prefect.utilities.callables import bind_parameters, parameters_to_args_kwargs

if TYPE_CHECKING:
    from prefect.context import FlowRunContext

__all__ = [
    "CallShape",
    "bind",
    "call_arguments",
    "link_input",
    "link_result",
    "resolve_inputs",
]

_EMPTY = inspect.Parameter.empty


class CallShape:
    """The parameter names and defaults of a function whose parameters are all plain
    positional-or-keyword ones (no `*args`, `**kwargs`, positional- or keyword-only)."""

    __slots__ = ("defaults", "names")

    def __init__(self, names: tuple[str, ...], defaults: dict[str, Any]) -> None:
        self.names = names
        self.defaults = defaults

    @classmethod
    def of(cls, fn: Callable[..., Any]) -> CallShape | None:
        try:
            signature = inspect.signature(fn)
        except (TypeError, ValueError):
            return None
        names: list[str] = []
        defaults: dict[str, Any] = {}
        for name, param in signature.parameters.items():
            if param.kind is not param.POSITIONAL_OR_KEYWORD:
                return None
            names.append(name)
            if param.default is not _EMPTY:
                defaults[name] = param.default
        return cls(tuple(names), defaults)

    def bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any] | None:
        """The parameters by name, or None when the call needs the general binder
        (which also words the error for a call that does not fit)."""
        names = self.names
        if len(args) > len(names):
            return None
        bound = dict(zip(names, args, strict=False))
        if len(bound) == len(names) and not kwargs:
            return bound
        used = 0
        for name in names[len(args) :]:
            if name in kwargs:
                bound[name] = kwargs[name]
                used += 1
            elif name in self.defaults:
                bound[name] = self.defaults[name]
            else:
                return None
        if used != len(kwargs):
            return None  # an unknown keyword, or one that repeats a positional argument
        return bound


def bind(
    fn: Callable[..., Any], shape: CallShape | None, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> dict[str, Any]:
    if shape is not None:
        bound = shape.bind(args, kwargs)
        if bound is not None:
            return bound
    return bind_parameters(fn, args, kwargs)


def call_arguments(
    fn: Callable[..., Any], shape: CallShape | None, parameters: dict[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The positional and keyword arguments to call `fn` with."""
    if shape is not None:
        return tuple([parameters[name] for name in shape.names]), {}
    return parameters_to_args_kwargs(fn, parameters)


def resolve_inputs(
    flow_ctx: FlowRunContext, parameters: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """Parameters with futures/states replaced by their results, and the task_inputs links."""
    special = _special or _load_special()
    links = flow_ctx.result_links
    flow_params = flow_ctx.parameters
    inputs: dict[str, list[Any]] = {}
    resolved = parameters
    for name, value in parameters.items():
        if isinstance(value, special):
            from prefect.futures import PrefectFuture
            from prefect.utilities.annotations import BaseAnnotation, allow_failure, quote

            if resolved is parameters:
                resolved = dict(parameters)
            if isinstance(value, quote):
                resolved[name] = value.value
                inputs[name] = []
                continue
            allow = isinstance(value, allow_failure)
            inner = value.value if isinstance(value, BaseAnnotation) else value
            if isinstance(inner, PrefectFuture):
                state = inner.wait_for_state()
                inputs[name] = [construct(TaskRunResult, id=inner.task_run_id)]
            elif isinstance(inner, State):
                state = inner
                tr_id = inner.state_details.task_run_id
                inputs[name] = [construct(TaskRunResult, id=tr_id)] if tr_id else []
            else:
                resolved[name] = inner
                inputs[name] = link_input(inner, links, flow_params)
                continue
            if allow and (state.is_failed() or state.is_crashed()):
                resolved[name] = state._result  # the upstream's exception, as Prefect passes
            else:
                resolved[name] = get_state_result(state)
            continue
        inputs[name] = link_input(value, links, flow_params)
    return resolved, inputs


# (PrefectFuture, State, BaseAnnotation): arguments that are resolved, not passed as they are
_special: tuple[type, ...] | None = None


def _load_special() -> tuple[type, ...]:
    global _special
    from prefect.futures import PrefectFuture
    from prefect.utilities.annotations import BaseAnnotation

    _special = (PrefectFuture, State, BaseAnnotation)
    return _special


# one Constant per type name: inputs are read, never changed, and a task's arguments are
# mostly of a handful of types
_constants: dict[str, Constant] = {}


def link_input(
    value: Any, links: dict[int, tuple[Any, Any]], flow_params: dict[str, Any]
) -> list[Any]:
    hit = links.get(id(value))
    if hit is not None and hit[0] is value:
        return [construct(TaskRunResult, id=hit[1])]
    for param_name, param_value in flow_params.items():
        if param_value is value:
            return [construct(Parameter, name=param_name)]
    type_name = type(value).__name__
    constant = _constants.get(type_name)
    if constant is None:
        if len(_constants) > 1000:
            _constants.clear()  # names of throwaway classes must not pile up
        constant = _constants[type_name] = construct(Constant, type=type_name)
    return [constant]


def link_result(links: dict[int, tuple[Any, Any]], value: Any, run_id: Any) -> bool:
    """Remember that run `run_id` returned the object `value`, so that a later call
    receiving this very object links to the run; False for None and booleans, which too
    many runs return to tell apart. (Small integers are shared objects in CPython too, so
    a task given `range(10)`'s 4 links to a run that returned 4; Prefect 3 leaves -5..256
    unlinked. Kept as it is here: tests/integration/test_engine_flows.py links a 3.)"""
    if value is None or value is True or value is False:
        return False
    links[id(value)] = (value, run_id)
    return True
