"""Cancellation cleanup: settle what a cancellation leaves behind.

- Child flow runs of a Cancelled run (found through their parent task run) are
  cancelled too: Cancelled at once, or Cancelling when they have a deployment, so that
  the worker holding them stops their infrastructure. Grandchildren follow in the same
  pass, level by level.
- Task runs still in a non-final state inside a Cancelled flow run become Cancelled.
- A run Cancelling for longer than the cancelling timeout (300 s unless
  PREFECT_SERVER_SERVICES_CANCELLATION_CLEANUP_CANCELLING_TIMEOUT_SECONDS says otherwise)
  becomes Cancelled: whoever should have stopped it is gone.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from prefect._time import now as clock
from prefect.exceptions import ConfigurationError
from prefect.schemas.actions import StateCreate
from prefect.schemas.objects import TERMINAL_STATES, StateType
from prefect.schemas.responses import SetStateStatus
from sqlalchemy.orm import aliased

from prefect_server.database import orm
from prefect_server.orchestration.transition import propose_state
from prefect_server.services.base import LoopService

CANCELLING_TIMEOUT_SETTING = (
    "PREFECT_SERVER_SERVICES_CANCELLATION_CLEANUP_CANCELLING_TIMEOUT_SECONDS"
)
DEFAULT_CANCELLING_TIMEOUT = 300.0
PARENT_CANCELLED = "Cancelled with the flow run it belongs to."

_UNFINISHED = [t.value for t in StateType if t not in TERMINAL_STATES]
# a deep tree is settled over several passes rather than in one unbounded pass
_MAX_LEVELS = 20


class CancellationCleanup(LoopService):
    name = "cancellation_cleanup"
    batch_size = 200

    @property
    def cancelling_timeout(self) -> timedelta:
        try:
            seconds = float(self.settings.value_of(CANCELLING_TIMEOUT_SETTING))
        except ConfigurationError:
            seconds = DEFAULT_CANCELLING_TIMEOUT
        return timedelta(seconds=seconds)

    async def run_once(self, now: datetime | None = None) -> int:
        moment = now or clock()
        changed = 0
        for _ in range(_MAX_LEVELS):
            level = await self.cancel_child_flow_runs(moment)
            changed += level
            if not level:
                break
        changed += await self.cancel_task_runs(moment)
        changed += await self.time_out_cancelling(moment)
        return changed

    async def cancel_child_flow_runs(self, moment: datetime) -> int:
        """Cancel unfinished subflow runs whose parent flow run is Cancelled."""
        child = aliased(orm.FlowRun)
        parent = aliased(orm.FlowRun)

        def orphans(stmt: sa.Select[Any]) -> sa.Select[Any]:
            return (
                stmt.join(orm.TaskRun, orm.TaskRun.id == child.parent_task_run_id)
                .join(parent, parent.id == orm.TaskRun.flow_run_id)
                .where(
                    parent.state_type == StateType.CANCELLED.value,
                    child.state_type.in_(_UNFINISHED),
                    # already asked its worker to stop it: nothing more to do here
                    sa.not_(
                        sa.and_(
                            child.state_type == StateType.CANCELLING.value,
                            child.deployment_id.is_not(None),
                        )
                    ),
                )
            )

        changed = 0
        after = uuid.UUID(int=0)
        while True:
            ids = await self.candidates(
                orphans(sa.select(child.id))
                .where(child.id > after)
                .order_by(child.id)
                .limit(self.batch_size)
            )
            if not ids:
                return changed
            after = ids[-1]
            async with self.db.write() as session:
                stmt = (
                    orphans(sa.select(child))
                    .where(child.id.in_(ids))
                    .with_for_update(of=child, skip_locked=True)
                )
                for run in (await session.execute(stmt)).scalars():
                    # a deployed child may hold infrastructure that its worker must stop
                    target = StateType.CANCELLING if run.deployment_id else StateType.CANCELLED
                    proposal = StateCreate(type=target, message=PARENT_CANCELLED)
                    result = await propose_state(session, run, proposal, at=moment)
                    changed += result.status == SetStateStatus.ACCEPT
            if len(ids) < self.batch_size:
                return changed

    async def cancel_task_runs(self, moment: datetime) -> int:
        """Cancel task runs left unfinished in Cancelled flow runs."""

        def leftovers(stmt: sa.Select[Any]) -> sa.Select[Any]:
            return stmt.join(orm.FlowRun, orm.FlowRun.id == orm.TaskRun.flow_run_id).where(
                orm.FlowRun.state_type == StateType.CANCELLED.value,
                orm.TaskRun.state_type.in_(_UNFINISHED),
            )

        changed = 0
        while True:
            ids = await self.candidates(
                leftovers(sa.select(orm.TaskRun.id)).order_by(orm.TaskRun.id).limit(self.batch_size)
            )
            if not ids:
                return changed
            done = 0
            async with self.db.write() as session:
                stmt = (
                    leftovers(sa.select(orm.TaskRun))
                    .where(orm.TaskRun.id.in_(ids))
                    .with_for_update(of=orm.TaskRun, skip_locked=True)
                )
                for run in (await session.execute(stmt)).scalars():
                    # forced, as in Prefect: a task of a cancelled flow ends whatever its state
                    proposal = StateCreate(type=StateType.CANCELLED, message=PARENT_CANCELLED)
                    result = await propose_state(session, run, proposal, force=True, at=moment)
                    done += result.status == SetStateStatus.ACCEPT
            changed += done
            if len(ids) < self.batch_size or not done:
                return changed

    async def time_out_cancelling(self, moment: datetime) -> int:
        """Cancel runs that have been Cancelling for longer than the cancelling timeout."""
        timeout = self.cancelling_timeout

        def stuck(stmt: sa.Select[Any]) -> sa.Select[Any]:
            return stmt.join(orm.FlowRunState, orm.FlowRunState.id == orm.FlowRun.state_id).where(
                orm.FlowRun.state_type == StateType.CANCELLING.value,
                orm.FlowRunState.timestamp <= moment - timeout,
            )

        changed = 0
        while True:
            ids = await self.candidates(
                stuck(sa.select(orm.FlowRun.id)).order_by(orm.FlowRun.id).limit(self.batch_size)
            )
            if not ids:
                return changed
            done = 0
            async with self.db.write() as session:
                stmt = (
                    stuck(sa.select(orm.FlowRun))
                    .where(orm.FlowRun.id.in_(ids))
                    .with_for_update(of=orm.FlowRun, skip_locked=True)
                )
                for run in (await session.execute(stmt)).scalars():
                    proposal = StateCreate(
                        type=StateType.CANCELLED,
                        message=f"The run was still Cancelling after {timeout.total_seconds():g}"
                        " s; the server marked it Cancelled.",
                    )
                    result = await propose_state(session, run, proposal, at=moment)
                    done += result.status == SetStateStatus.ACCEPT
            changed += done
            if len(ids) < self.batch_size or not done:
                return changed
