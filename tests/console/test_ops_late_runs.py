"""`ops.late_runs.late_by_deployment` on SQLite and PostgreSQL: Scheduled runs past their
start, counted per deployment (exactly, beyond the page it scans), oldest first."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from prefect.client.orchestration import get_client
from prefect.states import Scheduled
from prefect_console.ops import late_runs
from prefect_console.ops.late_runs import late_by_deployment

from tests.console.seed import FROZEN_NOW
from tests.console.seed_deployments import SeededWork, seed_all


def test_late_runs_are_counted_per_deployment(store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    work = seed_all(store)  # runs its own event loop
    asyncio.run(_check(work, monkeypatch))


async def _check(work: SeededWork, monkeypatch: pytest.MonkeyPatch) -> None:
    async with get_client() as client:
        for minutes in (30, 40, 50):
            when = FROZEN_NOW - timedelta(minutes=minutes)
            await client.create_flow_run_from_deployment(
                work.weekly, state=Scheduled(scheduled_time=when)
            )
        # a page smaller than the late runs: the counts stay exact
        monkeypatch.setattr(late_runs, "SCAN", 2)
        found = await late_by_deployment(client, FROZEN_NOW)
        assert [(d.name, d.late) for d in found] == [("report/weekly", 4)]
        monkeypatch.setattr(late_runs, "SCAN", 500)
        found = await late_by_deployment(client, FROZEN_NOW)
        assert [(d.name, d.late) for d in found] == [("report/weekly", 4), ("etl/nightly", 1)]
        assert found[0].oldest == FROZEN_NOW - timedelta(minutes=50)
        assert found[0].deployment_id == work.weekly
        # an hour earlier nothing of the seed is late yet
        assert await late_by_deployment(client, FROZEN_NOW - timedelta(hours=3)) == []
        assert len(await late_by_deployment(client, FROZEN_NOW, limit=1)) == 1
