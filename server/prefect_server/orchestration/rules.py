"""Orchestration rules: each looks at one proposal and either decides it or lets it pass.

A rule returns a `Decision` to stop the chain (reject, abort, wait, or accept without
writing), or None to pass the proposal on; a rule may also adjust the proposed state it
passes on (copy a scheduled time, turn Cancelling into Cancelled), or note side effects on
the run (`policy_updates`, `reset_run_count`) that are applied only if a state is written.

A REJECT may carry a state to write instead of the proposed one (a failed flow run with
retries left becomes AwaitingRetry): the run moves, and the caller learns why from
`details.reason`. A REJECT or ABORT without a state writes nothing.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from prefect.schemas.objects import TERMINAL_STATES, State, StateDetails, StateType
from prefect.schemas.responses import SetStateStatus

RunKind = Literal["flow_run", "task_run"]


@dataclass(frozen=True)
class EnclosingFlowRun:
    """For a task run's proposal: the flow run it belongs to, as it is now."""

    id: uuid.UUID
    state: State | None
    run_count: int


@dataclass
class Proposal:
    """One proposed transition of one run, with what the rules need to know of the run."""

    kind: RunKind
    initial: State | None
    proposed: State
    now: datetime
    has_deployment: bool = False
    run_count: int = 0
    empirical_policy: dict[str, Any] = field(default_factory=dict)
    parent_task_run_id: uuid.UUID | None = None
    infrastructure_pid: str | None = None
    # task runs only: the enclosing flow run, and the attempt of it the task last ran in
    flow_run: EnclosingFlowRun | None = None
    task_flow_run_run_count: int = 0
    # side effects, applied to the run when a state is written
    policy_updates: dict[str, Any] = field(default_factory=dict)
    reset_run_count: bool = False


@dataclass(frozen=True)
class Decision:
    status: SetStateStatus
    reason: str | None = None
    delay_seconds: int | None = None
    # For an ACCEPT that writes nothing (a repeated transition): the state to answer with.
    existing_state: State | None = None
    # For a REJECT that moves the run elsewhere: the state written instead of the proposal.
    state: State | None = None


Rule = Callable[[Proposal], Decision | None]


def _reject(reason: str, state: State | None = None) -> Decision:
    return Decision(SetStateStatus.REJECT, reason=reason, state=state)


def _abort(reason: str) -> Decision:
    return Decision(SetStateStatus.ABORT, reason=reason)


def _rename(p: Proposal, name: str) -> None:
    p.proposed = p.proposed.model_copy(update={"name": name})


def _with_details(p: Proposal, **values: Any) -> None:
    details = p.proposed.state_details.model_copy(update=values)
    p.proposed = p.proposed.model_copy(update={"state_details": details})


def has_persisted_result(state: State) -> bool:
    """A Completed state whose result was written to storage (so a rerun is not needed)."""
    data = state.data
    return (
        state.type == StateType.COMPLETED
        and isinstance(data, dict)
        and data.get("type") != "unpersisted"
        and "storage_key" in data
    )


# -- every run -----------------------------------------------------------------------------


def duplicate_transition(p: Proposal) -> Decision | None:
    """A transition id seen on the current state is a retried request: answer it again."""
    tid = p.proposed.state_details.transition_id
    if tid is not None and p.initial is not None and p.initial.state_details.transition_id == tid:
        return Decision(SetStateStatus.ACCEPT, existing_state=p.initial)
    return None


def copy_scheduled_time(p: Proposal) -> Decision | None:
    """Pending keeps the time the run was scheduled for, unless it names one itself."""
    if p.proposed.type != StateType.PENDING or p.initial is None:
        return None
    if p.proposed.state_details.scheduled_time is not None:
        return None
    if p.initial.type == StateType.SCHEDULED and p.initial.state_details.scheduled_time:
        _with_details(p, scheduled_time=p.initial.state_details.scheduled_time)
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


# -- flow runs -----------------------------------------------------------------------------

_NO_REPEAT_PENDING = {
    StateType.PENDING,
    StateType.RUNNING,
    StateType.CANCELLING,
    StateType.CANCELLED,
}


