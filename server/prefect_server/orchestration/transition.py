"""Proposing a state for a run and writing the outcome, in the caller's transaction.

An accepted state is written together with the run's denormalised fields; anything else
writes nothing. Callers hold a write transaction (`Database.write()`), so on SQLite the
read of the current state and the write of the new one cannot interleave with another
writer's.
"""

from __future__ import annotations

import uuid
from typing import Any

from prefect._time import now
from prefect.schemas.actions import StateCreate
from prefect.schemas.objects import State
from prefect.schemas.responses import (
    OrchestrationResult,
    SetStateStatus,
    StateAbortDetails,
    StateAcceptDetails,
    StateRejectDetails,
    StateResponseDetails,
    StateWaitDetails,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from prefect_server.database import orm
from prefect_server.orchestration.policy import decide
from prefect_server.orchestration.rules import Decision, Proposal, RunKind
from prefect_server.orchestration.timing import apply_transition


def state_from_row(row: orm.FlowRunState | orm.TaskRunState | None) -> State | None:
    if row is None:
        return None
    return State.model_validate(row, from_attributes=True)


def state_row_values(state: State) -> dict[str, Any]:
    return {
        "id": state.id,
        "type": state.type.value,
        "name": state.name,
        "timestamp": state.timestamp,
        "message": state.message,
        "state_details": state.state_details.model_dump(mode="json"),
        "data": state.data,
    }


def _kind_of(run: orm.FlowRun | orm.TaskRun) -> RunKind:
    return "flow_run" if isinstance(run, orm.FlowRun) else "task_run"


def new_state(run: orm.FlowRun | orm.TaskRun, create: StateCreate, initial: State | None) -> State:
    """The proposed state as it would be stored: a new id, the server's clock, the run's id."""
    timestamp = now()
    if initial is not None and initial.timestamp > timestamp:
        # keep a run's history ordered even if clocks disagree
        timestamp = initial.timestamp
    link = {"flow_run_id": run.id} if _kind_of(run) == "flow_run" else {"task_run_id": run.id}
    if isinstance(run, orm.TaskRun) and run.flow_run_id is not None:
        link["flow_run_id"] = run.flow_run_id
    details = create.state_details.model_copy(update=link)
    return State(
        id=uuid.uuid4(),
        type=create.type,
        name=create.name,
        message=create.message,
        timestamp=timestamp,
        state_details=details,
        data=create.data,
    )


def write_state(
    session: AsyncSession, run: orm.FlowRun | orm.TaskRun, initial: State | None, state: State
) -> orm.FlowRunState | orm.TaskRunState:
    """Add the state row and update the run (flushed with the caller's transaction)."""
    values = state_row_values(state)
    row: orm.FlowRunState | orm.TaskRunState
    if isinstance(run, orm.FlowRun):
        row = orm.FlowRunState(flow_run_id=run.id, **values)
    else:
        row = orm.TaskRunState(task_run_id=run.id, **values)
    session.add(row)
    apply_transition(run, initial, state)
    set_committed_value(run, "state", row)
    return row


def _details(decision: Decision) -> StateResponseDetails:
    if decision.status == SetStateStatus.ACCEPT:
        return StateAcceptDetails()
    if decision.status == SetStateStatus.REJECT:
        return StateRejectDetails(reason=decision.reason)
    if decision.status == SetStateStatus.ABORT:
        return StateAbortDetails(reason=decision.reason)
    return StateWaitDetails(delay_seconds=decision.delay_seconds or 0, reason=decision.reason)


async def propose_state(
    session: AsyncSession,
    run: orm.FlowRun | orm.TaskRun,
    create: StateCreate,
    *,
    force: bool = False,
) -> OrchestrationResult:
    """Decide a proposed state for `run` and, when accepted, write it."""
    initial = state_from_row(run.state)
    proposal = Proposal(
        kind=_kind_of(run),
        initial=initial,
        proposed=new_state(run, create, initial),
        now=now(),
        has_deployment=isinstance(run, orm.FlowRun) and run.deployment_id is not None,
    )
    decision = decide(proposal, force=force)
    if decision.status != SetStateStatus.ACCEPT:
        return OrchestrationResult(
            state=initial, status=decision.status, details=_details(decision)
        )
    if decision.existing_state is not None:
        return OrchestrationResult(
            state=decision.existing_state, status=decision.status, details=_details(decision)
        )
    row = write_state(session, run, initial, proposal.proposed)
    await session.flush()
    return OrchestrationResult(
        state=state_from_row(row), status=SetStateStatus.ACCEPT, details=StateAcceptDetails()
    )
