"""The `flow_run_input` table: key/value inputs of flow runs (pause/resume with input)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from prefect_server.database.orm import Base


class FlowRunInput(Base):
    __tablename__ = "flow_run_input"
    __table_args__ = (sa.UniqueConstraint("flow_run_id", "key"),)

    flow_run_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("flow_run.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String())
    value: Mapped[str] = mapped_column(sa.Text())
    sender: Mapped[str | None] = mapped_column(sa.String())


__all__ = ["FlowRunInput"]
