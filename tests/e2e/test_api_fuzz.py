"""Fuzzing the API from its own `/api/openapi.json` with schemathesis: no input gives a 500.

A real server process per backend; schemathesis generates requests for every operation
(valid and invalid bodies, paths, queries) and fails on any 5xx answer. The websocket
routes are not in the OpenAPI document and are tested apart.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ROOT, process_env

ST = str(Path(sys.executable).parent / "st")
# enough to reach every operation with valid and invalid input while keeping CI short;
# FUZZ_EXAMPLES=200 (say) for a deeper run by hand
EXAMPLES = os.environ.get("FUZZ_EXAMPLES", "8")


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_no_input_gives_a_server_error(
    backend: str, start_server: Any, prefect_home: Path, request: pytest.FixtureRequest
) -> None:
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{prefect_home / 'fuzz.db'}"
    else:
        dsn: str = request.getfixturevalue("postgres_dsn")
        url = dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
    server = start_server(process_env(PREFECT_SERVER_DATABASE_CONNECTION_URL=url))
    result = subprocess.run(
        [
            ST,
            "run",
            f"{server.api_url}/openapi.json",
            "--checks",
            "not_a_server_error",
            "--phases",
            "examples,fuzzing",
            "--max-examples",
            EXAMPLES,
            "--seed",
            "1",
            "--workers",
            "2",
            "--suppress-health-check",
            "all",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
        check=False,
    )
    tail = "\n".join((result.stdout + result.stderr).splitlines()[-60:])
    assert result.returncode == 0, tail
