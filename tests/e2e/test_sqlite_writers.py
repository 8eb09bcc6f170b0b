"""SQLite under concurrent writers: eight clients of a real server never see an error.

Prefect 3.9.1 answers most such requests with 503 "database is locked" (see the
benchmark); here writers wait their turn (BEGIN IMMEDIATE and a busy timeout), so every
request succeeds and every run the writers completed is stored Completed.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from tests.bench.writers import run_writers
from tests.e2e.conftest import process_env


def test_eight_writers_on_sqlite_get_no_errors(start_server: Any, prefect_home: Path) -> None:
    db_url = f"sqlite+aiosqlite:///{prefect_home / 'writers.db'}"
    server = start_server(process_env(PREFECT_SERVER_DATABASE_CONNECTION_URL=db_url))

    figures, _elapsed = asyncio.run(run_writers(server.api_url, clients=8, seconds=6.0))

    assert figures.errors == 0, figures.error_samples
    assert figures.runs_completed == figures.runs_created > 8
    assert figures.requests == 3 * figures.runs_created

    async def stored() -> tuple[int, int]:
        async with httpx.AsyncClient(base_url=server.api_url, timeout=30) as client:
            everything = await client.post("/flow_runs/count", json={})
            completed = await client.post(
                "/flow_runs/count",
                json={"flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}},
            )
            return everything.json(), completed.json()

    total, completed = asyncio.run(stored())
    assert total == completed == figures.runs_created
