"""Concurrent API writers: each creates flow runs and walks them to Completed.

Used by `bench_api.py` (figures, against our server and Prefect's) and by the end-to-end
test of SQLite under concurrent writers (zero errors). Only public REST routes are used,
so the same workload runs against any Prefect 3 API.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

import httpx

# created Pending (as Prefect's client creates runs), then walked to the end
STATES = ("RUNNING", "COMPLETED")


@dataclass
class WriterFigures:
    runs_created: int = 0
    runs_completed: int = 0
    requests: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    completed_ids: list[str] = field(default_factory=list)

    def add(self, other: WriterFigures) -> None:
        self.runs_created += other.runs_created
        self.runs_completed += other.runs_completed
        self.requests += other.requests
        self.errors += other.errors
        self.error_samples.extend(other.error_samples[: 5 - len(self.error_samples)])
        self.completed_ids.extend(other.completed_ids)


async def ensure_flow(api_url: str, name: str) -> str:
    async with httpx.AsyncClient(base_url=api_url, timeout=30) as client:
        response = await client.post("/flows/", json={"name": name})
        response.raise_for_status()
        flow_id: str = response.json()["id"]
        return flow_id


Call = Callable[[str, dict[str, object]], Awaitable[dict[str, object] | None]]


async def workload(
    call: Call,
    figures: WriterFigures,
    flow_id: str,
    deadline: float,
    *,
    walk_states: bool,
    runs: int | None,
) -> None:
    """Create runs (walking each to Completed) through `call` until the deadline or
    `runs` runs; `call` answers a POST with its JSON, or None when it failed (counted)."""
    while time.monotonic() < deadline and (runs is None or figures.runs_created < runs):
        run = await call(
            "/flow_runs/",
            {
                "flow_id": flow_id,
                "name": f"w-{uuid.uuid4().hex[:10]}",
                "parameters": {},
                "state": {"type": "PENDING"},
            },
        )
        if run is None:
            continue
        figures.runs_created += 1
        if not walk_states:
            continue
        for state in STATES:
            answer = await call(f"/flow_runs/{run['id']}/set_state", {"state": {"type": state}})
            if answer is None or answer.get("status") != "ACCEPT":
                break
        else:
            figures.runs_completed += 1
            figures.completed_ids.append(str(run["id"]))


async def _writer(
    api_url: str, flow_id: str, deadline: float, *, walk_states: bool, runs: int | None
) -> WriterFigures:
    figures = WriterFigures()
    # one connection per writer, as separate client processes would have
    async with httpx.AsyncClient(base_url=api_url, timeout=60) as client:

        async def call(path: str, body: dict[str, object]) -> dict[str, object] | None:
            figures.requests += 1
            try:
                response = await client.post(path, json=body)
            except httpx.HTTPError as exc:
                figures.errors += 1
                if len(figures.error_samples) < 5:
                    figures.error_samples.append(f"{type(exc).__name__}: {exc}")
                return None
            if response.status_code >= 300:
                figures.errors += 1
                if len(figures.error_samples) < 5:
                    figures.error_samples.append(f"{response.status_code} {response.text[:200]}")
                return None
            result: dict[str, object] = response.json()
            return result

        await workload(call, figures, flow_id, deadline, walk_states=walk_states, runs=runs)
    return figures


class Writer(Protocol):
    """One writer's loop: create runs (and walk them) until `deadline` or `runs` runs."""

    def __call__(
        self, api_url: str, flow_id: str, deadline: float, *, walk_states: bool, runs: int | None
    ) -> Awaitable[WriterFigures]: ...


async def run_writers(
    api_url: str,
    *,
    clients: int,
    seconds: float,
    walk_states: bool = True,
    runs_per_client: int | None = None,
    flow_name: str = "bench-writers",
    writer: Writer = _writer,
) -> tuple[WriterFigures, float]:
    """`clients` writers at once for `seconds` (or `runs_per_client` runs each)."""
    flow_id = await ensure_flow(api_url, flow_name)
    started = time.monotonic()
    deadline = started + seconds
    results = await asyncio.gather(
        *(
            writer(api_url, flow_id, deadline, walk_states=walk_states, runs=runs_per_client)
            for _ in range(clients)
        )
    )
    elapsed = time.monotonic() - started
    total = WriterFigures()
    for figures in results:
        total.add(figures)
    return total, elapsed
