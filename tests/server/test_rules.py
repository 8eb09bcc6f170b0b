"""Each orchestration rule on its own, on both its paths (no store involved)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from prefect._time import now
from prefect.schemas.objects import State, StateDetails, StateType
from prefect.schemas.responses import SetStateStatus
from prefect_server.orchestration import rules
from prefect_server.orchestration.policy import decide
from prefect_server.orchestration.rules import Proposal

T = StateType


def proposal(
    initial: T | None, proposed: T, *, kind: str = "flow_run", **kwargs: object
) -> Proposal:
    init = State(type=initial) if initial is not None else None
    return Proposal(kind=kind, initial=init, proposed=State(type=proposed), now=now(), **kwargs)  # type: ignore[arg-type]


def test_duplicate_transition_answers_with_the_current_state() -> None:
    tid = uuid.uuid4()
    p = proposal(T.RUNNING, T.RUNNING)
    assert p.initial is not None
    p.initial.state_details.transition_id = tid
    p.proposed.state_details.transition_id = tid
    decision = rules.duplicate_transition(p)
    assert decision is not None
    assert decision.status == SetStateStatus.ACCEPT
    assert decision.existing_state is p.initial


def test_new_transition_id_passes() -> None:
    p = proposal(T.RUNNING, T.COMPLETED)
    assert p.initial is not None
    p.initial.state_details.transition_id = uuid.uuid4()
    p.proposed.state_details.transition_id = uuid.uuid4()
    assert rules.duplicate_transition(p) is None
    assert rules.duplicate_transition(proposal(None, T.PENDING)) is None


def test_no_pending_twice() -> None:
    for initial in (T.PENDING, T.RUNNING, T.CANCELLING, T.CANCELLED):
        decision = rules.no_pending_twice(proposal(initial, T.PENDING))
        assert decision is not None and decision.status == SetStateStatus.ABORT
        assert decision.reason and initial.value in decision.reason
    for initial in (None, T.SCHEDULED, T.PAUSED, T.FAILED):
        assert rules.no_pending_twice(proposal(initial, T.PENDING)) is None


def test_stay_terminal() -> None:
    for initial in (T.COMPLETED, T.FAILED, T.CANCELLED, T.CRASHED):
        for target in (T.RUNNING, T.PENDING, T.SCHEDULED, T.COMPLETED):
            decision = rules.stay_terminal(proposal(initial, target))
            assert decision is not None and decision.status == SetStateStatus.REJECT
            assert decision.reason
    assert rules.stay_terminal(proposal(T.RUNNING, T.COMPLETED)) is None


def test_terminal_flow_run_with_deployment_may_be_rescheduled() -> None:
    assert rules.stay_terminal(proposal(T.FAILED, T.SCHEDULED, has_deployment=True)) is None
    blocked = rules.stay_terminal(proposal(T.FAILED, T.RUNNING, has_deployment=True))
    assert blocked is not None
    task = rules.stay_terminal(
        proposal(T.FAILED, T.SCHEDULED, kind="task_run", has_deployment=True)
    )
    assert task is not None


def test_cancelling_only_to_cancelled() -> None:
    assert rules.cancelling_only_to_cancelled(proposal(T.CANCELLING, T.CANCELLED)) is None
    for target in (T.COMPLETED, T.FAILED, T.RUNNING, T.CRASHED):
        decision = rules.cancelling_only_to_cancelled(proposal(T.CANCELLING, target))
        assert decision is not None and decision.status == SetStateStatus.REJECT
    assert rules.cancelling_only_to_cancelled(proposal(T.RUNNING, T.COMPLETED)) is None


def test_cancel_unstarted_directly() -> None:
    p = proposal(T.SCHEDULED, T.CANCELLING)
    assert rules.cancel_unstarted_directly(p) is None
    assert p.proposed.type == T.CANCELLED and p.proposed.name == "Cancelled"

    suspended = proposal(T.PAUSED, T.CANCELLING)
    assert suspended.initial is not None
    suspended.initial.name = "Suspended"
    rules.cancel_unstarted_directly(suspended)
    assert suspended.proposed.type == T.CANCELLED

    for initial in (T.RUNNING, T.PAUSED, T.PENDING):
        running = proposal(initial, T.CANCELLING)
        rules.cancel_unstarted_directly(running)
        assert running.proposed.type == T.CANCELLING


def test_copy_scheduled_time() -> None:
    when = now() + timedelta(hours=1)
    p = Proposal(
        kind="flow_run",
        initial=State(type=T.SCHEDULED, state_details=StateDetails(scheduled_time=when)),
        proposed=State(type=T.PENDING),
        now=now(),
    )
    assert rules.copy_scheduled_time(p) is None
    assert p.proposed.state_details.scheduled_time == when

    unscheduled = proposal(T.PAUSED, T.PENDING)
    rules.copy_scheduled_time(unscheduled)
    assert unscheduled.proposed.state_details.scheduled_time is None


def test_wait_for_scheduled_time() -> None:
    current = now()
    future = Proposal(
        kind="flow_run",
        initial=State(
            type=T.SCHEDULED,
            state_details=StateDetails(scheduled_time=current + timedelta(seconds=30)),
        ),
        proposed=State(type=T.RUNNING),
        now=current,
    )
    decision = rules.wait_for_scheduled_time(future)
    assert decision is not None and decision.status == SetStateStatus.WAIT
    assert decision.delay_seconds == 30
    assert decision.reason

    past = Proposal(
        kind="flow_run",
        initial=State(
            type=T.SCHEDULED,
            state_details=StateDetails(scheduled_time=current - timedelta(seconds=1)),
        ),
        proposed=State(type=T.RUNNING),
        now=current,
    )
    assert rules.wait_for_scheduled_time(past) is None
    assert rules.wait_for_scheduled_time(proposal(T.PENDING, T.RUNNING)) is None


def test_policy_force_skips_rules_but_not_duplicates() -> None:
    p = proposal(T.COMPLETED, T.RUNNING)
    assert decide(p).status == SetStateStatus.REJECT
    assert decide(p, force=True).status == SetStateStatus.ACCEPT

    tid = uuid.uuid4()
    dup = proposal(T.COMPLETED, T.COMPLETED)
    assert dup.initial is not None
    dup.initial.state_details.transition_id = tid
    dup.proposed.state_details.transition_id = tid
    assert decide(dup, force=True).existing_state is dup.initial


def test_task_run_policy_has_no_flow_only_rules() -> None:
    # a task run may be proposed Pending again (no worker race for tasks)
    assert decide(proposal(T.RUNNING, T.PENDING, kind="task_run")).status == SetStateStatus.ACCEPT
    assert decide(proposal(T.RUNNING, T.PENDING)).status == SetStateStatus.ABORT
    assert decide(proposal(T.COMPLETED, T.RUNNING, kind="task_run")).status == SetStateStatus.REJECT
