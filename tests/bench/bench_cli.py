"""CLI startup benchmark: wall time of whole `prefect` processes, as a person waits for them.

    python tests/bench/bench_cli.py                  # 15 runs of each command
    python tests/bench/bench_cli.py --runs 30 --runs-seeded 5

A server is started on a free port with a fresh PREFECT_HOME and a few flow runs are
seeded through it (examples/hello_flow.py); then each command runs --runs times as a
new process and the minimum, median and maximum wall times are printed, next to the
time of a bare `python -c pass` (the floor no command can go under). The server is
stopped at the end. The `typer app:` rows run the same commands through the typer app
alone, as the executable did before its lean paths (`prefect_console.cli._fast`), for
comparison. Issue 3 asks for `prefect version` and `--help` under 150 ms and
`flow-run ls` against a server under 300 ms. Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PREFECT = str(BIN / "prefect")

# the typer app without the executable's lean paths (cli._entry), for comparison
TYPER = [sys.executable, "-c", "import sys; from prefect_console.cli.main import main; main()"]

COMMANDS: list[tuple[str, list[str], bool]] = [
    # (label, argv, needs the server)
    ("python -c pass", [sys.executable, "-c", "pass"], False),
    ("prefect version", [PREFECT, "version"], False),
    ("prefect --help", [PREFECT, "--help"], False),
    ("prefect flow-run --help", [PREFECT, "flow-run", "--help"], False),
    ("prefect flow-run ls", [PREFECT, "flow-run", "ls"], True),
    ("prefect flow-run ls -o json", [PREFECT, "flow-run", "ls", "-o", "json"], True),
    ("prefect flow ls", [PREFECT, "flow", "ls"], True),
    ("prefect flow-run inspect (typer)", [], True),  # argv filled in once a run exists
    ("typer app: version", [*TYPER, "version"], False),
    ("typer app: flow-run ls", [*TYPER, "flow-run", "ls"], True),
    ("typer app: flow-run ls -o json", [*TYPER, "flow-run", "ls", "-o", "json"], True),
]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"no answer from {url} within {seconds:g} s")


def _time(argv: list[str], env: dict[str, str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(argv, env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
        if result.returncode != 0:
            raise SystemExit(f"{argv} exited {result.returncode}: {result.stderr.decode()}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="processes per command")
    parser.add_argument("--runs-seeded", type=int, default=3, help="example flows to seed")
    args = parser.parse_args()

    home = tempfile.mkdtemp(prefix="bench-cli-")
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    base_env = {**os.environ, "PREFECT_HOME": home}
    base_env.pop("PREFECT_API_URL", None)
    server = subprocess.Popen(
        [PREFECT, "server", "start", "--port", str(port)],
        env=base_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_healthy(api, server)
        served = {**base_env, "PREFECT_API_URL": api}
        for _ in range(args.runs_seeded):
            subprocess.run(
                [sys.executable, str(ROOT / "examples" / "hello_flow.py")],
                env=served,
                capture_output=True,
                check=True,
            )
        listed = subprocess.run(
            [PREFECT, "flow-run", "ls", "--limit", "1", "-o", "json"],
            env=served,
            capture_output=True,
            check=True,
            text=True,
        )
        run_id = json.loads(listed.stdout)[0]["id"]
        print(f"{'command':<40} {'min':>7} {'median':>7} {'max':>7}   ({args.runs} runs)")
        for label, argv, needs_server in COMMANDS:
            argv = argv or [PREFECT, "flow-run", "inspect", run_id]
            env = served if needs_server else base_env
            _time(argv, env, 1)  # warm the page cache and the .pyc files
            times = _time(argv, env, args.runs)
            print(
                f"{label:<40} {min(times):7.3f} {statistics.median(times):7.3f} {max(times):7.3f}"
            )
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
