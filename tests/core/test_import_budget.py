"""`import prefect` and `from prefect import flow, task` stay light (checked in a fresh
interpreter, since this test process has imported everything already)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ["sqlalchemy", "fastapi", "starlette", "uvicorn", "typer", "textual", "prefect_server"]


def _loaded_after(statement: str) -> list[str]:
    code = (
        "import json, sys\n"
        f"{statement}\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded: list[str] = json.loads(out.stdout.strip().splitlines()[-1])
    return loaded


@pytest.mark.parametrize(
    "statement",
    [
        "import prefect",
        "from prefect import flow, task",
        "from prefect import flow, task, get_run_logger, tags, unmapped, allow_failure",
        "import prefect.runtime.flow_run, prefect.runtime.task_run, prefect.context",
    ],
)
def test_import_loads_no_server_or_console_stack(statement: str) -> None:
    assert _loaded_after(statement) == []


def test_the_check_itself_can_fail() -> None:
    assert _loaded_after("import prefect; import sqlalchemy") == ["sqlalchemy"]
