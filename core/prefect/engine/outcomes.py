"""From what a run did (returned a value, raised) to the state it ends in.

- A returned `State` is the run's final state.
- Returned futures and states (alone or in a list, tuple, set or dict values) decide by
  their own states: any failed one fails the run ("1/3 states failed.").
- Any other value: Completed, carrying the value (and, when the run persists its result,
  the record's metadata as `data`).
- An `Exception`: Failed, carrying the exception (so `State.result()` raises it again).
- `KeyboardInterrupt`, `SystemExit`, cancellation: Crashed; the engine re-raises them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from prefect.engine._models import new_state
from prefect.schemas.objects import State, StateDetails, StateType
from prefect.states import with_result

__all__ = ["crashed_state", "failed_state", "is_crash", "state_from_return"]


def _as_state(value: Any) -> State | None:
    if isinstance(value, State):
        return value
    from prefect.futures import PrefectFuture

    if isinstance(value, PrefectFuture):
        return value.wait_for_state()
    return None


def state_from_return(
    value: Any, details: StateDetails, record: Callable[[Any], Any] | None = None
) -> State:
    """The final state for a run that returned `value`.

    `record(value)`, when given, persists a plain returned value and answers what the
    Completed state's `data` holds (the record's metadata, or None). A returned state
    keeps its own `data`; futures and states in a collection are not persisted.
    """
    single = _as_state(value)
    if single is not None:
        state = single.fresh_copy(
            state_details=details.model_copy(
                update={"child_flow_run_id": single.state_details.child_flow_run_id}
            )
        )
        return with_result(state, single._result if single._has_result else None)

    items: list[Any] | None = None
    if isinstance(value, list | tuple | set | frozenset):
        items = list(value)
    elif isinstance(value, dict):
        items = list(value.values())
    if items:
        states = [s for s in map(_as_state, items) if s is not None]
        if states:
            bad = [s for s in states if s.is_failed() or s.is_crashed() or s.is_cancelled()]
            if bad:
                failed = new_state(
                    StateType.FAILED,
                    "Failed",
                    message=f"{len(bad)}/{len(states)} states failed.",
                    details=details,
                )
                return with_result(failed, bad[0]._result if bad[0]._has_result else value)
            unfinished = [s for s in states if not s.is_final()]
            if unfinished:
                message = f"{len(unfinished)}/{len(states)} states are not final."
            else:
                message = "All states completed."
            return with_result(
                new_state(StateType.COMPLETED, "Completed", message=message, details=details),
                value,
            )
    state = new_state(StateType.COMPLETED, "Completed", details=details)
    if record is not None:
        state.data = record(value)
    return with_result(state, value)


def failed_state(exc: BaseException, kind: str, details: StateDetails) -> State:
    message = f"{kind} run encountered an exception: {type(exc).__name__}: {exc}"
    name = "TimedOut" if isinstance(exc, TimeoutError) else "Failed"
    return with_result(new_state(StateType.FAILED, name, message=message, details=details), exc)


def is_crash(exc: BaseException) -> bool:
    """Exceptions that mean the run was interrupted rather than failed."""
    return not isinstance(exc, Exception) or isinstance(exc, asyncio.CancelledError)


def crashed_state(exc: BaseException, kind: str, details: StateDetails) -> State:
    if isinstance(exc, KeyboardInterrupt):
        message = f"{kind} run was interrupted (KeyboardInterrupt)."
    elif isinstance(exc, SystemExit):
        message = f"{kind} run was ended by SystemExit({exc.code!r})."
    elif isinstance(exc, asyncio.CancelledError):
        message = f"{kind} run was cancelled by its event loop."
    else:
        message = f"{kind} run crashed: {type(exc).__name__}: {exc}"
    return with_result(
        new_state(StateType.CRASHED, "Crashed", message=message, details=details), exc
    )
