"""Worker benchmark: how soon a process worker starts a deployment's runs.

    python tests/bench/bench_worker.py                 # 10 runs each
    python tests/bench/bench_worker.py --runs 20 --ahead 3

A `prefect server start` and a `prefect worker start` (process pool) run on a fresh
SQLite file in a temporary PREFECT_HOME; a deployment of a small flow is made through
the client. Then:
  start latency  a run created with `create_flow_run_from_deployment` (Scheduled for now,
                 as `deployment run` does) until it is Running: from just before the
                 create call to the Running state's timestamp; runs one after the other
  lateness       runs scheduled a few seconds ahead (as a schedule makes them): the
                 Running timestamp minus the scheduled time
Median, min and max of each. Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PREFECT = str(BIN / "prefect")

FLOW = """
from prefect import flow

@flow
def bench_flow(x: int = 0) -> int:
    return x
"""


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(api_url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("server did not become healthy")


def _summary(values: list[float]) -> str:
    return (
        f"median {statistics.median(values):.3f} s, min {min(values):.3f} s, "
        f"max {max(values):.3f} s (n={len(values)})"
    )


async def _wait_final(client: Any, run_id: Any, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = await client.read_flow_run(run_id)
        if run.state is not None and run.state.is_final():
            return run
        await asyncio.sleep(0.05)
    raise SystemExit(f"flow run {run_id} did not finish within {timeout} s")


async def _measure(runs: int, ahead: float, work_dir: Path) -> None:
    from prefect._time import now
    from prefect.client.orchestration import get_client
    from prefect.states import Scheduled

    async with get_client() as client:
        flow_id = await client.create_flow_from_name("bench_flow")
        deployment_id = await client.create_deployment(
            flow_id,
            "bench",
            work_pool_name="bench-pool",
            entrypoint="bench_flow.py:bench_flow",
            path=str(work_dir),
        )
        # one run first: the worker's and the OS's caches warm up as in steady use
        await _wait_final(client, (await client.create_flow_run_from_deployment(deployment_id)).id)

        latencies: list[float] = []
        for i in range(runs):
            began = now()
            run = await client.create_flow_run_from_deployment(deployment_id, parameters={"x": i})
            done = await _wait_final(client, run.id)
            assert done.start_time is not None, f"run {run.id} never ran: {done.state}"
            latencies.append((done.start_time - began).total_seconds())
        print(f"start latency (created -> Running): {_summary(latencies)}", flush=True)

        lateness: list[float] = []
        created = []
        base = now()
        for i in range(runs):
            when = base + timedelta(seconds=ahead + 1.5 * i)
            run = await client.create_flow_run_from_deployment(
                deployment_id, parameters={"x": i}, state=Scheduled(scheduled_time=when)
            )
            created.append((run.id, when))
        for run_id, when in created:
            done = await _wait_final(client, run_id, timeout=ahead + 1.5 * runs + 60)
            assert done.start_time is not None, f"run {run_id} never ran: {done.state}"
            lateness.append((done.start_time - when).total_seconds())
        print(f"lateness of scheduled runs (Running - scheduled): {_summary(lateness)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--ahead", type=float, default=3.0, help="Seconds ahead to schedule.")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="bench-worker-"))
    work_dir = home / "flows"
    work_dir.mkdir()
    (work_dir / "bench_flow.py").write_text(FLOW)
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(home)
    server_log = (home / "server.log").open("wb")
    worker_log = (home / "worker.log").open("wb")
    server = subprocess.Popen(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=server_log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    worker: subprocess.Popen[bytes] | None = None
    try:
        _wait_healthy(api_url, server)
        env["PREFECT_API_URL"] = api_url
        worker = subprocess.Popen(
            [PREFECT, "worker", "start", "-p", "bench-pool"],
            env=env,
            stdout=worker_log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        os.environ.update(PREFECT_API_URL=api_url, PREFECT_HOME=str(home))
        # the deployment needs the pool, which the worker creates
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{api_url}/work_pools/bench-pool", timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        print(f"worker benchmark: process worker, SQLite, {args.runs} runs each")
        asyncio.run(_measure(args.runs, args.ahead, work_dir))
    finally:
        for proc in (worker, server):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        server_log.close()
        worker_log.close()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