def no_pending_twice(p: Proposal) -> Decision | None:
    """Only one worker may take a run: Pending after Pending/Running/Cancelling/Cancelled aborts.

    A worker may still step through named kinds of Pending (Submitting,
    InfrastructurePending): those keep the scheduled time of the Pending before them.
    """
    if p.proposed.type != StateType.PENDING or p.initial is None:
        return None
    if p.initial.type not in _NO_REPEAT_PENDING:
        return None
    substep = p.initial.type == StateType.PENDING and p.proposed.name not in (
        None,
        "Pending",
        p.initial.name,
    )
    if substep:
        _with_details(p, scheduled_time=p.initial.state_details.scheduled_time)
        return None
    return _abort(f"This run is already {p.initial.type.value}; it cannot become PENDING.")


_NOT_AFTER_TERMINAL = {StateType.CANCELLING, StateType.PAUSED, StateType.CRASHED}


def stay_terminal(p: Proposal) -> Decision | None:
    """A finished run stays finished (a flow run with a deployment may be rescheduled)."""
    if p.initial is None or p.initial.type not in TERMINAL_STATES:
        return None
    if p.proposed.type in _NOT_AFTER_TERMINAL:
        return _abort(
            f"This run is already in terminal state {p.initial.type.value}; "
            f"it cannot become {p.proposed.type.value}."
        )
    if p.kind == "flow_run" and p.proposed.type == StateType.SCHEDULED and p.has_deployment:
        if has_persisted_result(p.initial):
            return _reject(
                "This run is COMPLETED and its result is persisted; it is not run again."
            )
        # a rescheduled run starts afresh: its pauses may fire again
        p.policy_updates.update(resuming=False, pause_keys=[], retry_type="reschedule")
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


def _is_suspended(state: State) -> bool:
    return state.type == StateType.PAUSED and (
        state.state_details.pause_reschedule or state.name == "Suspended"
    )


def cancel_unstarted_directly(p: Proposal) -> Decision | None:
    """Nothing runs a Scheduled (without infrastructure) or Suspended run: cancel it at once.

    Cancelling exists so that whoever holds a run can stop it; with no process and no
    infrastructure to stop, the run would stay Cancelling forever.
    """
    if p.proposed.type != StateType.CANCELLING or p.initial is None:
        return None
    unheld = (
        p.initial.type == StateType.SCHEDULED
        and (not p.infrastructure_pid or p.initial.name == "Resuming")
    ) or _is_suspended(p.initial)
    if unheld:
        p.proposed = p.proposed.model_copy(
            update={"type": StateType.CANCELLED, "name": "Cancelled"}
        )
    return None


def only_scheduled_marked_late(p: Proposal) -> Decision | None:
    """Late is a kind of Scheduled: only a Scheduled run can become Late."""
    if p.proposed.type != StateType.SCHEDULED or p.proposed.name != "Late":
        return None
    # a run created in a state is taken as given (Prefect forces initial states)
    if p.initial is None or p.initial.type == StateType.SCHEDULED:
        return None
    return _reject(f"Only a SCHEDULED run can be marked Late; this run is {p.initial.type.value}.")


def pause_only_running(p: Proposal) -> Decision | None:
    """Only a Running flow run pauses, once per pause key; suspending needs a deployment."""
    if p.proposed.type != StateType.PAUSED:
        return None
    if p.initial is None:
        # a run created in a state is taken as given (Prefect forces initial states)
        return None
    verb = "suspend" if _is_suspended(p.proposed) else "pause"
    if p.initial.type != StateType.RUNNING:
        return _reject(
            f"Cannot {verb} a flow run that is {p.initial.type.value}; only a RUNNING one."
        )
    key = p.proposed.state_details.pause_key or str(uuid.uuid4())
    fired = set(p.empirical_policy.get("pause_keys") or [])
    if key in fired:
        return _reject(f"The {verb} with key {key!r} has already happened in this run.")
    if p.proposed.state_details.pause_reschedule:
        if p.parent_task_run_id is not None:
            return _abort(f"Cannot {verb} a subflow run: its parent holds its process.")
        if not p.has_deployment:
            return _abort(
                f"Cannot {verb} a flow run without a deployment: nothing could restart it."
            )
    p.policy_updates["pause_keys"] = sorted(fired | {key})
    return None


_LEAVE_PAUSED = {StateType.RUNNING, StateType.SCHEDULED, StateType.CANCELLING}


