"""Flow run inputs (key/value strings of a run) and resuming a paused run with input."""

from __future__ import annotations

import json
import uuid
from typing import Any

import sqlalchemy as sa
from prefect._time import now
from prefect.schemas.actions import StateCreate
from prefect.schemas.flow_run_input import FlowRunInputCreate, FlowRunInputFilter
from prefect.schemas.objects import StateDetails, StateType
from prefect.schemas.responses import (
    OrchestrationResult,
    SetStateStatus,
    StateAbortDetails,
    StateRejectDetails,
)
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database import orm
from prefect_server.database.orm_run_input import FlowRunInput
from prefect_server.orchestration.transition import propose_state, state_from_row


class InputKeyTaken(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(f"A flow run input with key {key!r} already exists for this run.")


async def read_input(session: AsyncSession, run_id: uuid.UUID, key: str) -> FlowRunInput | None:
    stmt = sa.select(FlowRunInput).where(
        FlowRunInput.flow_run_id == run_id, FlowRunInput.key == key
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def create_input(
    session: AsyncSession, run_id: uuid.UUID, create: FlowRunInputCreate
) -> FlowRunInput:
    """Store a new input; InputKeyTaken if the run already has one under that key."""
    if await read_input(session, run_id, create.key) is not None:
        raise InputKeyTaken(create.key)
    row = FlowRunInput(flow_run_id=run_id, key=create.key, value=create.value, sender=create.sender)
    session.add(row)
    await session.flush()
    return row


async def filter_inputs(
    session: AsyncSession, run_id: uuid.UUID, body: FlowRunInputFilter
) -> list[FlowRunInput]:
    """The run's inputs whose key starts with `prefix`, oldest first."""
    # the prefix is matched literally: `_` and `%` in a key are not wildcards
    pattern = body.prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    stmt = (
        sa.select(FlowRunInput)
        .where(FlowRunInput.flow_run_id == run_id, FlowRunInput.key.like(pattern, escape="\\"))
        .order_by(FlowRunInput.created, FlowRunInput.key)
        .limit(body.limit)
    )
    if body.exclude_keys:
        stmt = stmt.where(FlowRunInput.key.not_in(body.exclude_keys))
    return list((await session.execute(stmt)).scalars())


async def delete_input(session: AsyncSession, run_id: uuid.UUID, key: str) -> bool:
    stmt = sa.delete(FlowRunInput).where(
        FlowRunInput.flow_run_id == run_id, FlowRunInput.key == key
    )
    result = await session.execute(stmt, execution_options={"synchronize_session": False})
    return bool(getattr(result, "rowcount", 0))


def _refuse(status: SetStateStatus, reason: str, run: orm.FlowRun) -> OrchestrationResult:
    details = (
        StateAbortDetails(reason=reason)
        if status == SetStateStatus.ABORT
        else StateRejectDetails(reason=reason)
    )
    return OrchestrationResult(state=state_from_row(run.state), status=status, details=details)


async def _validation_problem(
    session: AsyncSession, run: orm.FlowRun, keyset: dict[str, str], run_input: dict[str, Any]
) -> str | None:
    """Why `run_input` does not fit the schema the paused run published, or None."""
    import jsonschema
    from jsonschema.exceptions import best_match

    schema_key = keyset.get("schema")
    if not schema_key or not keyset.get("response"):
        return "The pause's run_input_keyset names no 'schema' and 'response' keys."
    stored = await read_input(session, run.id, schema_key)
    if stored is None:
        return f"The run input schema (input {schema_key!r}) was not found."
    try:
        schema = json.loads(stored.value)
    except ValueError:
        return f"The run input schema (input {schema_key!r}) is not valid JSON."
    validator_class = jsonschema.validators.validator_for(schema)
    try:
        validator_class.check_schema(schema)
    except jsonschema.SchemaError as exc:
        return f"The run input schema is not a valid JSON schema: {exc.message}"
    error = best_match(validator_class(schema).iter_errors(run_input))
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path) or "run_input"
    return f"Run input validation failed at {where}: {error.message}"


async def resume_flow_run(
    session: AsyncSession, run: orm.FlowRun, run_input: dict[str, Any] | None
) -> OrchestrationResult:
    """Resume a Paused run: Running again, or Scheduled ("Resuming") when it was suspended.

    When the pause asked for input, `run_input` must match the JSON schema the run stored
    under its keyset's `schema` key; it is then stored under the `response` key, in the
    same transaction as the new state.
    """
    current = state_from_row(run.state)
    if current is None or current.type != StateType.PAUSED:
        what = current.type.value if current is not None else "without a state"
        return _refuse(
            SetStateStatus.ABORT, f"This flow run is {what}; only a PAUSED run can be resumed.", run
        )
    keyset = current.state_details.run_input_keyset
    if keyset:
        run_input = run_input or {}
        problem = await _validation_problem(session, run, keyset, run_input)
        if problem is not None:
            return _refuse(SetStateStatus.REJECT, problem, run)
    if current.state_details.pause_reschedule:
        target = StateCreate(
            type=StateType.SCHEDULED,
            name="Resuming",
            state_details=StateDetails(scheduled_time=now()),
        )
    else:
        target = StateCreate(type=StateType.RUNNING)
    result = await propose_state(session, run, target)
    if keyset and run_input and result.status == SetStateStatus.ACCEPT:
        response_key = keyset["response"]
        await delete_input(session, run.id, response_key)
        session.add(FlowRunInput(flow_run_id=run.id, key=response_key, value=json.dumps(run_input)))
        await session.flush()
    return result
