"""ORM tables: Work pools, their queues and the workers that poll them.

A pool's `default_queue_id` is a plain column rather than a foreign key: the pool and its
default queue point at each other, and the rule that the default queue cannot be deleted
is kept in `prefect_server.models.work_queues`, where it can answer with a reason.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from prefect_server.database.orm import Base, FlowRun
from prefect_server.database.types import JSONType


class WorkPool(Base):
    __tablename__ = "work_pool"

    name: Mapped[str] = mapped_column(sa.String(), unique=True)
    description: Mapped[str | None] = mapped_column(sa.Text())
    type: Mapped[str] = mapped_column(sa.String())
    base_job_template: Mapped[dict[str, Any]] = mapped_column(
        JSONType(), default=dict, nullable=False
    )
    storage_configuration: Mapped[dict[str, Any]] = mapped_column(
        JSONType(), default=dict, nullable=False
    )
    is_paused: Mapped[bool] = mapped_column(default=False)
    concurrency_limit: Mapped[int | None]
    # None for the legacy "prefect-agent" pools, which have no workers to be ready with
    status: Mapped[str | None] = mapped_column(sa.String(20))
    default_queue_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid())


class WorkQueue(Base):
    __tablename__ = "work_queue"
    __table_args__ = (
        sa.UniqueConstraint("work_pool_id", "name"),
        sa.Index(None, "work_pool_id", "priority"),
    )

    name: Mapped[str] = mapped_column(sa.String())
    description: Mapped[str | None] = mapped_column(sa.Text(), default="")
    is_paused: Mapped[bool] = mapped_column(default=False)
    concurrency_limit: Mapped[int | None]
    priority: Mapped[int] = mapped_column(default=1)
    work_pool_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("work_pool.id", ondelete="CASCADE")
    )
    last_polled: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(sa.String(20), default="NOT_READY")

    # answers carry the pool's name; loaded with the queue, never written through
    work_pool: Mapped[WorkPool] = relationship(lazy="selectin", viewonly=True)


class Worker(Base):
    __tablename__ = "worker"
    __table_args__ = (
        sa.UniqueConstraint("work_pool_id", "name"),
        sa.Index(None, "work_pool_id", "last_heartbeat_time"),
    )

    name: Mapped[str] = mapped_column(sa.String())
    work_pool_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("work_pool.id", ondelete="CASCADE")
    )
    last_heartbeat_time: Mapped[datetime]
    heartbeat_interval_seconds: Mapped[int | None]
    status: Mapped[str] = mapped_column(sa.String(20), default="OFFLINE")


# Polling a pool counts and reads the runs of each queue by state; without this index
# every poll scans flow_run. It lives here because only work-pool queries need it.
sa.Index(None, FlowRun.work_queue_id, FlowRun.state_type)

__all__ = ["WorkPool", "WorkQueue", "Worker"]
