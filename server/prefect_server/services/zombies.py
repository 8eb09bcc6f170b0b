"""Zombie runs: a Running flow run whose heartbeats stopped is Crashed.

A flow process sends a `prefect.flow-run.heartbeat` event every few seconds while its run
is Running (PREFECT_RUNNER_HEARTBEAT_FREQUENCY). When the process is killed, nobody
reports a final state; this service notices that the beats stopped and proposes Crashed
through orchestration, so the run's history, its events and the console show it like any
other crash.

A run is crashed when it has been Running for longer than
PREFECT_SERVER_SERVICES_ZOMBIES_AFTER_SECONDS, has sent a heartbeat, and sent none in
the last AFTER_SECONDS. Runs that never sent one (older clients, heartbeats switched off,
runs driven by hand through the API) are left alone: silence proves nothing about them.
Times are the events' `occurred` (the flow process's clock).

Cost with many events: a pass reads the Running runs in batches (index on
`flow_run.state_type`), and the latest heartbeat of each with one `max(occurred)` in the
partial index `ix_events__flow_run_heartbeats` (`(resource_id, occurred)` of heartbeat
rows only; migration 0010): one index step per Running run, whatever the number of
events in the store or the length of a run's history. Being partial, the index costs
nothing to the other events written (task-run events come by the thousand).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from prefect._time import now as clock
from prefect.schemas.actions import StateCreate
from prefect.schemas.objects import StateType
from prefect.schemas.responses import SetStateStatus
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database import orm
from prefect_server.database.orm_events import HEARTBEAT_PREDICATE, Event
from prefect_server.orchestration.transition import propose_state
from prefect_server.services.base import LoopService

HEARTBEAT_EVENT = "prefect.flow-run.heartbeat"
RESOURCE_PREFIX = "prefect.flow-run."
# columns of one statement (PostgreSQL takes at most 1664, SQLite 2000)
_MAX_PER_STATEMENT = 256


def crash_message(silence: timedelta) -> str:
    seconds = max(silence.total_seconds(), 0.0)
    return f"No heartbeat for {seconds:.0f} s: the process running this flow run is gone."


@functools.cache
def _latest_beats_statement(size: int) -> sa.Select[*tuple[Any, ...]]:
    """SELECT of `size` columns, the latest heartbeat of the resources `:r0`...

    Built once per size (sizes are powers of two): a statement of hundreds of subqueries
    costs more to build than the database takes to answer it.
    """
    # the literal predicate, not a bound parameter: planners match it to the partial index
    heartbeat = sa.text(HEARTBEAT_PREDICATE)
    return sa.select(
        *(
            sa.select(sa.func.max(Event.occurred))
            .where(heartbeat, Event.resource_id == sa.bindparam(f"r{i}", type_=sa.Text()))
            .scalar_subquery()
            for i in range(size)
        )
    )


async def latest_heartbeats(
    session: AsyncSession, run_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, datetime]:
    """When each of these runs sent its latest heartbeat (runs that sent none are left out).

    One row of one `max(occurred)` subquery per run, each a single step back in the
    partial heartbeat index, however many beats the run or the store holds. (A GROUP BY
    over the list would read every beat of every run; given a list, SQLite's planner also
    prefers walking every heartbeat in the store by `(event, occurred, id)`.)
    """
    runs = list(dict.fromkeys(run_ids))
    found: dict[uuid.UUID, datetime] = {}
    for start in range(0, len(runs), _MAX_PER_STATEMENT):
        chunk = runs[start : start + _MAX_PER_STATEMENT]
        size = 1 << (len(chunk) - 1).bit_length()
        # padded with resource ids no event has
        params = {f"r{i}": "" for i in range(len(chunk), size)}
        params.update({f"r{i}": f"{RESOURCE_PREFIX}{run_id}" for i, run_id in enumerate(chunk)})
        row = (await session.execute(_latest_beats_statement(size), params)).one()
        # the row is longer than the chunk by its padding
        beats = zip(chunk, row, strict=False)
        found.update({run_id: beat for run_id, beat in beats if beat is not None})
    return found


class Zombies(LoopService):
    name = "zombies"
    batch_size = 200

    @property
    def after(self) -> timedelta:
        """How long a Running run may go without a heartbeat before it is Crashed."""
        return timedelta(seconds=self.settings.server_services_zombies_after_seconds)

    @staticmethod
    def _running_since(cutoff: datetime) -> list[sa.ColumnElement[bool]]:
        return [
            orm.FlowRun.state_type == StateType.RUNNING.value,
            # a run that (re)entered Running within the window has had no chance to beat
            orm.FlowRunState.timestamp <= cutoff,
        ]

    async def run_once(self, now: datetime | None = None) -> int:
        moment = now or clock()
        cutoff = moment - self.after
        changed = 0
        after_id = uuid.UUID(int=0)
        while True:
            async with self.db.read() as session:
                stmt = (
                    sa.select(orm.FlowRun.id, orm.FlowRun.state_id)
                    .join(orm.FlowRunState, orm.FlowRunState.id == orm.FlowRun.state_id)
                    .where(*self._running_since(cutoff), orm.FlowRun.id > after_id)
                    .order_by(orm.FlowRun.id)
                    .limit(self.batch_size)
                )
                running = {run_id: state_id for run_id, state_id in await session.execute(stmt)}
                latest = await latest_heartbeats(session, running)
            silent = [run_id for run_id, last in latest.items() if last <= cutoff]
            if silent:
                changed += await self._crash(
                    {run_id: running[run_id] for run_id in silent}, moment, cutoff
                )
            if len(running) < self.batch_size:
                return changed
            after_id = max(running)

    async def _crash(
        self, expected: dict[uuid.UUID, uuid.UUID | None], moment: datetime, cutoff: datetime
    ) -> int:
        """Crash these runs if they are still in the Running state they were found in."""
        crashed = 0
        async with self.db.write() as session:
            stmt = (
                sa.select(orm.FlowRun)
                .join(orm.FlowRunState, orm.FlowRunState.id == orm.FlowRun.state_id)
                .where(orm.FlowRun.id.in_(list(expected)), *self._running_since(cutoff))
                .with_for_update(of=orm.FlowRun, skip_locked=True)
            )
            runs = [
                run
                for run in (await session.execute(stmt)).scalars()
                if run.state_id == expected[run.id]
            ]
            # checked again under the lock: a beat may have arrived since the read
            latest = await latest_heartbeats(session, [run.id for run in runs])
            for run in runs:
                last = latest.get(run.id)
                if last is None or last > cutoff:
                    continue
                proposal = StateCreate(
                    type=StateType.CRASHED, name="Crashed", message=crash_message(moment - last)
                )
                result = await propose_state(session, run, proposal, at=moment)
                if result.status == SetStateStatus.ACCEPT:
                    crashed += 1
                    self.logger.info(
                        "flow run %s crashed: no heartbeat since %s", run.id, last.isoformat()
                    )
        return crashed
