"""A `prefect server start` process shared by a test session (see tests/integration/conftest.py).

Its output goes to a file, not a pipe: a pipe nobody reads would fill up during a long
session and stall the server. Start-up is bounded; stop() terminates, then kills.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

PREFECT = str(Path(sys.executable).parent / "prefect")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    """In the child before exec: have the kernel SIGTERM the server when the test process
    dies, even killed outright with no fixture teardown, so no server outlives its session."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class ServerProcess:
    """A server on 127.0.0.1 with its own PREFECT_HOME and, optionally, database URL."""

    def __init__(self, home: Path, database_url: str | None = None) -> None:
        self.home = home
        self.port = free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.log_path = home / "server.log"
        # nothing from the test's environment that could point the server elsewhere
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env["PREFECT_HOME"] = str(home)
        if database_url:
            env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = database_url
        home.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"server exited with {self.proc.returncode} before it answered:\n"
                    + self.output()
                )
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"server on port {self.port} not healthy after {timeout} s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()


class SdkBackend:
    """Where the SDK under test stores its runs: the embedded store in the test process, or
    a server process it reaches over HTTP (PREFECT_API_URL)."""

    def __init__(
        self,
        kind: str,
        database: str,
        api_url: str | None = None,
        database_url: str | None = None,
    ) -> None:
        self.kind = kind
        self.database = database
        self.api_url = api_url
        self.database_url = database_url

    @property
    def is_server(self) -> bool:
        return self.kind == "server"

    def __repr__(self) -> str:
        return f"SdkBackend({self.kind}-{self.database})"
