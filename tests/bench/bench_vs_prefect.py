"""Side by side with the real Prefect 3: the same workload scripts under both SDKs.

    python -m venv /tmp/prefect39 && /tmp/prefect39/bin/pip install -q prefect==3.9.1
    .venv/bin/python tests/bench/bench_vs_prefect.py [--prefect-python /tmp/prefect39/bin/python]
    make bench-vs-prefect                                  # the same (--install: venv if missing)
    make bench BENCH_VS_PREFECT=/tmp/prefect39/bin/python  # after the other benchmarks

Each SDK runs tests/bench/workloads/side_by_side.py in two modes: its default with nothing
configured (ours: the embedded store in the process; Prefect: its ephemeral server, a
subprocess started and stopped by the flow process) and against its own `prefect server
start` process (a free port, SQLite in a PREFECT_HOME of its own). Each workload is a
fresh process; in server mode the next one starts once the server holds the previous
run's task runs (or the count stalls, or --settle seconds pass), so that no backlog slows
it down. Prints a table; asserts nothing about time (one sample per figure, on a shared
machine: read the order of magnitude).

Durability is counted three ways: the moment the flow call returns, after polling for
at most --wait seconds in the same process, and, for a second process that ends as soon as
its flow returns (as scripts do), from a new process afterwards: what a user finds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "workloads" / "side_by_side.py"
DEFAULT_PREFECT_PYTHON = "/tmp/prefect39/bin/python"
PREFECT_RELEASE = "3.9.1"
MODES = ("default", "server")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    """In a server before exec: SIGTERM it if this harness dies, so none is left running."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Target:
    """One SDK: its interpreter, and the settings that keep its runs local and quiet."""

    def __init__(self, label: str, python: str, extra_env: dict[str, str]) -> None:
        self.label = label
        self.python = python
        self.prefect = str(Path(python).parent / "prefect")
        self.extra_env = extra_env
        self.homes: list[Path] = []

    def new_home(self, tag: str) -> Path:
        home = Path(tempfile.mkdtemp(prefix=f"vs-prefect-{self.label}-{tag}-"))
        self.homes.append(home)
        return home

    def env(self, home: Path, api_url: str | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env.update(self.extra_env)
        env["PREFECT_HOME"] = str(home)
        if api_url:
            env["PREFECT_API_URL"] = api_url
        return env

    def version(self) -> str:
        out = subprocess.run(
            [self.python, "-c", "import prefect; print(prefect.__version__)"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return out.stdout.strip() or f"? ({out.stderr.strip()[-200:]})"

    def cleanup(self) -> None:
        for home in self.homes:
            shutil.rmtree(home, ignore_errors=True)


class Server:
    """`prefect server start` of one target, on 127.0.0.1 and a free port."""

    def __init__(self, target: Target, timeout: float) -> None:
        self.home = target.new_home("server")
        self.port = _free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.log = (self.home / "server.log").open("wb")
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            [target.prefect, "server", "start", "--host", "127.0.0.1", "--port", str(self.port)],
            env=target.env(self.home),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        try:
            self._wait_healthy(timeout)
        except Exception:
            self.stop()
            raise
        self.start_seconds = time.perf_counter() - started

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                tail = (self.home / "server.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{tail}")
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not answer /api/health within {timeout} s")

    def completed_task_runs(self, flow_run_id: str) -> int:
        body = {
            "flow_runs": {"id": {"any_": [flow_run_id]}},
            "task_runs": {"state": {"type": {"any_": ["COMPLETED"]}}},
        }
        request = urllib.request.Request(
            f"{self.api_url}/task_runs/count",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as r:
            return int(json.loads(r.read()))

    def settle(self, flow_run_id: str, expected: int, bound: float) -> dict[str, Any]:
        """Wait until the server holds the run's `expected` completed task runs, or the
        count stops moving for 15 s, or `bound` seconds pass; how long it took (None: never)."""
        started = time.monotonic()
        count, last, still, outcome = 0, -1, 0, "bound"
        while time.monotonic() - started < bound:
            count = self.completed_task_runs(flow_run_id)
            if count >= expected:
                outcome = "complete"
                break
            still = still + 1 if count == last else 0
            if still >= 15:
                outcome = "stalled"
                break
            last = count
            time.sleep(1.0)
        took = time.monotonic() - started if count >= expected else None
        return {"seconds": took, "completed_task_runs": count, "outcome": outcome}

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()


def _run_script(
    target: Target, env: dict[str, str], args: list[str], timeout: float
) -> dict[str, Any]:
    started = time.perf_counter()
    out = subprocess.run(
        [target.python, str(SCRIPT), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{args} exited {out.returncode}:\n{out.stderr[-2500:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_seconds"] = time.perf_counter() - started
    return result


def measure_mode(target: Target, mode: str, args: argparse.Namespace) -> dict[str, Any]:
    """Every workload of one target in one mode; an error is kept as the figure."""
    figures: dict[str, Any] = {}
    server = None
    try:
        if mode == "server":
            server = Server(target, args.server_timeout)
            figures["server_start_s"] = server.start_seconds
        api_url = server.api_url if server else None
        home = target.new_home(mode)
        env = target.env(home, api_url)
        plan = [
            ("seq", ["seq", str(args.tasks)]),
            ("map", ["map", str(args.tasks)]),
            ("subflows", ["subflows", str(args.subflows)]),
            ("map_big", ["map", str(args.big_map)]),
            ("durability", ["durability", str(args.tasks), "--wait", str(args.wait)]),
            # the same, but the process ends as soon as the flow returns, as scripts do
            ("at_exit", ["durability", str(args.tasks)]),
        ]
        for name, script_args in plan:
            print(f"[{target.label}/{mode}] {' '.join(script_args)} ...", file=sys.stderr)
            try:
                figures[name] = _run_script(target, env, script_args, args.timeout)
            except (RuntimeError, subprocess.TimeoutExpired, ValueError) as exc:
                figures[name] = {"error": str(exc)}
                continue
            run_id = figures[name]["flow_run_id"]
            if name == "at_exit":
                try:
                    figures["after_exit"] = _run_script(
                        target, env, ["count", run_id], args.timeout
                    )
                except (RuntimeError, subprocess.TimeoutExpired, ValueError) as exc:
                    figures["after_exit"] = {"error": str(exc)}
            if server is not None:
                # a backlog left in the server would slow the next workload down
                expected = int(script_args[1])
                figures[name]["settle"] = server.settle(run_id, expected, args.settle)
    except RuntimeError as exc:
        figures["error"] = str(exc)
    finally:
        if server is not None:
            server.stop()
    return figures


def _get(figures: dict[str, Any], path: str) -> Any:
    value: Any = figures
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


# (row title, path into the figures, format); a missing figure prints as "ERR"/"-"
ROWS: list[tuple[str, str, str]] = [
    ("server start to /api/health (s)", "server_start_s", "{:.2f}"),
    ("{tasks} sequential tasks: flow (s)", "seq.flow_seconds", "{:.2f}"),
    ("  per task (ms)", "seq.per_unit_ms", "{:.2f}"),
    ("  task runs stored at return", "seq.at_return.task_runs_completed", "{:.0f}"),
    ("add.map(range({tasks})): flow (s)", "map.flow_seconds", "{:.2f}"),
    ("  per task (ms)", "map.per_unit_ms", "{:.2f}"),
    ("  task runs stored at return", "map.at_return.task_runs_completed", "{:.0f}"),
    ("{subflows} sequential subflows: flow (s)", "subflows.flow_seconds", "{:.2f}"),
    ("  per subflow (ms)", "subflows.per_unit_ms", "{:.1f}"),
    ("  subflow runs stored at return", "subflows.at_return.subflow_runs", "{:.0f}"),
    ("add.map(range({big_map})): flow (s)", "map_big.flow_seconds", "{:.2f}"),
    ("  per task (ms)", "map_big.per_unit_ms", "{:.2f}"),
    ("  peak RSS of the flow process (MB)", "map_big.peak_rss_mb", "{:.0f}"),
    ("  task runs stored at return", "map_big.at_return.task_runs_completed", "{:.0f}"),
    ("  whole process (s)", "map_big.process_seconds", "{:.1f}"),
    ("  server holds all of them after (s)", "map_big.settle.seconds", "{:.1f}"),
    ("  task runs completed then", "map_big.settle.completed_task_runs", "{:.0f}"),
    ("durability, {tasks} tasks logging 1 line each:", "", ""),
    ("  task runs completed at return", "durability.at_return.task_runs_completed", "{:.0f}"),
    ("  log lines at return", "durability.at_return.tick_logs", "{:.0f}"),
    ("  task runs completed after wait", "durability.after_wait.task_runs_completed", "{:.0f}"),
    ("  log lines after wait", "durability.after_wait.tick_logs", "{:.0f}"),
    ("  s until all stored (<= wait)", "durability.seconds_until_complete", "{:.1f}"),
    ("  ended at return, read afterwards:", "", ""),
    ("    task runs completed", "after_exit.task_runs_completed", "{:.0f}"),
    ("    log lines", "after_exit.tick_logs", "{:.0f}"),
    ("    server holds all task runs after (s)", "at_exit.settle.seconds", "{:.1f}"),
    ("    task runs completed then", "at_exit.settle.completed_task_runs", "{:.0f}"),
]


def _cell(figures: dict[str, Any], path: str, fmt: str) -> str:
    if not path:
        return ""
    value = _get(figures, path)
    if value is None:
        workload = path.split(".")[0]
        ran = ["at_exit", workload] if workload == "after_exit" else [workload]
        if "error" in figures or any("error" in (figures.get(w) or {}) for w in ran):
            return "ERR"
        parent = path.rsplit(".", 1)[0]
        never = path.endswith(("seconds_until_complete", "settle.seconds"))
        return "never" if never and _get(figures, parent) is not None else "-"
    return fmt.format(value)


def print_table(results: dict[tuple[str, str], dict[str, Any]], args: argparse.Namespace) -> None:
    columns = list(results)
    width = 40
    print()
    print(f"{'':{width}}" + "".join(f"{f'{t}/{m}':>18}" for t, m in columns))
    for title, path, fmt in ROWS:
        label = title.format(tasks=args.tasks, subflows=args.subflows, big_map=args.big_map)
        print(f"{label:{width}}" + "".join(f"{_cell(results[c], path, fmt):>18}" for c in columns))
    print(
        f"\n'default' = no PREFECT_API_URL: ours runs on its embedded store in the flow "
        f"process, Prefect 3 on its ephemeral server (a subprocess, whose memory is not in the "
        f"peak RSS row). 'after wait' polls up to {args.wait:.0f} s in the flow's process; "
        f"'ended at return' is a second run whose process exits when the flow returns, read "
        f"by a new process. One sample each; per-unit figures subtract an empty flow measured "
        f"in the same process."
    )
    for (label, mode), figures in results.items():
        for name, value in [("setup", figures), *figures.items()]:
            if isinstance(value, dict) and "error" in value:
                print(f"\n[{label}/{mode}] {name} failed: {value['error']}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--prefect-python", default=DEFAULT_PREFECT_PYTHON)
    parser.add_argument("--ours-python", default=sys.executable)
    parser.add_argument("--modes", default=",".join(MODES), help="default,server")
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--subflows", type=int, default=100)
    parser.add_argument("--big-map", type=int, default=10000)
    parser.add_argument("--wait", type=float, default=60, help="durability polling bound (s)")
    parser.add_argument("--timeout", type=float, default=900, help="per workload process (s)")
    parser.add_argument("--server-timeout", type=float, default=120)
    parser.add_argument(
        "--settle", type=float, default=180, help="server mode: bound on the wait between workloads"
    )
    parser.add_argument("--json", metavar="PATH", help="also write every figure here")
    parser.add_argument("--table-from", metavar="PATH", help="print the table of a --json file")
    parser.add_argument(
        "--install",
        action="store_true",
        help=f"create the venv of --prefect-python with prefect=={PREFECT_RELEASE} if missing",
    )
    args = parser.parse_args()

    if args.table_from:
        saved = json.loads(Path(args.table_from).read_text())
        print_table({tuple(k.split("/", 1)): v for k, v in saved.items()}, args)  # type: ignore[misc]
        return
    if not Path(args.prefect_python).exists() and args.install:
        venv = Path(args.prefect_python).parent.parent
        print(f"creating {venv} with prefect=={PREFECT_RELEASE} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "pip"), "install", "-q", f"prefect=={PREFECT_RELEASE}"]
        subprocess.run(pip, check=True)
    if not Path(args.prefect_python).exists():
        sys.exit(
            f"no Prefect interpreter at {args.prefect_python}; pass --install, or create one "
            "outside the repo:\n  python3 -m venv /tmp/prefect39 && "
            f"/tmp/prefect39/bin/pip install -q prefect=={PREFECT_RELEASE}"
        )
    quiet = {"DO_NOT_TRACK": "1"}
    targets = [
        Target("ours", args.ours_python, quiet),
        Target(
            "prefect",
            args.prefect_python,
            {
                **quiet,
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                # no web UI to build and serve: ours has none either
                "PREFECT_UI_ENABLED": "false",
                # a loaded 2-core machine can exceed the 20 s default
                "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
            },
        ),
    ]
    for target in targets:
        print(f"{target.label}: prefect {target.version()} ({target.python})", file=sys.stderr)
    modes = [m for m in args.modes.split(",") if m]
    results: dict[tuple[str, str], dict[str, Any]] = {}
    try:
        for mode in modes:
            for target in targets:
                results[(target.label, mode)] = measure_mode(target, mode, args)
    finally:
        for target in targets:
            target.cleanup()
    print_table(results, args)
    if args.json:
        Path(args.json).write_text(
            json.dumps({f"{t}/{m}": v for (t, m), v in results.items()}, indent=2)
        )


if __name__ == "__main__":
    main()
