"""Event-loop stalls of `prefect ui` against a real API, under a 10 ms asyncio probe.

    .venv/bin/python tests/bench/bench_tui.py --api-url http://127.0.0.1:4200/api

Point it at a server whose store holds many runs (scripts/seed_runs.py makes a million).
It prints the longest stall while the runs table first loads and over ten seconds of
refreshes, then seeds one run with 100,000 log lines and prints the stalls while its
screen opens and while the logs are paged back. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from datetime import timedelta


class Probe:
    """Records how late a 10 ms sleep wakes up: the event loop's stalls."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            t = time.perf_counter()
            await asyncio.sleep(0.01)
            self.lags.append(time.perf_counter() - t - 0.01)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    def mark(self) -> int:
        return len(self.lags)

    def stop(self) -> None:
        if self._task:
            self._task.cancel()

    def report(self, label: str, start: int, end: int | None = None) -> None:
        window = sorted(self.lags[start:end])
        if not window:
            print(f"{label}: no samples")
            return
        p99 = window[min(len(window) - 1, int(len(window) * 0.99))]
        print(f"{label}: max stall {window[-1] * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms")


async def seed_chatty_run(lines: int) -> uuid.UUID:
    from prefect._time import now
    from prefect.client.orchestration import get_client
    from prefect.schemas.actions import LogCreate

    async with get_client() as client:
        flow_id = await client.create_flow_from_name("bench-chatty")
        run = await client.create_flow_run(flow_id=flow_id, name=f"chatty-{lines}")
        t0 = now() - timedelta(hours=1)
        for start in range(0, lines, 1000):
            await client.create_logs(
                LogCreate(
                    name="prefect.flow_runs",
                    level=20,
                    message=f"line {i} [INFO] payload {'x' * 40}",
                    timestamp=t0 + timedelta(milliseconds=i),
                    flow_run_id=run.id,
                )
                for i in range(start, min(start + 1000, lines))
            )
        return run.id


async def main(lines: int) -> None:
    from prefect_console.tui.app import ConsoleApp
    from prefect_console.tui.screens.flow_run import FlowRunScreen

    run_id = await seed_chatty_run(lines)
    probe = Probe()
    app = ConsoleApp(refresh_seconds=1.0)
    async with app.run_test(size=(120, 40)) as pilot:
        probe.start()
        await pilot.pause(3)
        loaded = probe.mark()
        await pilot.pause(10)
        refreshed = probe.mark()
        await app.push_screen(FlowRunScreen(run_id, focus="logs"))
        await pilot.pause(3)
        opened = probe.mark()
        for _ in range(40):
            await pilot.press("pageup")
            await pilot.pause(0.05)
        await pilot.press("home")
        await pilot.pause(3)
        probe.stop()
    probe.report("runs table, first load", 0, loaded)
    probe.report("runs table, 10 s of refreshes every 1 s", loaded, refreshed)
    probe.report(f"run with {lines:,} log lines, opening", refreshed, opened)
    probe.report(f"run with {lines:,} log lines, paging back", opened)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--log-lines", type=int, default=100_000)
    args = parser.parse_args()
    os.environ["PREFECT_API_URL"] = args.api_url
    asyncio.run(main(args.log_lines))
