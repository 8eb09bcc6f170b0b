"""Retention: old events, and (when asked) old finished flow runs, are deleted.

- Events that occurred longer ago than PREFECT_SERVER_EVENTS_RETENTION_PERIOD (seconds,
  7 days by default) go, with their `event_resources` rows.
- With PREFECT_SERVER_SERVICES_RETENTION_FLOW_RUNS_DAYS set, flow runs in a terminal
  state (Completed, Failed, Cancelled, Crashed) that ended longer ago than that many days
  go, with their task runs, states, logs and inputs. Unset (the default), runs are kept.

Deletes go in batches, each in a transaction of its own, so that a large store is trimmed
over many short write transactions and never holds SQLite's write lock (or PostgreSQL's
row locks) for long; every batch looks first in a read transaction and takes the write
lock only when there is something to delete. Events and their resource rows are both
deleted by age, which their `occurred` indexes answer (resource rows carry their event's
`occurred` and are not indexed by event id).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from prefect._time import now as clock
from prefect.schemas.objects import TERMINAL_STATES

from prefect_server.database import orm
from prefect_server.database.orm_events import Event, EventResource
from prefect_server.models.flow_runs import delete_runs_cascade
from prefect_server.services.base import LoopService

_FINISHED = sorted(state.value for state in TERMINAL_STATES)


class Retention(LoopService):
    name = "retention"
    # rows of `events` (or `event_resources`) deleted per transaction
    event_batch_size = 1000
    # flow runs deleted per transaction (each with all its task runs, states and logs)
    flow_run_batch_size = 50

    @property
    def events_period(self) -> timedelta:
        return timedelta(seconds=self.settings.server_events_retention_period)

    @property
    def flow_runs_period(self) -> timedelta | None:
        days = self.settings.server_services_retention_flow_runs_days
        return None if days is None else timedelta(days=days)

    async def run_once(self, now: datetime | None = None) -> int:
        moment = now or clock()
        changed = await self.delete_events(moment - self.events_period)
        period = self.flow_runs_period
        if period is not None:
            changed += await self.delete_flow_runs(moment - period)
        return changed

    async def delete_events(self, cutoff: datetime) -> int:
        """Delete events that occurred before `cutoff`, and their resource rows; how many
        events were deleted."""
        deleted = await self._delete_by_age(Event, cutoff)
        await self._delete_by_age(EventResource, cutoff)
        return deleted

    async def _delete_by_age(self, table: type[Event | EventResource], cutoff: datetime) -> int:
        deleted = 0
        while True:
            oldest = (
                sa.select(table.id)
                .where(table.occurred < cutoff)
                .order_by(table.occurred)
                .limit(self.event_batch_size)
            )
            ids = await self.candidates(oldest)
            if not ids:
                return deleted
            async with self.db.write() as session:
                result: Any = await session.execute(
                    sa.delete(table).where(table.id.in_(ids)),
                    execution_options={"synchronize_session": False},
                )
                deleted += int(result.rowcount or 0)
            if len(ids) < self.event_batch_size:
                return deleted

    async def delete_flow_runs(self, cutoff: datetime) -> int:
        """Delete flow runs that finished before `cutoff` with everything under them."""

        def old(stmt: sa.Select[Any]) -> sa.Select[Any]:
            return stmt.where(orm.FlowRun.state_type.in_(_FINISHED), orm.FlowRun.end_time < cutoff)

        deleted = 0
        while True:
            ids: list[uuid.UUID] = await self.candidates(
                old(sa.select(orm.FlowRun.id))
                .order_by(orm.FlowRun.end_time)
                .limit(self.flow_run_batch_size)
            )
            if not ids:
                return deleted
            async with self.db.write() as session:
                # checked again in the write transaction: a run may have been forced back
                # out of its final state meanwhile
                still = list(
                    (
                        await session.execute(
                            old(sa.select(orm.FlowRun.id)).where(orm.FlowRun.id.in_(ids))
                        )
                    ).scalars()
                )
                if still:
                    await delete_runs_cascade(session, still)
            deleted += len(still)
            if len(ids) < self.flow_run_batch_size:
                return deleted
