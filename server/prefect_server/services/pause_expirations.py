"""Pause expirations: a Paused run not resumed before its pause timeout becomes Failed.

The flow process waiting in a pause sees the Failed state and stops; a suspended run
(whose process has exited) simply ends. As in Prefect the state is forced: the pause has
expired whatever the rules would say about leaving it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from prefect._time import now as clock
from prefect.schemas.actions import StateCreate
from prefect.schemas.objects import StateType
from prefect.schemas.responses import SetStateStatus

from prefect_server.database import orm
from prefect_server.orchestration.transition import propose_state, state_from_row
from prefect_server.services.base import LoopService

_PAUSED = StateType.PAUSED.value


class PauseExpirations(LoopService):
    name = "pause_expirations"
    batch_size = 200

    async def run_once(self, now: datetime | None = None) -> int:
        moment = now or clock()
        changed = 0
        after = uuid.UUID(int=0)
        while True:
            # the pause timeout lives in the state's JSON details, so the scan walks the
            # (few) paused runs by id and checks each one's timeout here
            ids = await self.candidates(
                sa.select(orm.FlowRun.id)
                .where(orm.FlowRun.state_type == _PAUSED, orm.FlowRun.id > after)
                .order_by(orm.FlowRun.id)
                .limit(self.batch_size)
            )
            if not ids:
                return changed
            after = ids[-1]
            async with self.db.write() as session:
                stmt = (
                    sa.select(orm.FlowRun)
                    .where(orm.FlowRun.id.in_(ids), orm.FlowRun.state_type == _PAUSED)
                    .with_for_update(skip_locked=True)
                )
                for run in (await session.execute(stmt)).scalars():
                    state = state_from_row(run.state)
                    timeout = state.state_details.pause_timeout if state else None
                    if timeout is None or timeout >= moment:
                        continue
                    verb = "suspended" if state and state.name == "Suspended" else "paused"
                    failed = StateCreate(
                        type=StateType.FAILED,
                        name="Failed",
                        message=f"The flow run was {verb} until {timeout.isoformat()} "
                        "and was not resumed in time.",
                    )
                    result = await propose_state(session, run, failed, force=True, at=moment)
                    changed += result.status == SetStateStatus.ACCEPT
            if len(ids) < self.batch_size:
                return changed
