"""API server benchmark: writes under 1 and 8 concurrent clients, and filter latency.

    python tests/bench/bench_api.py                           # ours, SQLite
    python tests/bench/bench_api.py --vs-prefect /venv/bin/python
    python tests/bench/bench_api.py --seconds 60 --filter-runs 10000

For each target a server process is started on a fresh SQLite file, then:
  create 1      flow runs created per second by one client (create only)
  create 8      the same with eight clients at once, and the error count
  walk 8        eight clients creating runs and walking them Pending > Running > Completed
  filter p50/95 `POST /flow_runs/filter` limit 200, newest first, after --filter-runs runs
For each write phase it also prints the CPU the server's process tree spent per request
and the CPU the client process spent (% of one core), and the load average: on a shared
two-core machine these say more than requests per second alone.

The writers use a lean HTTP/1.1 client (`lean_writers.py`); `--httpx` measures with the
httpx writers of `writers.py` instead, as the first version of this benchmark did (its
client cost as much CPU per request as the server).
Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.lean_writers import run_lean_writers
from tests.bench.writers import WriterFigures, ensure_flow, run_writers

T = TypeVar("T")


def _run(main: Coroutine[Any, Any, T]) -> T:
    """Run the writers on uvloop when it is there (it is a server dependency): the
    client's own CPU per request is part of every sequential request's time."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


