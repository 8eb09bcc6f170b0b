"""Run fields derived from its states, updated on every accepted transition."""

from __future__ import annotations

from datetime import timedelta

from prefect.schemas.objects import TERMINAL_STATES, State, StateType

from prefect_server.database.orm import FlowRun, TaskRun


def apply_transition(run: FlowRun | TaskRun, initial: State | None, new: State) -> None:
    """Point the run at `new` and keep its counters and times in step."""
    run.state_id = new.id
    run.state_type = new.type.value
    run.state_name = new.name
    if initial is not None and initial.type == StateType.RUNNING:
        spent = new.timestamp - initial.timestamp
        run.total_run_time = (run.total_run_time or timedelta(0)) + max(spent, timedelta(0))
    if new.type == StateType.RUNNING:
        run.run_count = (run.run_count or 0) + 1
        if run.start_time is None:
            run.start_time = new.timestamp
    if new.type in TERMINAL_STATES:
        run.end_time = new.timestamp
    elif initial is not None and initial.type in TERMINAL_STATES:
        # forced back out of a terminal state: the run has not ended any more
        run.end_time = None
    scheduled = new.state_details.scheduled_time
    if new.type == StateType.SCHEDULED and scheduled and run.start_time is None:
        # a run not started yet is expected when it is (re)scheduled for
        run.expected_start_time = scheduled
    elif run.expected_start_time is None:
        run.expected_start_time = new.timestamp
    if new.type == StateType.SCHEDULED:
        run.next_scheduled_start_time = scheduled
    elif new.type != StateType.PENDING:
        run.next_scheduled_start_time = None
