"""ORM rows to the wire models of `prefect.schemas.objects`."""

from __future__ import annotations

from prefect.schemas.objects import Flow, FlowRun, Log, State, TaskRun

from prefect_server.database import orm


def flow(row: orm.Flow) -> Flow:
    return Flow.model_validate(row, from_attributes=True)


def flow_run(row: orm.FlowRun) -> FlowRun:
    return FlowRun.model_validate(row, from_attributes=True)


def task_run(row: orm.TaskRun) -> TaskRun:
    return TaskRun.model_validate(row, from_attributes=True)


def state(row: orm.FlowRunState | orm.TaskRunState) -> State:
    return State.model_validate(row, from_attributes=True)


def log(row: orm.Log) -> Log:
    return Log.model_validate(row, from_attributes=True)
