"""The scheduler: keeps the runs of every active schedule created ahead of time.

Each pass walks the unpaused deployments that have an active schedule, a page at a time
(one transaction per page), and inserts the runs their schedules are missing; see
`prefect_server.models.scheduled_runs` for the window and the idempotency keys that make
repeated, restarted and concurrent passes safe.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from prefect._time import now as clock

from prefect_server.models.scheduled_runs import (
    SchedulingPolicy,
    schedulable_deployment_ids,
    schedule_runs,
)
from prefect_server.services.base import LoopService

# deployments per transaction: bounds the memory and the time the write lock is held
DEPLOYMENT_PAGE = 100


class Scheduler(LoopService):
    name = "scheduler"

    async def run_once(self, now: datetime | None = None) -> int:
        """Create the missing runs as of `now`; how many were created."""
        now = now or clock()
        policy = SchedulingPolicy.from_settings(self.settings)
        created = 0
        after: uuid.UUID | None = None
        while True:
            async with self.db.write() as session:
                ids = await schedulable_deployment_ids(session, after, DEPLOYMENT_PAGE)
                created += await schedule_runs(session, ids, now, policy)
            if len(ids) < DEPLOYMENT_PAGE:
                return created
            after = ids[-1]
