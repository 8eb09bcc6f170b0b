"""Real processes: `prefect server start`, flow scripts and CLI verbs, talking over HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PREFECT = str(BIN / "prefect")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def process_env(**extra: str) -> dict[str, str]:
    """The test's environment (its PREFECT_HOME and database URL) plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(extra)
    return env


def run(
    args: list[str], env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, env=env, capture_output=True, text=True, timeout=timeout, check=False, cwd=ROOT
    )


def run_json(args: list[str], env: dict[str, str]) -> Any:
    result = run(args, env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


class ServerProcess:
    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.proc = subprocess.Popen(
            [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=ROOT,
        )

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                out = self.proc.stdout.read() if self.proc.stdout else ""
                raise AssertionError(f"server exited with {self.proc.returncode}:\n{out}")
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"server on port {self.port} did not become healthy")

    def post(self, path: str, body: Any) -> Any:
        request = urllib.request.Request(
            f"{self.api_url}{path}",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as r:
            return json.loads(r.read())

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def start_server() -> Iterator[Any]:
    servers: list[ServerProcess] = []

    def start(env: dict[str, str]) -> ServerProcess:
        server = ServerProcess(env)
        servers.append(server)
        server.wait_healthy()
        return server

    yield start
    for server in servers:
        server.stop()
