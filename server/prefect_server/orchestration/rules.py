"""Orchestration rules: each looks at one proposal and either decides it or lets it pass.

A rule returns a `Decision` to stop the chain (reject, abort, wait, or accept without
writing), or None to pass the proposal on; a rule may also adjust the proposed state it
passes on (copy a scheduled time, turn Cancelling into Cancelled).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from prefect.schemas.objects import TERMINAL_STATES, State, StateType
from prefect.schemas.responses import SetStateStatus

RunKind = Literal["flow_run", "task_run"]


@dataclass
class Proposal:
    """One proposed transition of one run."""

    kind: RunKind
    initial: State | None
    proposed: State
    now: datetime
    has_deployment: bool = False


@dataclass(frozen=True)
class Decision:
    status: SetStateStatus
    reason: str | None = None
    delay_seconds: int | None = None
    # For an ACCEPT that writes nothing (a repeated transition): the state to answer with.
    existing_state: State | None = None


Rule = Callable[[Proposal], Decision | None]


def _reject(reason: str) -> Decision:
    return Decision(SetStateStatus.REJECT, reason=reason)


def _abort(reason: str) -> Decision:
    return Decision(SetStateStatus.ABORT, reason=reason)


def duplicate_transition(p: Proposal) -> Decision | None:
    """A transition id seen on the current state is a retried request: answer it again."""
    tid = p.proposed.state_details.transition_id
    if tid is not None and p.initial is not None and p.initial.state_details.transition_id == tid:
        return Decision(SetStateStatus.ACCEPT, existing_state=p.initial)
    return None


_NO_REPEAT_PENDING = {
    StateType.PENDING,
    StateType.RUNNING,
    StateType.CANCELLING,
    StateType.CANCELLED,
}


def no_pending_twice(p: Proposal) -> Decision | None:
    """Only one worker may take a run: Pending after Pending/Running/Cancelling/Cancelled aborts."""
    if p.proposed.type != StateType.PENDING or p.initial is None:
        return None
    if p.initial.type in _NO_REPEAT_PENDING:
        return _abort(f"This run is already {p.initial.type.value}; it cannot become PENDING.")
    return None


def stay_terminal(p: Proposal) -> Decision | None:
    """A finished run stays finished (a flow run with a deployment may be rescheduled)."""
    if p.initial is None or p.initial.type not in TERMINAL_STATES:
        return None
    if p.kind == "flow_run" and p.proposed.type == StateType.SCHEDULED and p.has_deployment:
        return None
    return _reject(
        f"This run is already in terminal state {p.initial.type.value}; "
        f"it cannot become {p.proposed.type.value} without force."
    )


def cancelling_only_to_cancelled(p: Proposal) -> Decision | None:
    """A run being cancelled may only finish as Cancelled."""
    if p.initial is None or p.initial.type != StateType.CANCELLING:
        return None
    if p.proposed.type == StateType.CANCELLED:
        return None
    return _reject(
        f"This run is CANCELLING; it can only become CANCELLED, not {p.proposed.type.value}."
    )


def cancel_unstarted_directly(p: Proposal) -> Decision | None:
    """Nothing runs a Scheduled or Suspended run, so there is nothing to wait for: cancel it."""
    if p.proposed.type != StateType.CANCELLING or p.initial is None:
        return None
    unstarted = p.initial.type == StateType.SCHEDULED or (
        p.initial.type == StateType.PAUSED and p.initial.name == "Suspended"
    )
    if unstarted:
        p.proposed = p.proposed.model_copy(
            update={"type": StateType.CANCELLED, "name": "Cancelled"}
        )
    return None


def copy_scheduled_time(p: Proposal) -> Decision | None:
    """Pending keeps the time the run was scheduled for."""
    if p.proposed.type != StateType.PENDING or p.initial is None:
        return None
    if p.initial.type == StateType.SCHEDULED and p.initial.state_details.scheduled_time:
        details = p.proposed.state_details.model_copy(
            update={"scheduled_time": p.initial.state_details.scheduled_time}
        )
        p.proposed = p.proposed.model_copy(update={"state_details": details})
    return None


def wait_for_scheduled_time(p: Proposal) -> Decision | None:
    """A run may not start before its scheduled time: WAIT until then."""
    if p.proposed.type != StateType.RUNNING or p.initial is None:
        return None
    if p.initial.type not in {StateType.SCHEDULED, StateType.PENDING}:
        return None
    scheduled = p.initial.state_details.scheduled_time
    if scheduled is None or scheduled <= p.now:
        return None
    delay = math.ceil((scheduled - p.now).total_seconds())
    return Decision(
        SetStateStatus.WAIT,
        reason=f"The run is scheduled to start at {scheduled.isoformat()}.",
        delay_seconds=max(delay, 1),
    )
