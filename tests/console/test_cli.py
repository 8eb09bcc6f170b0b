"""The real CLI in-process (typer's CliRunner) against seeded runs in the embedded store."""

from __future__ import annotations

import json
import uuid

import pytest
from prefect_console.cli.main import app
from typer.testing import CliRunner

from tests.console.seed import Seeded

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def assert_one_line_error(code: int, stderr: str, expected_code: int | tuple[int, ...]) -> None:
    codes = expected_code if isinstance(expected_code, tuple) else (expected_code,)
    assert code in codes, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    assert "Traceback" not in stderr


def test_ls_table_shows_runs_with_state_words(seeded: Seeded) -> None:
    code, out, _ = invoke("flow-run", "ls")
    assert code == 0
    for word in ("nightly-etl", "broken-etl", "weekly-report", "Completed", "Failed", "Running"):
        assert word in out
    assert str(seeded.nightly) in out


def test_ls_json_is_a_list_of_api_objects(seeded: Seeded) -> None:
    code, out, _ = invoke("flow-run", "ls", "-o", "json", "--limit", "3")
    assert code == 0
    data = json.loads(out)
    assert isinstance(data, list) and len(data) == 3
    for field in ("id", "name", "flow_id", "state_type", "state_name", "start_time", "state"):
        assert field in data[0]
    assert data[0]["name"] == "later-report"


def test_ls_filters_by_state_and_flow(seeded: Seeded) -> None:
    code, out, _ = invoke("flow-run", "ls", "--state", "Failed", "--output", "json")
    assert code == 0 and [r["id"] for r in json.loads(out)] == [str(seeded.broken)]
    code, out, _ = invoke("flow-run", "ls", "--flow-name", "report", "-o", "json")
    assert {r["name"] for r in json.loads(out)} == {"weekly-report", "later-report"}


def test_ls_with_an_unknown_state_is_a_usage_error(store: str) -> None:
    code, _, err = invoke("flow-run", "ls", "--state", "Exploded")
    assert_one_line_error(code, err, 2)
    assert "Exploded" in err


def test_inspect_json_is_the_flow_run_object(seeded: Seeded) -> None:
    code, out, _ = invoke("flow-run", "inspect", str(seeded.broken), "-o", "json")
    assert code == 0
    data = json.loads(out)
    assert isinstance(data, dict)
    assert data["id"] == str(seeded.broken)
    assert data["state"]["type"] == "FAILED" and data["state_name"] == "Failed"


def test_inspect_table_lists_task_runs(seeded: Seeded) -> None:
    code, out, _ = invoke("flow-run", "inspect", str(seeded.nightly))
    assert code == 0
    for word in ("nightly-etl", "Completed", "extract-0", "transform-0", "load-0", "2024-05-01"):
        assert word in out


def test_inspect_unknown_id_fails_in_one_line(store: str) -> None:
    missing = uuid.uuid4()
    code, _, err = invoke("flow-run", "inspect", str(missing))
    assert_one_line_error(code, err, 1)
    assert str(missing) in err and "not found" in err


@pytest.mark.parametrize("verb", ["inspect", "logs"])
def test_malformed_uuid_is_a_usage_error_without_traceback(verb: str) -> None:
    code, _, err = invoke("flow-run", verb, "not-a-uuid")
    assert_one_line_error(code, err, 2)


def test_unknown_option_is_a_usage_error() -> None:
    code, _, err = invoke("flow-run", "ls", "--bogus")
    assert_one_line_error(code, err, 2)
    assert "--bogus" in err


def test_logs_are_printed_literally_and_stripped(seeded: Seeded) -> None:
    code, out, _ = invoke("flow-run", "logs", str(seeded.nightly))
    assert code == 0
    assert "[INFO] starting extract" in out
    assert "rename pane and red text" in out
    assert "\x1b" not in out and "\x07" not in out
    assert out.index("starting extract") < out.index("Finished in state")


def test_logs_head_and_tail(seeded: Seeded) -> None:
    _, head, _ = invoke("flow-run", "logs", str(seeded.nightly), "--head", "-n", "1")
    _, tail, _ = invoke("flow-run", "logs", str(seeded.nightly), "--tail", "-n", "1")
    assert "starting extract" in head and "Finished" not in head
    assert "Finished in state" in tail and "starting extract" not in tail


def test_version_names_the_embedded_store() -> None:
    code, out, _ = invoke("version")
    assert code == 0
    assert "0.1.0" in out and "embedded" in out and "sqlite" in out
    code, out, _ = invoke("version", "-o", "json")
    assert json.loads(out)["api_url"] == "embedded"


def test_config_view_hides_secrets_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_API_KEY", "sk-very-secret")
    monkeypatch.setenv("PREFECT_LOGGING_LEVEL", "DEBUG")
    code, out, _ = invoke("config", "view")
    assert code == 0
    assert "PREFECT_PROFILE='ephemeral'" in out
    assert "PREFECT_LOGGING_LEVEL='DEBUG' (from env)" in out
    assert "sk-very-secret" not in out and "PREFECT_API_KEY='********'" in out
    _, shown, _ = invoke("config", "view", "--show-secrets", "--hide-sources")
    assert "PREFECT_API_KEY='sk-very-secret'" in shown and "(from" not in shown
    _, defaults, _ = invoke("config", "view", "--show-defaults")
    assert "PREFECT_UI_REFRESH_SECONDS='2.0' (from defaults)" in defaults


def test_profile_option_selects_a_profile(
    prefect_home: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathlib import Path

    Path(str(prefect_home), "profiles.toml").write_text(
        'active = "ephemeral"\n[profiles.ephemeral]\n'
        '[profiles.remote]\nPREFECT_API_URL = "http://127.0.0.1:9/api"\n'
    )
    code, out, _ = invoke("--profile", "remote", "version")
    assert code == 0 and "http://127.0.0.1:9/api" in out and "remote" in out
    code, _, err = invoke("--profile", "missing", "version")
    assert_one_line_error(code, err, 1)


def test_unreachable_api_fails_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    monkeypatch.setenv("PREFECT_CLIENT_MAX_RETRIES", "0")
    code, _, err = invoke("flow-run", "ls")
    assert_one_line_error(code, err, 1)
    assert "127.0.0.1:9" in err


def test_database_reset_needs_confirmation_without_a_terminal(seeded: Seeded) -> None:
    code, _, err = invoke("server", "database", "reset")
    assert_one_line_error(code, err, 1)
    assert "--yes" in err
    code, out, _ = invoke("flow-run", "ls", "-o", "json")
    assert len(json.loads(out)) == 4  # nothing was deleted


def test_database_reset_with_yes_empties_the_store(seeded: Seeded) -> None:
    code, _, err = invoke("server", "database", "reset", "--yes")
    assert code == 0, err
    code, out, _ = invoke("flow-run", "ls", "-o", "json")
    assert code == 0 and json.loads(out) == []
    code, out, _ = invoke("server", "database", "upgrade", "--yes")
    assert code == 0 and "up to date" in out