def _tree_cpu(root: int) -> float:
    """CPU seconds (user + system) spent so far by process `root` and its descendants."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    spent: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        spent[pid] = (int(fields[11]) + int(fields[12])) / ticks
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += spent.get(pid, 0.0)
        todo.extend(child for child, parent in parents.items() if parent == pid)
    return total


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, python: str, label: str) -> None:
        self.label = label
        self.home = Path(tempfile.mkdtemp(prefix=f"bench-api-{label}-"))
        self.port = _free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env.update(
            PREFECT_HOME=str(self.home),
            PREFECT_SERVER_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{self.home / 'b.db'}",
            # the loops would compete with the measured requests; Prefect has the same names
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false",
            PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED="false",
            PREFECT_SERVER_SERVICES_FOREMAN_ENABLED="false",
        )
        prefect = str(Path(python).parent / "prefect")
        self.proc = subprocess.Popen(
            [prefect, "server", "start", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=1):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{label} server exited: {self.proc.returncode}") from None
                time.sleep(0.1)
        raise RuntimeError(f"{label} server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.home, ignore_errors=True)


async def _fill(api_url: str, runs: int) -> None:
    """Create runs until the store holds `runs` (eight writers, create only)."""
    async with httpx.AsyncClient(base_url=api_url, timeout=60) as client:
        have = (await client.post("/flow_runs/count", json={})).json()
    missing = max(0, runs - have)
    if missing:
        per_client = -(-missing // 8)
        await run_lean_writers(
            api_url, clients=8, seconds=3600, walk_states=False, runs_per_client=per_client
        )


async def _filter_latency(api_url: str, samples: int) -> tuple[float, float]:
    flow_id = await ensure_flow(api_url, "bench-writers")
    body = {"sort": "EXPECTED_START_TIME_DESC", "limit": 200, "flows": {"id": {"any_": [flow_id]}}}
    times = []
    async with httpx.AsyncClient(base_url=api_url, timeout=60) as client:
        for i in range(samples + 3):
            t0 = time.perf_counter()
            response = await client.post("/flow_runs/filter", json=body)
            elapsed = time.perf_counter() - t0
            response.raise_for_status()
            if i >= 3:  # warm-up
                times.append(elapsed)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def _phase(
    server: Server, args: argparse.Namespace, out: dict[str, float], key: str, **kwargs: Any
) -> WriterFigures:
    """One write phase; records the server's and the client's CPU beside its figures."""
    writers = run_writers if args.httpx else run_lean_writers
    server_before, client_before = _tree_cpu(server.proc.pid), time.process_time()
    figures, elapsed = _run(writers(server.api_url, seconds=args.seconds, **kwargs))
    server_cpu = _tree_cpu(server.proc.pid) - server_before
    client_cpu = time.process_time() - client_before
    out[f"{key}_server_ms"] = 1000 * server_cpu / max(1, figures.requests)
    out[f"{key}_client_pct"] = 100 * client_cpu / elapsed
    print(f"[{server.label}] {key}: {figures.requests / elapsed:.0f} requests/s, load {_load()}")
    return figures


def measure(server: Server, args: argparse.Namespace) -> dict[str, float]:
    out: dict[str, float] = {}
    t0 = time.monotonic()
    one = _phase(server, args, out, "create_1", clients=1, walk_states=False)
    t1 = time.monotonic() - t0
    out["create_1_runs_s"] = one.runs_created / t1
    out["create_1_errors"] = one.errors
    t0 = time.monotonic()
    eight = _phase(server, args, out, "create_8", clients=8, walk_states=False)
    t8 = time.monotonic() - t0
    out["create_8_runs_s"] = eight.runs_created / t8
    out["create_8_errors"] = eight.errors
    out["create_8_error_pct"] = 100.0 * eight.errors / max(1, eight.requests)
    t0 = time.monotonic()
    walk = _phase(server, args, out, "walk_8", clients=8)
    tw = time.monotonic() - t0
    out["walk_8_runs_s"] = walk.runs_completed / tw
    out["walk_8_errors"] = walk.errors
    out["walk_8_error_pct"] = 100.0 * walk.errors / max(1, walk.requests)
    if walk.error_samples or eight.error_samples:
        print(f"[{server.label}] errors: {(eight.error_samples + walk.error_samples)[:3]}")
    asyncio.run(_fill(server.api_url, args.filter_runs))
    p50, p95 = asyncio.run(_filter_latency(server.api_url, args.samples))
    out["filter_p50_ms"] = p50 * 1000
    out["filter_p95_ms"] = p95 * 1000
    return out


ROWS = [
    ("create_flow_run, 1 client (runs/s)", "create_1_runs_s", "{:.0f}"),
    ("  errors", "create_1_errors", "{:.0f}"),
    ("  server CPU per request (ms)", "create_1_server_ms", "{:.2f}"),
    ("  client CPU (% of a core)", "create_1_client_pct", "{:.0f}"),
    ("create_flow_run, 8 clients (runs/s)", "create_8_runs_s", "{:.0f}"),
    ("  errors (% of requests)", "create_8_error_pct", "{:.1f}"),
    ("  server CPU per request (ms)", "create_8_server_ms", "{:.2f}"),
    ("  client CPU (% of a core)", "create_8_client_pct", "{:.0f}"),
    ("create + 2 states, 8 clients (runs/s)", "walk_8_runs_s", "{:.0f}"),
    ("  errors (% of requests)", "walk_8_error_pct", "{:.1f}"),
    ("  server CPU per request (ms)", "walk_8_server_ms", "{:.2f}"),
    ("  client CPU (% of a core)", "walk_8_client_pct", "{:.0f}"),
    ("flow_runs/filter limit 200 p50 (ms)", "filter_p50_ms", "{:.1f}"),
    ("flow_runs/filter limit 200 p95 (ms)", "filter_p95_ms", "{:.1f}"),
]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--vs-prefect", metavar="PYTHON")
    parser.add_argument("--seconds", type=float, default=10.0, help="per write phase")
    parser.add_argument("--filter-runs", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--httpx", action="store_true", help="write through httpx clients")
    args = parser.parse_args()

    targets = [("ours", sys.executable)]
    if args.vs_prefect:
        targets.append(("prefect", args.vs_prefect))
    results: dict[str, dict[str, float]] = {}
    for label, python in targets:
        print(f"[{label}] starting a server ...", file=sys.stderr)
        server = Server(python, label)
        try:
            results[label] = measure(server, args)
        finally:
            server.stop()
    print(f"{'':40}" + "".join(f"{label:>12}" for label, _ in targets))
    for title, key, fmt in ROWS:
        cells = "".join(f"{fmt.format(results[label][key]):>12}" for label, _ in targets)
        print(f"{title:40}{cells}")
    client = "httpx" if args.httpx else "lean"
    print(
        f"(write phases {args.seconds:.0f} s each, {client} client; filter after"
        f" {args.filter_runs} runs; load average at the end {_load()})"
    )


if __name__ == "__main__":
    main()
