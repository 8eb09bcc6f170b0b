"""Two `prefect server services start` processes on one database: each service's passes
run in one of them only, and the other takes over when that one is killed.

The processes log at DEBUG, one line per pass (`service late_runs: pass ...`) tagged
with their pid, which is what the test counts. PostgreSQL elects through advisory locks;
SQLite through a lock file beside the database.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import threading
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from prefect._time import now

from tests.e2e.conftest import PREFECT, ROOT, process_env

pytestmark = pytest.mark.e2e

QUIET = {
    f"PREFECT_SERVER_SERVICES_{name}_ENABLED": "false"
    for name in ("SCHEDULER", "FOREMAN", "REPOSSESSOR", "PAUSE_EXPIRATIONS", "CANCELLATION_CLEANUP")
}


class ServicesProcess:
    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [PREFECT, "server", "services", "start", "--log-level", "debug"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            cwd=ROOT,
        )
        self.lines: list[str] = []
        self.out: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, args=(self.proc.stderr, self.lines), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stdout, self.out), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream: Any, into: list[str]) -> None:
        for line in stream:
            into.append(line.rstrip("\n"))

    def count(self, text: str) -> int:
        return sum(text in line for line in list(self.lines))

    @property
    def passes(self) -> int:
        return self.count("service late_runs: pass")

    def leads(self) -> bool:
        return self.count(f"late_runs: process {self.proc.pid} leads it now") > 0

    def log(self) -> str:
        return "\n".join(self.lines[-40:])

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        for reader in self._readers:
            reader.join(timeout=5)
        return code


def wait_for(check: Any, timeout: float, what: str, *procs: ServicesProcess) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            logs = "\n---\n".join(p.log() for p in procs)
            raise AssertionError(f"timed out waiting for {what}:\n{logs}")
        time.sleep(0.1)


async def _overdue_run(url: str) -> str:
    from prefect_server.embedded import open_embedded_app

    async with (
        open_embedded_app(url) as app,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t/api") as api,
    ):
        flow = (await api.post("/flows/", json={"name": "replicas"})).json()
        due = (now() - timedelta(minutes=5)).isoformat()
        state = {"type": "SCHEDULED", "state_details": {"scheduled_time": due}}
        run = await api.post("/flow_runs/", json={"flow_id": flow["id"], "state": state})
        return str(run.json()["id"])


async def _state_name(url: str, run_id: str) -> str:
    from prefect_server.embedded import open_embedded_app

    async with (
        open_embedded_app(url) as app,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t/api") as api,
    ):
        return str((await api.get(f"/flow_runs/{run_id}")).json()["state_name"])


def test_each_pass_runs_once_across_replicas(database_url: str) -> None:
    env = process_env(
        PREFECT_SERVER_DATABASE_CONNECTION_URL=database_url,
        PREFECT_SERVER_SERVICES_LATE_RUNS_LOOP_SECONDS="0.2",
        **QUIET,
    )
    # the store exists and is migrated before either process starts
    run_id = asyncio.run(_overdue_run(database_url))
    first = ServicesProcess(env)
    second: ServicesProcess | None = None
    try:
        wait_for(first.leads, 90, "the first process to lead late_runs", first)
        wait_for(lambda: first.count("changed 1 object") == 1, 30, "the late run", first)
        assert asyncio.run(_state_name(database_url, run_id)) == "Late"

        second = ServicesProcess(env)
        wait_for(lambda: second.count("services started") > 0, 90, "the second process", second)
        # both run; the loops of the second keep asking and never pass
        passes_before = first.passes
        time.sleep(3)
        assert first.passes >= passes_before + 5, first.log()
        assert second.passes == 0 and not second.leads(), second.log()
        assert first.count("changed 1 object") == 1  # the run was marked Late once

        # the leader dies without saying goodbye: the other takes over within a few loops
        os.kill(first.proc.pid, signal.SIGKILL)
        first.stop()
        wait_for(second.leads, 30, "the second process to take over", second)
        wait_for(lambda: second.passes >= 3, 30, "passes in the second process", second)
        assert second.stop() == 0
        assert "Services stopped." in second.out
    finally:
        first.stop(signal.SIGKILL)
        if second is not None:
            second.stop(signal.SIGKILL)
