"""ORM tables: Deployments and their schedules.

A deployment's `work_queue_id` is a plain column: queues belong to the work-pool tables,
whose deletion detaches deployments by hand (`models.work_pools.detach_runs_from_queues`).
The pool's name is read through the queue, so a deployment never shows a stale pool.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from prefect_server.database.orm import Base, FlowRun
from prefect_server.database.orm_work_pools import WorkQueue
from prefect_server.database.types import JSONType


class DeploymentSchedule(Base):
    __tablename__ = "deployment_schedule"
    # NULL slugs never collide, on either backend
    __table_args__ = (sa.UniqueConstraint("deployment_id", "slug"),)

    deployment_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("deployment.id", ondelete="CASCADE")
    )
    schedule: Mapped[dict[str, Any]] = mapped_column(JSONType(), nullable=False)
    active: Mapped[bool] = mapped_column(default=True)
    max_scheduled_runs: Mapped[int | None]
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict, nullable=False)
    slug: Mapped[str | None]


class Deployment(Base):
    __tablename__ = "deployment"
    __table_args__ = (
        sa.UniqueConstraint("flow_id", "name"),
        sa.Index(None, "name"),
        sa.Index(None, "work_queue_id"),
    )

    name: Mapped[str]
    version: Mapped[str | None]
    description: Mapped[str | None] = mapped_column(sa.Text())
    flow_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("flow.id", ondelete="CASCADE"))
    paused: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(sa.String(20), default="NOT_READY")
    last_polled: Mapped[datetime | None]
    work_queue_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid())
    work_queue_name: Mapped[str | None]
    concurrency_limit: Mapped[int | None]
    concurrency_options: Mapped[dict[str, Any] | None] = mapped_column(JSONType(), nullable=True)
    global_concurrency_limit_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid())
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict, nullable=False)
    parameter_openapi_schema: Mapped[dict[str, Any] | None] = mapped_column(
        JSONType(), nullable=True
    )
    enforce_parameter_schema: Mapped[bool] = mapped_column(default=True)
    job_variables: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict, nullable=False)
    pull_steps: Mapped[list[Any] | None] = mapped_column(JSONType(), nullable=True)
    tags: Mapped[list[Any]] = mapped_column(JSONType(), default=list, nullable=False)
    labels: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict, nullable=False)
    path: Mapped[str | None]
    entrypoint: Mapped[str | None]
    storage_document_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid())
    infrastructure_document_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid())
    created_by: Mapped[dict[str, Any] | None] = mapped_column(JSONType(), nullable=True)
    updated_by: Mapped[dict[str, Any] | None] = mapped_column(JSONType(), nullable=True)
    version_info: Mapped[dict[str, Any] | None] = mapped_column(JSONType(), nullable=True)

    schedules: Mapped[list[DeploymentSchedule]] = relationship(
        order_by=(DeploymentSchedule.created, DeploymentSchedule.id),
        lazy="selectin",
        viewonly=True,
    )
    work_queue: Mapped[WorkQueue | None] = relationship(
        primaryjoin="foreign(Deployment.work_queue_id) == WorkQueue.id",
        lazy="selectin",
        viewonly=True,
    )

    @property
    def work_pool_name(self) -> str | None:
        queue = self.work_queue
        return queue.work_pool.name if queue is not None else None

    @property
    def work_pool_id(self) -> uuid.UUID | None:
        queue = self.work_queue
        return queue.work_pool_id if queue is not None else None


# The scheduler and the deletes of a deployment's future runs look runs up by deployment
# and state, and a queue's due runs by deployment, state and scheduled time; it lives
# here because only deployment queries need it.
sa.Index(None, FlowRun.deployment_id, FlowRun.state_type, FlowRun.expected_start_time)

__all__ = ["Deployment", "DeploymentSchedule"]
