"""Benchmarks: print median figures; assert nothing about time.

    python tests/bench/run_bench.py                       # ours only
    python tests/bench/run_bench.py --vs-prefect /path/to/venv/bin/python

Workloads (each in a fresh PREFECT_HOME, embedded store / ephemeral mode, no server):
  import      `import prefect` in a fresh interpreter
  help        `prefect --help` as a whole process
  empty_flow  an empty flow as a whole process (after one warm-up run created the store)
  tasks       1,000 sequential trivial tasks: per-task overhead, task runs stored at return
  mapped      `add.map(range(1000))`: per-task overhead (tests/bench/bench_tasks.py)
  subflows    50 sequential trivial subflows: time per subflow (bench_tasks.py)
  memory      `add.map(range(10000))`: the process's peak RSS (bench_tasks.py)
  server      `prefect server start` until /api/health answers
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORKLOADS = HERE / "workloads"


class Target:
    def __init__(self, label: str, python: str) -> None:
        self.label = label
        self.python = python
        self.bin = Path(python).parent
        self.home = Path(tempfile.mkdtemp(prefix=f"bench-{label}-"))

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env.update(PREFECT_HOME=str(self.home), PYTHONDONTWRITEBYTECODE="0", **extra)
        return env

    def run(self, args: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            **kw,  # type: ignore[arg-type]
        )

    def cleanup(self) -> None:
        shutil.rmtree(self.home, ignore_errors=True)


def _median_of(fn: Callable[[], float], repeat: int) -> float:
    return statistics.median(fn() for _ in range(repeat))


def _timed(target: Target, args: list[str]) -> float:
    t0 = time.perf_counter()
    result = target.run(args)
    elapsed = time.perf_counter() - t0
    if result.returncode != 0:
        raise RuntimeError(f"{args} failed:\n{result.stderr[-2000:]}")
    return elapsed


def bench_import(target: Target, repeat: int) -> float:
    code = "import time; t=time.perf_counter(); import prefect; print(time.perf_counter()-t)"

    def once() -> float:
        result = target.run([target.python, "-c", code])
        return float(result.stdout.strip().splitlines()[-1])

    once()  # compile .pyc files first
    return _median_of(once, repeat)


def bench_help(target: Target, repeat: int) -> float:
    exe = str(target.bin / "prefect")
    _timed(target, [exe, "--help"])
    return _median_of(lambda: _timed(target, [exe, "--help"]), repeat)


def bench_empty_flow(target: Target, repeat: int) -> float:
    script = str(WORKLOADS / "empty_flow.py")
    _timed(target, [target.python, script])  # creates the store
    return _median_of(lambda: _timed(target, [target.python, script]), repeat)


def bench_tasks(target: Target, n: int) -> dict[str, float]:
    result = target.run([target.python, str(WORKLOADS / "many_tasks.py"), str(n)])
    if result.returncode != 0:
        raise RuntimeError(f"many_tasks failed:\n{result.stderr[-3000:]}")
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def bench_engine(target: Target, mode: str, n: int, repeat: int) -> dict[str, float]:
    """bench_tasks.py's figures for one mode (NaN when the target cannot run it)."""
    args = [target.python, str(HERE / "bench_tasks.py"), str(n), "--mode", mode, "--json"]
    result = target.run([*args, "--repeat", str(repeat)])
    if result.returncode != 0:
        print(
            f"[{target.label}] bench_tasks {mode} failed:\n{result.stderr[-1500:]}", file=sys.stderr
        )
        return {"whole_ms": math.nan, "peak_rss_mb": math.nan}
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bench_server_start(target: Target, repeat: int) -> float:
    def once() -> float:
        port = _free_port()
        url = f"http://127.0.0.1:{port}/api/health"
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [
                str(target.bin / "prefect"),
                "server",
                "start",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env=target.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = t0 + 120
            while time.perf_counter() < deadline:
                try:
                    with urllib.request.urlopen(url, timeout=1) as response:
                        if response.status == 200:
                            return time.perf_counter() - t0
                except OSError:
                    time.sleep(0.02)
                if proc.poll() is not None:
                    raise RuntimeError(f"server exited with {proc.returncode}")
            raise RuntimeError("server did not answer /api/health within 120 s")
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()

    once()  # first start migrates the store
    return _median_of(once, repeat)


def measure(target: Target, args: argparse.Namespace) -> dict[str, float]:
    print(f"[{target.label}] measuring with {target.python} ...", file=sys.stderr)
    out: dict[str, float] = {}
    out["import_s"] = bench_import(target, args.repeat)
    out["help_s"] = bench_help(target, args.repeat)
    out["empty_flow_s"] = bench_empty_flow(target, args.repeat)
    tasks = bench_tasks(target, args.tasks)
    out["per_task_ms"] = tasks["per_task_ms"]
    out["task_runs_stored_at_return"] = tasks["stored_at_return"]
    out["seconds_until_all_stored"] = tasks["seconds_until_all_stored"]
    out["mapped_ms"] = bench_engine(target, "map", args.tasks, 3)["whole_ms"]
    out["subflow_ms"] = bench_engine(target, "subflows", 50, 3)["whole_ms"]
    out["map10k_rss_mb"] = bench_engine(target, "map", 10_000, 1)["peak_rss_mb"]
    out["server_start_s"] = bench_server_start(target, max(3, args.repeat // 2))
    return out


ROWS = [
    ("import prefect (s)", "import_s", "{:.3f}"),
    ("prefect --help (s)", "help_s", "{:.3f}"),
    ("empty flow, whole process (s)", "empty_flow_s", "{:.3f}"),
    ("per-task overhead (ms)", "per_task_ms", "{:.3f}"),
    ("task runs stored at return", "task_runs_stored_at_return", "{:.0f}"),
    ("s until all task runs stored", "seconds_until_all_stored", "{:.1f}"),
    ("mapped tasks, per task (ms)", "mapped_ms", "{:.3f}"),
    ("subflow, each (ms)", "subflow_ms", "{:.1f}"),
    ("10,000 mapped: peak RSS (MB)", "map10k_rss_mb", "{:.0f}"),
    ("server start to /api/health (s)", "server_start_s", "{:.3f}"),
]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--vs-prefect", metavar="PYTHON", help="python of a venv holding the real Prefect 3"
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--tasks", type=int, default=1000)
    args = parser.parse_args()

    ours = Target("ours", sys.executable)
    targets = [ours]
    if args.vs_prefect:
        targets.append(Target("prefect", args.vs_prefect))
    try:
        results = {t.label: measure(t, args) for t in targets}
    finally:
        for t in targets:
            t.cleanup()

    header = f"{'median of ' + str(args.repeat):34}" + "".join(f"{t.label:>12}" for t in targets)
    if len(targets) == 2:
        header += f"{'prefect/ours':>14}"
    print(header)
    for title, key, fmt in ROWS:
        line = f"{title:34}" + "".join(f"{fmt.format(results[t.label][key]):>12}" for t in targets)
        if len(targets) == 2:
            a, b = results["ours"][key], results["prefect"][key]
            usable = a > 0 and not math.isnan(a) and not math.isnan(b)
            ratio = f"{b / a:.1f}x" if usable and "stored" not in key else "-"
            line += f"{ratio:>14}"
        print(line)
    print(f"(tasks workload: {args.tasks} sequential trivial tasks)")


if __name__ == "__main__":
    main()
