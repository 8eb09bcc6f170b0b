"""`get_scheduled_flow_runs` with `wait_seconds`: a worker's poll held until there is work.

Prefect's workers poll every 10 s, so a run made by `deployment run` waited 6 s on
average before a worker saw it. Here a worker may ask the server to hold its poll: the
request answers as soon as the pool has a run to start, or when the wait is over (an
empty list). It wakes when a run of the pool changes state in this process (a run
scheduled, or one finishing and freeing a concurrency slot: `events.pool_wakeups`), when
the earliest Scheduled run falls into the worker's window, and every `RECHECK_SECONDS`
for what other processes wrote (services run apart, other API replicas).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import datetime, timedelta

from prefect._time import now
from prefect.schemas.work_pools import (
    DEFAULT_LIMIT,
    GetScheduledFlowRunsRequest,
    WorkerFlowRunResponse,
)

from prefect_server.api import convert
from prefect_server.database.engine import Database
from prefect_server.events import pool_wakeups
from prefect_server.models import work_pool_polls as polls
from prefect_server.models import work_pools as pools
from prefect_server.models import work_queues as queues
from prefect_server.models.queue_priorities import pool_queues

# writes of other processes are not announced here: a waiting poll looks again this often
RECHECK_SECONDS = 2.0


async def _poll_once(
    db: Database, name: str, body: GetScheduledFlowRunsRequest, before: datetime | None
) -> tuple[list[WorkerFlowRunResponse], object, datetime | None]:
    """One poll: the runs to start, the pool's id, and (when there are none) the earliest
    scheduled time after the window, if any."""
    async with db.write() as session:
        pool = await pools.get_work_pool(session, name)
        if body.work_queue_names:
            polled = [
                await queues.get_work_queue_in_pool(session, name, queue_name)
                for queue_name in dict.fromkeys(body.work_queue_names)
            ]
        else:
            polled = await pool_queues(session, pool.id)
        picked = await polls.scheduled_flow_runs(
            session,
            pool,
            polled,
            scheduled_before=before,
            scheduled_after=body.scheduled_after,
            limit=DEFAULT_LIMIT if body.limit is None else body.limit,
        )
        answer = [
            WorkerFlowRunResponse(
                work_pool_id=pool.id, work_queue_id=queue.id, flow_run=convert.flow_run(run)
            )
            for run, queue in picked
        ]
        await polls.record_polls(session, polled, now())
        due = None
        if not answer and body.wait_seconds and before is not None:
            due = await polls.next_due(session, polled, before)
    return answer, pool.id, due


async def scheduled_runs(
    db: Database, name: str, body: GetScheduledFlowRunsRequest
) -> list[WorkerFlowRunResponse]:
    """The runs a worker of pool `name` may start, waiting up to `body.wait_seconds`."""
    wait = body.wait_seconds or 0.0
    deadline = time.monotonic() + wait
    started = now()
    with contextlib.ExitStack() as stack:
        woken: asyncio.Event | None = None
        while True:
            shift = now() - started
            before = body.scheduled_before
            if before is not None and wait:
                before = before + shift  # the window moves with the clock while waiting
            if woken is not None:
                woken.clear()  # before the query: a change after it wakes the wait below
            answer, pool_id, due = await _poll_once(db, name, body, before)
            left = deadline - time.monotonic()
            if answer or left <= 0 or pool_wakeups.closing():
                return answer
            if woken is None:
                # listen first, then look again, so that no change falls between the two
                woken = stack.enter_context(pool_wakeups.waiting(pool_id))
                continue
            pause = min(left, RECHECK_SECONDS)
            if due is not None and before is not None:
                pause = min(pause, max((due - before) / timedelta(seconds=1), 0.0))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(woken.wait(), pause)
