"""Cheap constructors for the wire models the engine builds on its hot path.

Pydantic's `model_construct` inspects every default factory's signature on each call,
which costs tens of microseconds per object; the engine builds three states and a task run
per task call. Values here come from the engine itself (already the right types), so
validation is skipped and instances are assembled directly from a per-class plan.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from prefect._time import now
from prefect.schemas.objects import State, StateDetails, StateType

M = TypeVar("M", bound=BaseModel)

_new = object.__new__
# BaseModel overrides __setattr__; its four slots are set as pydantic's own
# model_construct sets them
_set = object.__setattr__


class _Plan:
    """What an instance of a class needs besides the values given: static defaults,
    default factories, required field names, private attribute defaults."""

    __slots__ = ("factories", "private", "required", "static")

    def __init__(self, cls: type[BaseModel]) -> None:
        self.static: dict[str, Any] = {}
        self.factories: list[tuple[str, Any]] = []
        required: list[str] = []
        for name, info in cls.model_fields.items():
            if info.default_factory is not None:
                self.factories.append((name, info.default_factory))
            elif info.default is PydanticUndefined:
                required.append(name)
            else:
                self.static[name] = info.default
        self.required = frozenset(required)
        self.private: dict[str, Any] | None = {
            name: attr.get_default()  # type: ignore[attr-defined]
            for name, attr in cls.__private_attributes__.items()
        } or None


_plans: dict[type[BaseModel], _Plan] = {}


def _plan(cls: type[BaseModel]) -> _Plan:
    plan = _plans.get(cls)
    if plan is None:
        plan = _plans[cls] = _Plan(cls)
    return plan


def construct(cls: type[M], **values: Any) -> M:
    """An instance of `cls` from trusted `values`, defaults filled, no validation."""
    plan = _plans.get(cls) or _plan(cls)
    data = plan.static.copy()
    data.update(values)
    for name, factory in plan.factories:
        if name not in values:
            data[name] = factory()
    if plan.required and not plan.required <= values.keys():
        missing = sorted(plan.required - values.keys())
        raise TypeError(f"{cls.__name__}: missing required field {missing[0]!r}")
    obj = _new(cls)
    _set(obj, "__dict__", data)
    _set(obj, "__pydantic_fields_set__", set(values))
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None if plan.private is None else plan.private.copy())
    return obj


_DETAILS = _plan(StateDetails)
_STATE = _plan(State)
# the fields `new_state` sets (as `construct(State, ...)` with all of them would mark them)
_STATE_SET = frozenset(("id", "type", "name", "timestamp", "message", "state_details", "data"))
_uuid4 = uuid.uuid4


def state_details(**values: Any) -> StateDetails:
    data = _DETAILS.static.copy()
    data.update(values)
    obj = _new(StateDetails)
    _set(obj, "__dict__", data)
    _set(obj, "__pydantic_fields_set__", set(values))
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


def new_state(
    type_: StateType,
    name: str,
    *,
    message: str | None = None,
    details: StateDetails | None = None,
) -> State:
    """A state stamped now, with a fresh id, for the engine to propose or report."""
    obj = _new(State)
    _set(
        obj,
        "__dict__",
        {
            "id": _uuid4(),
            "created": None,
            "updated": None,
            "type": type_,
            "name": name,
            "timestamp": now(),
            "message": message,
            "state_details": details if details is not None else state_details(),
            "data": None,
        },
    )
    _set(obj, "__pydantic_fields_set__", set(_STATE_SET))
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", _STATE.private.copy() if _STATE.private else None)
    return obj