def resume_from_paused(p: Proposal) -> Decision | None:
    """A Paused run resumes (Running, or Scheduled when suspended), is cancelled, or ends.

    A pause past its timeout cannot be resumed any more: the run fails instead.
    """
    if p.initial is None or p.initial.type != StateType.PAUSED:
        return None
    target = p.proposed.type
    if target not in _LEAVE_PAUSED and target not in TERMINAL_STATES:
        return _reject(f"A PAUSED run cannot become {target.value}.")
    if target in {StateType.RUNNING, StateType.SCHEDULED}:
        details = p.initial.state_details
        if details.pause_reschedule and not p.has_deployment:
            return _reject(
                "This run was suspended to be rescheduled, but it has no deployment to "
                "reschedule it with."
            )
        if details.pause_timeout is not None and details.pause_timeout < p.now:
            failed = State(
                type=StateType.FAILED,
                name="Failed",
                message=f"The pause timed out at {details.pause_timeout.isoformat()} "
                "before the run was resumed.",
            )
            return _reject("The pause has timed out; the run can no longer resume.", failed)
        p.policy_updates["resuming"] = True
    return None


def retry_failed_flows(p: Proposal) -> Decision | None:
    """A failed attempt with retries left is rescheduled (AwaitingRetry) instead of failing."""
    if p.proposed.type != StateType.FAILED or p.initial is None:
        return None
    if p.initial.type != StateType.RUNNING:
        return None
    retries = p.empirical_policy.get("retries")
    if retries is None or p.run_count > retries:
        # no retries left: the run fails, and a later manual retry starts with a clean slate
        p.policy_updates["retry_type"] = None
        return None
    delay = p.empirical_policy.get("retry_delay") or 0
    retry = State(
        type=StateType.SCHEDULED,
        name="AwaitingRetry",
        message=p.proposed.message,
        data=p.proposed.data,
        state_details=StateDetails(scheduled_time=p.now + timedelta(seconds=float(delay))),
    )
    p.policy_updates.update(resuming=False, pause_keys=[], retry_type="in_process")
    return _reject(
        f"Retrying: attempt {p.run_count} of {retries + 1} failed; the next starts in {delay} s.",
        retry,
    )


def name_retries(p: Proposal) -> Decision | None:
    """The attempt that follows an AwaitingRetry is named Retrying."""
    if p.proposed.type != StateType.RUNNING or p.initial is None:
        return None
    if p.initial.name == "AwaitingRetry" and p.run_count > 0:
        _rename(p, "Retrying")
    return None


# -- task runs -----------------------------------------------------------------------------


def _flow_retried_since(p: Proposal) -> bool:
    """Whether the task's flow run started another attempt after the task run ended."""
    fr = p.flow_run
    if fr is None or fr.state is None or p.initial is None:
        return False
    return (
        fr.state.type == StateType.RUNNING
        and fr.run_count > p.task_flow_run_run_count
        and fr.state.timestamp > p.initial.timestamp
    )


def task_stay_terminal(p: Proposal) -> Decision | None:
    """A finished task run stays finished, except when its flow run retries it."""
    if p.initial is None or p.initial.type not in TERMINAL_STATES:
        return None
    if p.proposed.type in _NOT_AFTER_TERMINAL:
        return _abort(
            f"This task run is already in terminal state {p.initial.type.value}; "
            f"it cannot become {p.proposed.type.value}."
        )
    if has_persisted_result(p.initial):
        return _reject("This task run is COMPLETED and its result is persisted.")
    if p.proposed.type not in TERMINAL_STATES and _flow_retried_since(p):
        # a new attempt of the flow runs the task again, with its own retries afresh
        p.reset_run_count = True
        if p.proposed.type == StateType.RUNNING:
            _rename(p, "Retrying")
        return None
    return _reject(
        f"This task run is already in terminal state {p.initial.type.value}; "
        f"it cannot become {p.proposed.type.value} without force (or a retry of its flow run)."
    )


def tasks_run_in_running_flows(p: Proposal) -> Decision | None:
    """A task runs only while its flow run is Running; a paused flow holds its tasks back."""
    if p.proposed.type != StateType.RUNNING or p.flow_run is None or p.initial is None:
        return None
    flow_state = p.flow_run.state
    if flow_state is not None and flow_state.type == StateType.RUNNING:
        return None
    if flow_state is not None and flow_state.type == StateType.PAUSED:
        details = flow_state.state_details
        not_ready = State(
            type=StateType.PAUSED,
            name="NotReady",
            state_details=StateDetails(
                pause_timeout=details.pause_timeout, pause_reschedule=details.pause_reschedule
            ),
        )
        return _reject(
            f"Flow run {p.flow_run.id} is PAUSED; its tasks can run once it resumes.", not_ready
        )
    current = flow_state.type.value if flow_state is not None else "without a state"
    return _abort(
        f"Flow run {p.flow_run.id} is {current}; its tasks can run only while it is RUNNING."
    )
