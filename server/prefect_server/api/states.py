"""/flow_run_states and /task_run_states: a run's state history, oldest first."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends
from prefect.schemas.objects import State

from prefect_server.api import convert
from prefect_server.api.dependencies import get_db, not_found
from prefect_server.database import orm
from prefect_server.database.engine import Database
from prefect_server.models import states as models

flow_run_states = APIRouter(prefix="/flow_run_states", tags=["Flow Run States"])
task_run_states = APIRouter(prefix="/task_run_states", tags=["Task Run States"])


@flow_run_states.get("/")
async def read_flow_run_states(
    flow_run_id: uuid.UUID, db: Database = Depends(get_db)
) -> list[State]:
    async with db.read() as session:
        rows = await models.flow_run_states(session, flow_run_id)
    return [convert.state(row) for row in rows]


@flow_run_states.get("/{id}")
async def read_flow_run_state(id: uuid.UUID, db: Database = Depends(get_db)) -> State:
    async with db.read() as session:
        row = await session.get(orm.FlowRunState, id)
    if row is None:
        not_found("Flow run state")
    return convert.state(row)


@task_run_states.get("/")
async def read_task_run_states(
    task_run_id: uuid.UUID, db: Database = Depends(get_db)
) -> list[State]:
    async with db.read() as session:
        rows = await models.task_run_states(session, task_run_id)
    return [convert.state(row) for row in rows]


@task_run_states.get("/{id}")
async def read_task_run_state(id: uuid.UUID, db: Database = Depends(get_db)) -> State:
    async with db.read() as session:
        row = await session.get(orm.TaskRunState, id)
    if row is None:
        not_found("Task run state")
    return convert.state(row)
