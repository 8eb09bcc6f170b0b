"""run_server: one-line errors for a busy port or a bad store, and a real start."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from prefect_server.serve import ServerStartError, run_server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_busy_port() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(ServerStartError) as info:
            run_server("127.0.0.1", port)
    message = str(info.value)
    assert f"127.0.0.1:{port}" in message and "\n" not in message


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere",
        "nosuchdb://x/y",
        "sqlite+aiosqlite:////proc/not-writable/prefect.db",
    ],
)
def test_bad_database(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", url)
    port = free_port()
    with pytest.raises(ServerStartError) as info:
        run_server("127.0.0.1", port)
    message = str(info.value)
    assert message.startswith("Cannot open the database") and "\n" not in message
    # the port was given back
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_serves_http(prefect_home: Path) -> None:
    port = free_port()
    code = f"from prefect_server.serve import run_server; run_server('127.0.0.1', {port})"
    proc = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 60
        answer = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        assert answer is not None and answer.json() is True
        created = httpx.post(f"http://127.0.0.1:{port}/api/flows/", json={"name": "f"})
        assert created.status_code == 201
        assert (prefect_home / "prefect.db").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_stopping_releases_held_polls(prefect_home: Path) -> None:
    """A worker's poll held for up to 300 s does not hold the server's shutdown: asked to
    stop, the server answers the poll (empty) and exits."""
    import threading

    port = free_port()
    code = f"from prefect_server.serve import run_server; run_server('127.0.0.1', {port})"
    proc = subprocess.Popen([sys.executable, "-c", code])
    base = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                httpx.get(f"{base}/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        created = httpx.post(f"{base}/work_pools/", json={"name": "p", "type": "process"})
        assert created.status_code == 201
        answers: list[httpx.Response] = []

        def poll() -> None:
            body = {"wait_seconds": 300}
            answers.append(
                httpx.post(f"{base}/work_pools/p/get_scheduled_flow_runs", json=body, timeout=400)
            )

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        time.sleep(0.5)
        assert poller.is_alive()  # held: the pool has no work
        proc.terminate()
        # far below the poll's 300 s: only the release can have ended it (uvicorn raises
        # the signal again once it has shut down gracefully)
        assert proc.wait(timeout=60) in (0, -signal.SIGTERM)
        poller.join(timeout=30)
        assert [a.status_code for a in answers] == [200]
        assert answers[0].json() == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
