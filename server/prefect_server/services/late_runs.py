"""Late runs: a Scheduled run still waiting well past its scheduled time is marked Late.

Late is a Scheduled state with another name, proposed through orchestration (with only
the rule that a run must be Scheduled to become Late), so the run's history shows when
it became late and a worker can still pick it up.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from prefect._time import now as clock
from prefect.schemas.actions import StateCreate
from prefect.schemas.objects import StateDetails, StateType
from prefect.schemas.responses import SetStateStatus

from prefect_server.database import orm
from prefect_server.orchestration.policy import MARK_LATE_POLICY
from prefect_server.orchestration.transition import propose_state
from prefect_server.services.base import LoopService


class LateRuns(LoopService):
    name = "late_runs"
    batch_size = 400

    @property
    def after(self) -> timedelta:
        """How long past its scheduled time a run may wait before it is Late."""
        return timedelta(seconds=self.settings.server_services_late_runs_after_seconds)

    def _late(self, cutoff: datetime) -> list[sa.ColumnElement[bool]]:
        return [
            orm.FlowRun.state_type == StateType.SCHEDULED.value,
            # AwaitingRetry, AwaitingConcurrencySlot... are waiting on purpose
            orm.FlowRun.state_name == "Scheduled",
            orm.FlowRun.next_scheduled_start_time <= cutoff,
        ]

    async def run_once(self, now: datetime | None = None) -> int:
        moment = now or clock()
        cutoff = moment - self.after
        changed = 0
        while True:
            ids = await self.candidates(
                sa.select(orm.FlowRun.id)
                .where(*self._late(cutoff))
                .order_by(orm.FlowRun.next_scheduled_start_time)
                .limit(self.batch_size)
            )
            if not ids:
                return changed
            marked = 0
            async with self.db.write() as session:
                # checked again under the lock: a worker may have taken a run meanwhile
                stmt = (
                    sa.select(orm.FlowRun)
                    .where(orm.FlowRun.id.in_(ids), *self._late(cutoff))
                    .with_for_update(skip_locked=True)
                )
                for run in (await session.execute(stmt)).scalars():
                    late = StateCreate(
                        type=StateType.SCHEDULED,
                        name="Late",
                        state_details=StateDetails(scheduled_time=run.next_scheduled_start_time),
                    )
                    result = await propose_state(
                        session, run, late, policy=MARK_LATE_POLICY, at=moment
                    )
                    marked += result.status == SetStateStatus.ACCEPT
            changed += marked
            # a short batch was the last; a batch that changed nothing would come back again
            if len(ids) < self.batch_size or not marked:
                return changed
