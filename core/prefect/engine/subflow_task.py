"""The task run that stands for a subflow in its parent flow run (as in Prefect 3).

A flow called inside another flow is a flow run of its own and, in the parent, a task
run named after the flow (`my-subflow-0`) whose states mirror the subflow's: Pending when
the subflow run is created, then Running and its final state, each pointing at the
child run (`child_flow_run_id`). Its inputs link the subflow's arguments like a task's,
and a persisted subflow result is the stand-in's result too.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from prefect._time import now
from prefect.engine import api
from prefect.engine._models import construct, new_state, state_details
from prefect.engine.task_inputs import link_input
from prefect.schemas.objects import State, StateType, TaskRun

if TYPE_CHECKING:
    from prefect.context import FlowRunContext
    from prefect.engine.flow_engine import FlowRunEngine

__all__ = ["report_standing_task", "standing_task_run"]


def standing_task_run(
    engine: FlowRunEngine, parent: FlowRunContext, child_id: uuid.UUID
) -> TaskRun:
    """The stand-in for `engine`'s run (to be created as `child_id`), Pending."""
    flow = engine.flow
    key = flow.name
    dynamic_key = parent.next_dynamic_key(key)
    created = now()
    task_run_id = uuid.uuid4()
    pending = new_state(
        StateType.PENDING,
        "Pending",
        details=state_details(
            flow_run_id=parent.flow_run.id, task_run_id=task_run_id, child_flow_run_id=child_id
        ),
    )
    inputs = {
        name: link_input(value, parent.result_links, parent.parameters)
        for name, value in engine.parameters.items()
    }
    return construct(
        TaskRun,
        id=task_run_id,
        name=f"{flow.name}-{dynamic_key}",
        flow_run_id=parent.flow_run.id,
        task_key=key,
        dynamic_key=dynamic_key,
        task_version=flow.version,
        tags=engine.tags,
        task_inputs=inputs,
        flow_run_run_count=parent.flow_run.run_count,
        expected_start_time=created,
        created=created,
        state=pending,
        state_id=pending.id,
        state_type=pending.type,
        state_name=pending.name,
    )


def report_standing_task(engine: FlowRunEngine, state: State) -> None:
    """Mirror the subflow's new `state` on its stand-in and queue it for the reporter."""
    run = engine.parent_task_run
    if run is None or engine.flow_run is None:
        return
    mirrored = new_state(
        state.type,
        state.name or state.type.value.title(),
        message=state.message,
        details=state_details(
            flow_run_id=run.flow_run_id, task_run_id=run.id, child_flow_run_id=engine.flow_run.id
        ),
    )
    # the subflow's persisted result is the parent task run's too
    mirrored.data = state.data
    d = run.__dict__
    if state.is_running():
        d["run_count"] = run.run_count + 1
        if run.start_time is None:
            d["start_time"] = mirrored.timestamp
    if state.is_final():
        d["end_time"] = mirrored.timestamp
        if run.start_time is not None:
            d["total_run_time"] = mirrored.timestamp - run.start_time
    d["state"], d["state_id"] = mirrored, mirrored.id
    d["state_type"], d["state_name"] = mirrored.type, mirrored.name
    api.reporter().report(run, mirrored)
