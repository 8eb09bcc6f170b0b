"""ORM tables. Names follow Prefect's tables (flow, flow_run, task_run, ...).

Runs carry their current state twice: `state_id` points at the state row (returned as
`state`), and `state_type`/`state_name` plus the timing fields are copied onto the run so
that the console can filter and sort on them without joins.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from prefect._time import now
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from prefect_server.database.types import JSONType, Seconds, Timestamp

# Deterministic constraint names, so migrations can refer to them on both backends.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s__%(column_0_N_name)s",
    "uq": "uq_%(table_name)s__%(column_0_N_name)s",
    "ck": "ck_%(table_name)s__%(constraint_name)s",
    "fk": "fk_%(table_name)s__%(column_0_name)s__%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: Timestamp(), timedelta: Seconds(), dict[str, Any]: JSONType()}

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid(), primary_key=True, default=uuid.uuid4)
    created: Mapped[datetime] = mapped_column(default=now)
    updated: Mapped[datetime] = mapped_column(default=now, onupdate=now)


def _json_list() -> Mapped[list[Any]]:
    return mapped_column(JSONType(), default=list, nullable=False)


def _json_dict() -> Mapped[dict[str, Any]]:
    return mapped_column(JSONType(), default=dict, nullable=False)


class Flow(Base):
    __tablename__ = "flow"

    name: Mapped[str] = mapped_column(sa.String(), unique=True)
    tags: Mapped[list[Any]] = _json_list()
    labels: Mapped[dict[str, Any]] = _json_dict()


class _StateColumns:
    type: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str | None] = mapped_column(sa.String())
    timestamp: Mapped[datetime] = mapped_column(default=now)
    message: Mapped[str | None] = mapped_column(sa.Text())
    state_details: Mapped[dict[str, Any]] = _json_dict()
    data: Mapped[Any] = mapped_column(JSONType(), nullable=True)


class FlowRunState(_StateColumns, Base):
    __tablename__ = "flow_run_state"
    __table_args__ = (sa.Index(None, "flow_run_id", "timestamp"),)

    flow_run_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("flow_run.id", ondelete="CASCADE"))


class TaskRunState(_StateColumns, Base):
    __tablename__ = "task_run_state"
    __table_args__ = (sa.Index(None, "task_run_id", "timestamp"),)

    task_run_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("task_run.id", ondelete="CASCADE"))


class _RunColumns:
    name: Mapped[str] = mapped_column(sa.String(), default="")
    # no foreign key: the state row is written in the same transaction, after the run
    state_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid())
    state_type: Mapped[str | None] = mapped_column(sa.String(20))
    state_name: Mapped[str | None] = mapped_column(sa.String())
    tags: Mapped[list[Any]] = _json_list()
    labels: Mapped[dict[str, Any]] = _json_dict()
    empirical_policy: Mapped[dict[str, Any]] = _json_dict()
    run_count: Mapped[int] = mapped_column(default=0)
    expected_start_time: Mapped[datetime | None]
    next_scheduled_start_time: Mapped[datetime | None]
    start_time: Mapped[datetime | None]
    end_time: Mapped[datetime | None]
    total_run_time: Mapped[timedelta] = mapped_column(default=timedelta(0))


class FlowRun(_RunColumns, Base):
    __tablename__ = "flow_run"
    __table_args__ = (
        sa.UniqueConstraint("flow_id", "idempotency_key"),
        # a flow's runs in the listings' order (migration 0012)
        sa.Index(None, "flow_id", "expected_start_time", "id"),
        # runs in some states before or after a time (late, upcoming, counts per hour);
        # PostgreSQL also has the newest-first orders of these (migrations 0002, 0011)
        sa.Index(None, "state_type", "expected_start_time"),
        sa.Index(None, "expected_start_time"),
        sa.Index(None, "start_time"),
        sa.Index(None, "end_time"),
        sa.Index(None, "next_scheduled_start_time"),
        sa.Index(None, "parent_task_run_id"),
        sa.Index(None, "name"),
        sa.Index(None, "created"),
    )

    flow_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("flow.id", ondelete="CASCADE"))
    deployment_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid())
    deployment_version: Mapped[str | None]
    work_queue_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid())
    work_queue_name: Mapped[str | None]
    work_pool_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid())
    work_pool_name: Mapped[str | None]
    flow_version: Mapped[str | None]
    parameters: Mapped[dict[str, Any]] = _json_dict()
    idempotency_key: Mapped[str | None]
    context: Mapped[dict[str, Any]] = _json_dict()
    # a plain column: the parent task run may be reported after its subflow starts
    parent_task_run_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid())
    auto_scheduled: Mapped[bool] = mapped_column(default=False)
    infrastructure_document_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid())
    infrastructure_pid: Mapped[str | None]
    created_by: Mapped[dict[str, Any] | None] = mapped_column(JSONType(), nullable=True)
    job_variables: Mapped[dict[str, Any] | None] = mapped_column(JSONType(), nullable=True)

    state: Mapped[FlowRunState | None] = relationship(
        primaryjoin="foreign(FlowRun.state_id) == FlowRunState.id",
        lazy="selectin",
        viewonly=True,
    )


class TaskRun(_RunColumns, Base):
    __tablename__ = "task_run"
    __table_args__ = (
        sa.UniqueConstraint("flow_run_id", "task_key", "dynamic_key"),
        sa.Index(None, "flow_run_id"),
        sa.Index(None, "state_type", "expected_start_time"),
        sa.Index(None, "expected_start_time"),
        sa.Index(None, "start_time"),
        sa.Index(None, "end_time"),
        sa.Index(None, "name"),
    )

    flow_run_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("flow_run.id", ondelete="CASCADE")
    )
    task_key: Mapped[str]
    dynamic_key: Mapped[str]
    cache_key: Mapped[str | None]
    cache_expiration: Mapped[datetime | None]
    task_version: Mapped[str | None]
    task_inputs: Mapped[dict[str, Any]] = _json_dict()
    flow_run_run_count: Mapped[int] = mapped_column(default=0)

    state: Mapped[TaskRunState | None] = relationship(
        primaryjoin="foreign(TaskRun.state_id) == TaskRunState.id",
        lazy="selectin",
        viewonly=True,
    )


class Log(Base):
    __tablename__ = "log"
    __table_args__ = (
        sa.Index(None, "flow_run_id", "timestamp"),
        sa.Index(None, "task_run_id"),
        sa.Index(None, "timestamp"),
    )

    name: Mapped[str]
    level: Mapped[int] = mapped_column(sa.SmallInteger())
    message: Mapped[str] = mapped_column(sa.Text())
    timestamp: Mapped[datetime]
    # plain columns: logs are shipped in batches and may arrive before their run does
    flow_run_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid())
    task_run_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid())
    worker_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid())


ALL_TABLES = [
    TaskRunState.__table__,
    FlowRunState.__table__,
    Log.__table__,
    TaskRun.__table__,
    FlowRun.__table__,
    Flow.__table__,
]


# The other resources' tables live in their own modules and register on the same metadata;
# importing them here makes `Base.metadata` whole for migrations and `reset`.
from prefect_server.database import (  # noqa: E402
    orm_blocks,
    orm_concurrency,
    orm_deployments,
    orm_events,
    orm_run_input,
    orm_variables,
    orm_work_pools,
)

__all__ = [
    "Base",
    "Flow",
    "FlowRun",
    "FlowRunState",
    "Log",
    "TaskRun",
    "TaskRunState",
    "orm_blocks",
    "orm_concurrency",
    "orm_deployments",
    "orm_events",
    "orm_run_input",
    "orm_variables",
    "orm_work_pools",
]
