"""Turning what an operator types (`--state late`, `--state COMPLETED`) into a state filter."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prefect_console.ops.errors import ConsoleError

if TYPE_CHECKING:
    from prefect.schemas.filters import StateFilter

# Prefect 3's state names, by the type they belong to.
STATE_NAMES: dict[str, tuple[str, ...]] = {
    "SCHEDULED": ("Scheduled", "Late", "AwaitingRetry", "AwaitingConcurrencySlot"),
    "PENDING": ("Pending", "Submitting", "InfrastructurePending", "NotReady"),
    "RUNNING": ("Running", "Retrying"),
    "COMPLETED": ("Completed", "Cached"),
    "FAILED": ("Failed", "TimedOut"),
    "CANCELLED": ("Cancelled",),
    "CRASHED": ("Crashed",),
    "PAUSED": ("Paused", "Suspended"),
    "CANCELLING": ("Cancelling",),
}
_BY_LOWER_NAME = {name.lower(): name for names in STATE_NAMES.values() for name in names}


def parse_states(values: list[str], types: list[str] | None = None) -> tuple[list[str], list[str]]:
    """Split `values` into (state types, state names).

    An all-capitals value that is a type (`COMPLETED`) means the type, as `--state-type`
    does; anything else is matched case-insensitively to a state name first (`completed`
    -> `Completed`, `late` -> `Late`), so Prefect's `--state Completed` keeps its meaning.
    """
    state_types: list[str] = []
    state_names: list[str] = []
    for raw in types or []:
        upper = raw.strip().upper()
        if upper not in STATE_NAMES:
            raise ConsoleError(
                f"Unknown state type {raw!r}; expected one of {', '.join(STATE_NAMES)}",
                usage=True,
            )
        state_types.append(upper)
    for raw in values:
        value = raw.strip()
        if value.isupper() and value in STATE_NAMES:
            state_types.append(value)
        elif value.lower() in _BY_LOWER_NAME:
            state_names.append(_BY_LOWER_NAME[value.lower()])
        elif value.upper() in STATE_NAMES:
            state_types.append(value.upper())
        else:
            known = ", ".join(sorted(_BY_LOWER_NAME.values()))
            raise ConsoleError(
                f"Unknown state {raw!r}; expected a state name ({known}) "
                f"or type ({', '.join(STATE_NAMES)})",
                usage=True,
            )
    return sorted(set(state_types)), sorted(set(state_names))


def state_filter(state_types: list[str], state_names: list[str]) -> StateFilter | None:
    """A filter matching any of the given types or names (None when both are empty)."""
    from prefect.schemas.filters import StateFilter, StateNameFilter, StateTypeFilter
    from prefect.schemas.objects import StateType

    if not state_types and not state_names:
        return None
    return StateFilter(
        # a run matches when it has one of the types OR one of the names
        operator="or_" if state_types and state_names else "and_",
        type=StateTypeFilter(any_=[StateType(t) for t in state_types]) if state_types else None,
        name=StateNameFilter(any_=state_names) if state_names else None,
    )
