"""The repossessor: frees the concurrency slots of leases that have expired.

A lease holder renews its lease while it works; one that crashed stops renewing, and once
its lease expires this service gives the slots back and deletes the lease, so a limit is
never blocked for good by a process that is gone. Each batch is its own transaction;
leases being released or renewed at that moment are skipped and seen on the next pass.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from prefect._time import now as clock

from prefect_server.models import concurrency_leases
from prefect_server.services.base import LoopService


class Repossessor(LoopService):
    name: ClassVar[str] = "repossessor"
    # leases released per transaction, so that one pass never holds many row locks
    batch_size: int = concurrency_leases.REPOSSESS_BATCH

    async def run_once(self, now: datetime | None = None) -> int:
        """Release every lease that expired before `now`; how many were released."""
        at = now if now is not None else clock()
        released = 0
        while True:
            async with self.db.write() as session:
                count = await concurrency_leases.release_expired(session, at, batch=self.batch_size)
            released += count
            if count < self.batch_size:
                return released
