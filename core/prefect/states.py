"""State constructors and helpers, with Prefect 3's names.

    >>> from prefect.states import Completed, Failed
    >>> Completed(message="done").type
    <StateType.COMPLETED: 'COMPLETED'>

A state made here can carry a Python value (or an exception) in memory; `State.result()`
gives it back, raising the exception for failed states. A state read from the API gets
its value from the persisted result record its `data` references (`prefect.results`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from prefect._time import now
from prefect.exceptions import (
    CancelledRun,
    CrashedRun,
    FailedRun,
    MissingResult,
    UnfinishedRun,
)
from prefect.schemas.objects import TERMINAL_STATES, State, StateDetails, StateType

__all__ = [
    "TERMINAL_STATES",
    "AwaitingConcurrencySlot",
    "AwaitingRetry",
    "Cached",
    "Cancelled",
    "Cancelling",
    "Completed",
    "Crashed",
    "Failed",
    "InfrastructurePending",
    "Late",
    "Paused",
    "Pending",
    "Retrying",
    "Running",
    "Scheduled",
    "State",
    "StateType",
    "Submitting",
    "Suspended",
    "TimedOut",
    "get_state_result",
    "is_terminal",
    "raise_state_exception",
    "with_result",
]


def _make(
    type_: StateType,
    name: str,
    *,
    message: str | None = None,
    data: Any = None,
    state_details: StateDetails | None = None,
    **details: Any,
) -> State:
    sd = state_details.model_copy(update=details) if state_details else StateDetails(**details)
    return State(type=type_, name=name, message=message, data=data, state_details=sd)


def with_result(state: State, value: Any) -> State:
    """Attach an in-memory Python value (or exception) to a state and return it."""
    state._result = value
    state._has_result = True
    return state


def Scheduled(
    scheduled_time: datetime | None = None, *, name: str = "Scheduled", **kwargs: Any
) -> State:
    return _make(StateType.SCHEDULED, name, scheduled_time=scheduled_time or now(), **kwargs)


def Late(scheduled_time: datetime | None = None, **kwargs: Any) -> State:
    return Scheduled(scheduled_time, name="Late", **kwargs)


def AwaitingRetry(scheduled_time: datetime | None = None, **kwargs: Any) -> State:
    return Scheduled(scheduled_time, name="AwaitingRetry", **kwargs)


def AwaitingConcurrencySlot(scheduled_time: datetime | None = None, **kwargs: Any) -> State:
    return Scheduled(scheduled_time, name="AwaitingConcurrencySlot", **kwargs)


def Pending(*, name: str = "Pending", **kwargs: Any) -> State:
    return _make(StateType.PENDING, name, **kwargs)


def Submitting(**kwargs: Any) -> State:
    return Pending(name="Submitting", **kwargs)


def InfrastructurePending(**kwargs: Any) -> State:
    return Pending(name="InfrastructurePending", **kwargs)


def Running(*, name: str = "Running", **kwargs: Any) -> State:
    return _make(StateType.RUNNING, name, **kwargs)


def Retrying(**kwargs: Any) -> State:
    return Running(name="Retrying", **kwargs)


def Completed(*, name: str = "Completed", **kwargs: Any) -> State:
    return _make(StateType.COMPLETED, name, **kwargs)


def Cached(**kwargs: Any) -> State:
    return Completed(name="Cached", **kwargs)


def Failed(*, name: str = "Failed", **kwargs: Any) -> State:
    return _make(StateType.FAILED, name, **kwargs)


def TimedOut(**kwargs: Any) -> State:
    return Failed(name="TimedOut", **kwargs)


def Crashed(*, name: str = "Crashed", **kwargs: Any) -> State:
    return _make(StateType.CRASHED, name, **kwargs)


def Cancelling(*, name: str = "Cancelling", **kwargs: Any) -> State:
    return _make(StateType.CANCELLING, name, **kwargs)


def Cancelled(*, name: str = "Cancelled", **kwargs: Any) -> State:
    return _make(StateType.CANCELLED, name, **kwargs)


def Paused(timeout_seconds: float | None = None, *, name: str = "Paused", **kwargs: Any) -> State:
    if timeout_seconds is not None:
        from datetime import timedelta

        kwargs.setdefault("pause_timeout", now() + timedelta(seconds=timeout_seconds))
    return _make(StateType.PAUSED, name, **kwargs)


def Suspended(timeout_seconds: float | None = None, **kwargs: Any) -> State:
    return Paused(timeout_seconds, name="Suspended", pause_reschedule=True, **kwargs)


def is_terminal(state_type: StateType | None) -> bool:
    return state_type in TERMINAL_STATES


def raise_state_exception(state: State) -> None:
    """Raise the exception a failed, crashed or cancelled state stands for; else do nothing."""
    if not (state.is_failed() or state.is_crashed() or state.is_cancelled()):
        return
    value = state._result if state._has_result else _persisted_exception(state)
    if isinstance(value, BaseException):
        raise value
    if isinstance(value, State):
        raise_state_exception(value)
    if isinstance(value, list | tuple) and any(isinstance(v, State) for v in value):
        for item in value:
            if isinstance(item, State):
                raise_state_exception(item)
    message = state.message or f"Run is in {state.name} state."
    if state.is_crashed():
        raise CrashedRun(message)
    if state.is_cancelled():
        raise CancelledRun(message)
    raise FailedRun(message)


def get_state_result(state: State, raise_on_failure: bool = True) -> Any:
    """The value `state` carries: the one kept in memory by the process that ran it, else
    the persisted record its `data` references (read from storage, so a state read from
    the API in another process has a result), else `data` itself when it is a plain value.
    """
    if raise_on_failure and (state.is_failed() or state.is_crashed() or state.is_cancelled()):
        raise_state_exception(state)
    if state._has_result:
        return state._result
    if not state.is_final() and not state.is_paused():
        raise UnfinishedRun(f"Run is in {state.name} state; it has no result yet.")
    data = state.data
    if data is not None:
        from prefect.results import is_result_metadata, load_result_from_metadata

        return load_result_from_metadata(data) if is_result_metadata(data) else data
    raise MissingResult(
        f"State {state.name!r} has no data; the run's result was not persisted "
        "(use persist_result=True to read it from another process)."
    )


def _persisted_exception(state: State) -> Any:
    """The exception a failed run persisted (None when it persisted none or it cannot
    be read: the state's message is raised instead)."""
    data = state.data
    if data is None:
        return None
    from prefect.results import is_result_metadata, load_result_from_metadata

    if not is_result_metadata(data):
        return None
    try:
        value = load_result_from_metadata(data)
    except MissingResult:
        return None
    return value if isinstance(value, BaseException) else None


def new_transition_id() -> uuid.UUID:
    return uuid.uuid4()


def final_state_of(states: Iterable[State]) -> State | None:
    """The first failed-like state among `states`, else None."""
    for s in states:
        if s.is_failed() or s.is_crashed() or s.is_cancelled():
            return s
    return None
