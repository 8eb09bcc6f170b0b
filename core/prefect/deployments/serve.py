"""`flow.serve(...)` and `prefect.serve(*deployments)`: run deployments in this process.

    if __name__ == "__main__":
        etl.serve(name="every-minute", interval=60)          # blocks until Ctrl-C
        # or several: prefect.serve(a.to_deployment("a"), b.to_deployment("b"), limit=4)

The runner registers the deployments (without a work pool, as Prefect 3 does), then
asks the server for their due runs (`POST /deployments/get_scheduled_flow_runs`) every
`poll_seconds` and runs each in a subprocess (`prefect flow-run execute`). Everything
else is the process worker's (`prefect.workers.process`): a process group per run, the
pre-started standby process, `limit` runs at a time, cancellation through the event
stream (here: Cancelling events of the served deployments), a crashed process reported
Crashed. SIGINT or SIGTERM stops it; as in Prefect 3 the deployments' schedules are then
paused, so that no runs pile up for a runner that is gone (`pause_on_shutdown=False`
keeps them).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from prefect.workers.process import ProcessWorker

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment
    from prefect.schemas.objects import FlowRun

__all__ = ["Runner", "aserve", "serve"]

logger = logging.getLogger("prefect.runner")

# how often a runner asks for due runs: the deployments route has no long poll
DEFAULT_POLL_SECONDS = 0.5


class Runner(ProcessWorker):
    """A process worker over a fixed set of deployments instead of a work pool."""

    type: ClassVar[str] = "process"

    def __init__(
        self,
        deployments: list[RunnerDeployment],
        *,
        name: str | None = None,
        limit: int | None = None,
        poll_seconds: float = DEFAULT_POLL_SECONDS,
        **kwargs: Any,
    ) -> None:
        runner_name = name or f"runner-{uuid.uuid4()}"
        super().__init__(
            runner_name, name=runner_name, limit=limit, create_pool_if_not_found=False, **kwargs
        )
        self.deployments = deployments
        self.deployment_ids: list[uuid.UUID] = []
        self.poll_seconds = poll_seconds

    async def setup_pool(self) -> None:
        """No pool: register the deployments and start the standby process."""
        self.deployment_ids = [
            await deployment.aapply(client=self.client) for deployment in self.deployments
        ]
        names = ", ".join(d.full_name for d in self.deployments)
        logger.info("Serving %d deployment(s): %s", len(self.deployments), names)
        if self._standby is not None:
            self._standby._start_soon(0.0)

    async def heartbeat(self) -> None:
        return None  # a runner has no pool to beat for

    async def beat(self) -> None:
        return None

    async def scheduled_runs(self, before: datetime, wait_seconds: float) -> list[FlowRun]:
        runs = await self.client.get_scheduled_flow_runs_for_deployments(
            self.deployment_ids, scheduled_before=before, limit=self.free_slots()
        )
        if not runs and wait_seconds > 0:
            await self._sleep_or_stop(min(wait_seconds, self.poll_seconds))
        return runs

    def watched_resources(self) -> list[str]:
        return [f"prefect.deployment.{i}" for i in self.deployment_ids]

    async def pause_schedules(self) -> None:
        for deployment_id in self.deployment_ids:
            try:
                await self.client.pause_deployment(deployment_id)
            except Exception as exc:
                logger.warning("Could not pause deployment %s: %s", deployment_id, exc)


async def aserve(
    *deployments: RunnerDeployment,
    limit: int | None = None,
    pause_on_shutdown: bool = True,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    **_ignored: Any,
) -> None:
    """Serve the deployments until SIGINT/SIGTERM (or cancellation of this coroutine)."""
    from prefect.client.orchestration import get_client
    from prefect.logging.loggers import setup_logging

    setup_logging()
    if not deployments:
        raise ValueError("serve() needs at least one deployment")
    runner = Runner(list(deployments), limit=limit, poll_seconds=poll_seconds)
    loop = asyncio.get_running_loop()
    handled = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, runner.stop)
            handled.append(signum)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not the main thread: the caller stops it by cancelling
    try:
        async with get_client() as client:
            try:
                await runner.run(client=client)
            finally:
                if pause_on_shutdown:
                    runner._client = client
                    await runner.pause_schedules()
                    runner._client = None
    finally:
        for signum in handled:
            loop.remove_signal_handler(signum)


def serve(
    *deployments: RunnerDeployment,
    limit: int | None = None,
    pause_on_shutdown: bool = True,
    **kwargs: Any,
) -> None:
    """`prefect.serve(*deployments, limit=...)`: blocks, serving them (see the module)."""
    asyncio.run(aserve(*deployments, limit=limit, pause_on_shutdown=pause_on_shutdown, **kwargs))
