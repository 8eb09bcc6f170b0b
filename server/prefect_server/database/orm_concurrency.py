"""ORM tables: Concurrency limits: v1 (by tag) and v2 (global, with leases)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from prefect._time import now
from sqlalchemy.orm import Mapped, mapped_column

from prefect_server.database.orm import Base
from prefect_server.database.types import JSONType


class ConcurrencyLimit(Base):
    """v1: how many task runs carrying `tag` may be Running, and which ones are."""

    __tablename__ = "concurrency_limit"

    tag: Mapped[str] = mapped_column(sa.String(), unique=True)
    concurrency_limit: Mapped[int]
    # ids (as text) of the task runs holding a slot
    active_slots: Mapped[list[Any]] = mapped_column(JSONType(), default=list, nullable=False)


class ConcurrencyLimitV2(Base):
    """v2: a named pool of slots, optionally decaying (a rate limit)."""

    __tablename__ = "concurrency_limit_v2"

    active: Mapped[bool] = mapped_column(default=True)
    name: Mapped[str] = mapped_column(sa.String(), unique=True)
    limit: Mapped[int]
    active_slots: Mapped[int] = mapped_column(default=0)
    denied_slots: Mapped[int] = mapped_column(default=0)
    slot_decay_per_second: Mapped[float] = mapped_column(sa.Float(), default=0.0)
    avg_slot_occupancy_seconds: Mapped[float] = mapped_column(sa.Float(), default=2.0)
    # The moment `active_slots` and `denied_slots` were brought up to date: decay is
    # counted from here. Kept apart from `updated` because an update may carry over the
    # part of a slot that had not decayed yet, so frequent requests cannot stall decay.
    slots_as_of: Mapped[datetime] = mapped_column(default=now)


class ConcurrencyLease(Base):
    """Slots of some v2 limits held until released or until `expiration`."""

    __tablename__ = "concurrency_lease"
    __table_args__ = (sa.Index(None, "expiration"),)

    expiration: Mapped[datetime]
    # ids (as text) of the v2 limits whose slots this lease holds; plain JSON, not foreign
    # keys, so that deleting a limit leaves its leases to expire harmlessly
    resource_ids: Mapped[list[Any]] = mapped_column(JSONType(), default=list, nullable=False)
    slots: Mapped[int]
    holder: Mapped[dict[str, Any] | None] = mapped_column(JSONType(), nullable=True)


__all__ = ["ConcurrencyLease", "ConcurrencyLimit", "ConcurrencyLimitV2"]
