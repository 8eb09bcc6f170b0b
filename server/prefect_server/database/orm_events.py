"""ORM tables: Events and the resources they name (Prefect's `events` and `event_resources`).

An event is one row of `events` (its id is the event's id) plus one row of
`event_resources` per involved resource: the primary resource with the role "" and each
related resource with its role. Label and related-resource filters search
`event_resources`; name, time and primary-resource-id filters stay on `events`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from prefect_server.database.orm import Base
from prefect_server.database.types import JSONType

# Flow-run heartbeats, the one event the server looks up per run (services/zombies.py).
# A partial index: only heartbeat rows pay for it, the flood of task-run events does not.
# Queries must spell the predicate as this literal for the planners to match it.
HEARTBEAT_PREDICATE = "event = 'prefect.flow-run.heartbeat'"


class Event(Base):
    __tablename__ = "events"
    # No index on the JSON columns `related`/`related_resource_ids` (Prefect has btree
    # ones): a large related list overflows PostgreSQL's btree row limit, and related
    # filters are answered from event_resources. `recorded` serves the websocket
    # catch-up that picks up events written by other processes.
    __table_args__ = (
        sa.Index(None, "occurred", "id"),
        sa.Index(None, "event", "occurred", "id"),
        sa.Index(None, "resource_id", "occurred"),
        sa.Index(None, "recorded"),
        sa.Index(
            "ix_events__flow_run_heartbeats",
            "resource_id",
            "occurred",
            sqlite_where=sa.text(HEARTBEAT_PREDICATE),
            postgresql_where=sa.text(HEARTBEAT_PREDICATE),
        ),
    )

    occurred: Mapped[datetime]
    event: Mapped[str] = mapped_column(sa.Text())
    resource_id: Mapped[str] = mapped_column(sa.Text())
    resource: Mapped[dict[str, Any]] = mapped_column(JSONType(), nullable=False)
    related_resource_ids: Mapped[list[Any]] = mapped_column(
        JSONType(), default=list, nullable=False
    )
    related: Mapped[list[Any]] = mapped_column(JSONType(), default=list, nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType(), nullable=False)
    received: Mapped[datetime]
    recorded: Mapped[datetime]
    follows: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid())


class EventResource(Base):
    __tablename__ = "event_resources"
    __table_args__ = (
        sa.Index(None, "resource_id", "occurred"),
        # for deleting old events by age (retention)
        sa.Index(None, "occurred"),
    )

    occurred: Mapped[datetime]
    resource_id: Mapped[str] = mapped_column(sa.Text())
    # "" for the event's primary resource
    resource_role: Mapped[str] = mapped_column(sa.Text())
    # the labels without prefect.resource.id and prefect.resource.role
    resource: Mapped[dict[str, Any]] = mapped_column(JSONType(), nullable=False)
    # no foreign key: rows are bulk-inserted beside their event and deleted with it by age
    event_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid())


__all__ = ["HEARTBEAT_PREDICATE", "Event", "EventResource"]
