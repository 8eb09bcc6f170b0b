"""`prefect ui` in a real terminal (tmux), against a server process, driven by keys."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import PREFECT, process_env

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


class Terminal:
    """One tmux session on a private socket, so a user's own tmux is never touched."""

    def __init__(self, command: list[str], env: dict[str, str], size: tuple[int, int]) -> None:
        self.socket = f"prefect-test-{uuid.uuid4().hex[:8]}"
        exports = [f"{k}={v}" for k, v in env.items() if k.startswith("PREFECT_")]
        self._tmux(
            "new-session",
            "-d",
            "-s",
            "ui",
            "-x",
            str(size[0]),
            "-y",
            str(size[1]),
            "env",
            *exports,
            *command,
        )

    def _tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=10
        )
        return result.stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "ui")

    def keys(self, *keys: str) -> None:
        for key in keys:
            self._tmux("send-keys", "-t", "ui", key)
            time.sleep(0.3)  # lets the app tell a lone Esc from an Alt chord

    def wait_for(self, predicate: Callable[[str], bool], what: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if predicate(screen):
                return screen
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}; the screen was:\n{self.screen()}")

    def close(self) -> None:
        self._tmux("kill-server")


@pytest.fixture
def terminal() -> Iterator[Callable[..., Terminal]]:
    opened: list[Terminal] = []

    def open_terminal(
        command: list[str], env: dict[str, str], size: tuple[int, int] = (120, 30)
    ) -> Terminal:
        term = Terminal(command, env, size)
        opened.append(term)
        return term

    yield open_terminal
    for term in opened:
        term.close()


def _scheduled_run(server: Any, flow_name: str, run_name: str) -> str:
    flow = server.post("/flows/", {"name": flow_name})
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    run = server.post(
        "/flow_runs/",
        {
            "flow_id": flow["id"],
            "name": run_name,
            "state": {
                "type": "SCHEDULED",
                "name": "Scheduled",
                "state_details": {"scheduled_time": later},
            },
        },
    )
    return str(run["id"])


def test_cancel_a_run_from_the_ui(start_server: Any, terminal: Any) -> None:
    server = start_server(process_env())
    run_id = _scheduled_run(server, "tmux-flow", "cancel-me-please")
    term = terminal([PREFECT, "ui"], process_env(PREFECT_API_URL=server.api_url))

    term.wait_for(lambda s: "cancel-me-please" in s, "the run in the table")
    assert server.api_url in term.screen()  # the API in use is always on screen

    term.keys("c")
    dialog = term.wait_for(lambda s: "(y)" in s, "the confirmation dialog")
    assert "cancel-me-please" in dialog  # it names the run it will act on
    term.keys("y")

    deadline = time.monotonic() + 20
    state = None
    while time.monotonic() < deadline:
        state = server.post("/flow_runs/filter", {"flow_runs": {"id": {"any_": [run_id]}}})[0]
        if state["state_type"] == "CANCELLED":
            break
        time.sleep(0.2)
    assert state is not None and state["state_type"] == "CANCELLED", state
    term.wait_for(
        lambda s: any(
            "cancel-me-please" in line and "Cancelled" in line for line in s.splitlines()
        ),
        "the row to show Cancelled",
    )

    term.keys("q")
