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

# per class: static defaults, default factories, required field names, private defaults
_Plan = tuple[dict[str, Any], list[tuple[str, Any]], list[str], dict[str, Any]]
_plans: dict[type[BaseModel], _Plan] = {}


def _plan(cls: type[BaseModel]) -> _Plan:
    plan = _plans.get(cls)
    if plan is None:
        static: dict[str, Any] = {}
        factories: list[tuple[str, Any]] = []
        required: list[str] = []
        for name, info in cls.model_fields.items():
            if info.default_factory is not None:
                factories.append((name, info.default_factory))
            elif info.default is PydanticUndefined:
                required.append(name)
            else:
                static[name] = info.default
        private = {
            name: attr.get_default()  # type: ignore[attr-defined]
            for name, attr in cls.__private_attributes__.items()
        }
        plan = _plans[cls] = (static, factories, required, private)
    return plan


def construct(cls: type[M], **values: Any) -> M:
    """An instance of `cls` from trusted `values`, defaults filled, no validation."""
    static, factories, required, private = _plan(cls)
    data = dict(static)
    data.update(values)
    for name, factory in factories:
        if name not in values:
            data[name] = factory()
    for name in required:
        if name not in values:
            raise TypeError(f"{cls.__name__}: missing required field {name!r}")
    obj = cls.__new__(cls)
    object.__setattr__(obj, "__dict__", data)
    object.__setattr__(obj, "__pydantic_fields_set__", set(values))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", dict(private))
    return obj


def new_state(
    type_: StateType,
    name: str,
    *,
    message: str | None = None,
    details: StateDetails | None = None,
) -> State:
    """A state stamped now, with a fresh id, for the engine to propose or report."""
    return construct(
        State,
        id=uuid.uuid4(),
        type=type_,
        name=name,
        timestamp=now(),
        message=message,
        state_details=details if details is not None else construct(StateDetails),
        data=None,
    )


def state_details(**values: Any) -> StateDetails:
    return construct(StateDetails, **values)
