"""The new verbs as real processes (stdin is not a terminal), and what `--help` and
`version` leave unimported."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.main import get_group

from tests.console.seed import Seeded
from tests.console.test_cli_process import error_lines, run


def test_delete_without_a_terminal_needs_yes(sqlite_seeded: Seeded) -> None:
    result = run("flow-run", "delete", str(sqlite_seeded.broken))
    assert result.returncode == 1
    lines = error_lines(result)
    assert len(lines) == 1 and "--yes" in lines[0]
    listed = run("flow-run", "ls", "-o", "json")
    assert str(sqlite_seeded.broken) in {r["id"] for r in json.loads(listed.stdout)}
    result = run("flow-run", "delete", str(sqlite_seeded.broken), "--yes")
    assert result.returncode == 0, result.stderr


def test_watch_exit_codes(sqlite_seeded: Seeded) -> None:
    done = run("flow-run", "watch", str(sqlite_seeded.nightly), "--interval", "0.1")
    assert done.returncode == 0, done.stderr
    assert "Finished in state Completed()" in done.stdout
    failed = run("flow-run", "watch", str(sqlite_seeded.broken), "--interval", "0.1")
    assert failed.returncode == 1
    assert error_lines(failed) == [
        f"Error: Flow run '{sqlite_seeded.broken}' finished in state Failed"
    ]


def test_config_errors_from_a_process() -> None:
    malformed = run("config", "set", "PREFECT_API_URL")
    assert malformed.returncode == 2
    assert len(error_lines(malformed)) == 1
    unknown = run("config", "set", "PREFECT_API_URLL=http://x")
    assert unknown.returncode == 2
    (line,) = error_lines(unknown)
    assert "did you mean PREFECT_API_URL" in line


def test_profile_round_trip_from_processes() -> None:
    assert run("profile", "create", "remote").returncode == 0
    assert (
        run("--profile", "remote", "config", "set", "PREFECT_API_URL=http://h:1/api").returncode
        == 0
    )
    assert run("profile", "use", "remote").returncode == 0
    version = run("version", "-o", "json")
    assert json.loads(version.stdout)["api_url"] == "http://h:1/api"
    assert run("profile", "delete", "remote", "--yes").returncode == 1  # active


def test_shell_completion_script() -> None:
    # `--show-completion` guesses the shell from the parent process (it refuses `sh`, as
    # under make); the variable names the shell outright
    result = run(_PREFECT_COMPLETE="source_bash")
    assert result.returncode == 0
    assert "_PREFECT_COMPLETE" in result.stdout
    assert "complete" in result.stdout and "prefect" in result.stdout


@pytest.mark.parametrize("args", [["--help"], ["version"]])
def test_startup_imports_no_group_and_no_pydantic(args: list[str]) -> None:
    # what keeps `prefect --help` and `prefect version` fast, checked by what is loaded
    code = (
        "import sys; from prefect_console.cli.main import main; sys.argv = ['prefect', *"
        f"{args!r}]\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
        "loaded = [m for m, mod in sys.modules.items() if mod is not None and m.startswith(("
        "'pydantic', 'httpx', 'prefect_console.cli.flow', 'prefect_console.cli.server', "
        "'rich'))]\n"
        "print('LOADED', sorted(loaded))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert "LOADED []" in result.stdout, result.stdout + result.stderr


def test_lazy_group_help_lines_match_the_groups() -> None:
    import importlib

    from prefect_console.cli._lazy import GROUPS

    for name, (module, help_line) in GROUPS.items():
        group = get_group(importlib.import_module(module).app)
        assert group.help == help_line, name
