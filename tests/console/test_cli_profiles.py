"""`prefect profile ...` and `prefect config set|unset|validate` on a real profiles.toml."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
from prefect.settings import dump_profiles, write_profiles_file

from tests.console.test_cli import assert_one_line_error, invoke


def profiles(home: Path) -> dict[str, Any]:
    return tomllib.loads((home / "profiles.toml").read_text())


def write(home: Path, text: str) -> None:
    (home / "profiles.toml").write_text(text)


TWO = (
    'active = "ephemeral"\n[profiles.ephemeral]\n'
    '[profiles.remote]\nPREFECT_API_URL = "http://127.0.0.1:9/api"\n'
    'PREFECT_API_KEY = "sk-secret"\n'
)


def test_ls_without_a_file_shows_the_default(prefect_home: Path) -> None:
    code, out, _ = invoke("profile", "ls")
    assert code == 0 and out.strip() == "* ephemeral"
    code, out, _ = invoke("profile", "ls", "-o", "json")
    assert json.loads(out) == {"active": "ephemeral", "profiles": {"ephemeral": {}}}
    assert not (prefect_home / "profiles.toml").exists()  # reading writes nothing


def test_create_from_use_inspect(prefect_home: Path) -> None:
    write(prefect_home, TWO)
    code, out, err = invoke("profile", "create", "staging", "--from", "remote")
    assert code == 0, err
    assert "staging" in out
    data = profiles(prefect_home)
    assert data["profiles"]["staging"]["PREFECT_API_URL"] == "http://127.0.0.1:9/api"
    code, out, _ = invoke("profile", "use", "staging")
    assert code == 0 and profiles(prefect_home)["active"] == "staging"
    code, out, _ = invoke("profile", "inspect", "-o", "json")
    assert json.loads(out)["PREFECT_API_URL"] == "http://127.0.0.1:9/api"
    code, out, _ = invoke("profile", "inspect")
    assert "sk-secret" not in out and "PREFECT_API_KEY='********'" in out
    code, out, _ = invoke("version", "-o", "json")
    assert json.loads(out)["profile"] == "staging"
    code, out, _ = invoke("profile", "ls")
    assert "* staging" in out and "  remote" in out


def test_create_errors(prefect_home: Path) -> None:
    write(prefect_home, TWO)
    code, _, err = invoke("profile", "create", "remote")
    assert_one_line_error(code, err, 1)
    assert "already exists" in err
    code, _, err = invoke("profile", "create", "x", "--from", "nowhere")
    assert_one_line_error(code, err, 1)
    assert "nowhere" in err and "remote" in err  # names the known profiles
    code, _, err = invoke("profile", "use", "nowhere")
    assert_one_line_error(code, err, 1)
    assert profiles(prefect_home)["active"] == "ephemeral"


def test_delete_refuses_the_active_profile(prefect_home: Path) -> None:
    write(prefect_home, TWO)
    code, _, err = invoke("profile", "delete", "ephemeral", "--yes")
    assert_one_line_error(code, err, 1)
    assert "active" in err and "profile use" in err
    code, _, err = invoke("--profile", "remote", "profile", "delete", "remote", "--yes")
    assert_one_line_error(code, err, 1)
    assert set(profiles(prefect_home)["profiles"]) == {"ephemeral", "remote"}


def test_delete_needs_yes_without_a_terminal(prefect_home: Path) -> None:
    write(prefect_home, TWO)
    code, _, err = invoke("profile", "delete", "remote")
    assert_one_line_error(code, err, 1)
    assert "--yes" in err and "remote" in profiles(prefect_home)["profiles"]
    code, _, err = invoke("profile", "delete", "remote", "--yes")
    assert code == 0, err
    assert "remote" not in profiles(prefect_home)["profiles"]


def test_rename_keeps_order_and_active(prefect_home: Path) -> None:
    write(prefect_home, TWO)
    code, _, err = invoke("profile", "rename", "ephemeral", "local")
    assert code == 0, err
    data = profiles(prefect_home)
    assert data["active"] == "local" and list(data["profiles"]) == ["local", "remote"]
    code, _, err = invoke("profile", "rename", "local", "remote")
    assert_one_line_error(code, err, 1)
    code, _, err = invoke("profile", "rename", "missing", "other")
    assert_one_line_error(code, err, 1)


def test_profile_env_chooses_the_profile(
    prefect_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(prefect_home, TWO)
    monkeypatch.setenv("PREFECT_PROFILE", "remote")
    code, out, _ = invoke("config", "set", "PREFECT_LOGGING_LEVEL=DEBUG")
    assert code == 0 and "'remote'" in out
    assert profiles(prefect_home)["profiles"]["remote"]["PREFECT_LOGGING_LEVEL"] == "DEBUG"
    code, out, _ = invoke("profile", "ls", "-o", "json")
    assert json.loads(out)["active"] == "remote"


def test_config_set_unset_and_view(prefect_home: Path) -> None:
    code, out, err = invoke(
        "config",
        "set",
        "PREFECT_API_URL=http://127.0.0.1:4200/api",
        "PREFECT_LOGGING_LEVEL=warning",
    )
    assert code == 0, err
    values = profiles(prefect_home)["profiles"]["ephemeral"]
    assert values == {
        "PREFECT_API_URL": "http://127.0.0.1:4200/api",
        "PREFECT_LOGGING_LEVEL": "warning",
    }
    code, out, _ = invoke("config", "view")
    assert "PREFECT_API_URL='http://127.0.0.1:4200/api' (from profile ephemeral)" in out
    code, out, err = invoke("config", "unset", "PREFECT_API_URL")
    assert code == 0, err
    assert profiles(prefect_home)["profiles"]["ephemeral"] == {"PREFECT_LOGGING_LEVEL": "warning"}
    code, _, err = invoke("config", "unset", "PREFECT_API_URL")
    assert_one_line_error(code, err, 1)
    assert "not set" in err


def test_config_set_value_with_equals_and_env_note(
    prefect_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREFECT_API_KEY", "from-env")
    code, _, err = invoke("config", "set", "PREFECT_API_KEY=a=b")
    assert code == 0
    assert "environment" in err
    assert profiles(prefect_home)["profiles"]["ephemeral"]["PREFECT_API_KEY"] == "a=b"


@pytest.mark.parametrize("pair", ["PREFECT_API_URL", "=x", "no-equals-sign"])
def test_malformed_pair_is_a_usage_error(prefect_home: Path, pair: str) -> None:
    code, _, err = invoke("config", "set", pair)
    assert_one_line_error(code, err, 2)
    assert "NAME=VALUE" in err
    assert not (prefect_home / "profiles.toml").exists()


def test_unknown_setting_names_the_closest(prefect_home: Path) -> None:
    code, _, err = invoke(
        "config", "set", "PREFECT_API_URL=http://x/api", "PREFECT_LOGING_LEVEL=INFO"
    )
    assert_one_line_error(code, err, 2)
    assert "PREFECT_LOGING_LEVEL" in err and "PREFECT_LOGGING_LEVEL" in err
    assert not (prefect_home / "profiles.toml").exists()  # nothing written, not even the good one
    code, _, err = invoke("config", "unset", "PREFECT_API_UR")
    assert_one_line_error(code, err, 2)
    assert "PREFECT_API_URL" in err


@pytest.mark.parametrize(
    ("pair", "word"),
    [
        ("PREFECT_LOGGING_LEVEL=LOUD", "log level"),
        ("PREFECT_CLIENT_MAX_RETRIES=many", "PREFECT_CLIENT_MAX_RETRIES"),
        ("PREFECT_HOME=/tmp/x", "environment"),
    ],
)
def test_invalid_values_are_refused(prefect_home: Path, pair: str, word: str) -> None:
    code, _, err = invoke("config", "set", pair)
    assert_one_line_error(code, err, 2)
    assert word in err


def test_validate_reports_problems_and_unset_fixes_them(prefect_home: Path) -> None:
    write(
        prefect_home,
        'active = "ephemeral"\n[profiles.ephemeral]\nPREFECT_LOGING_LEVEL = "INFO"\n'
        '[profiles.other]\nPREFECT_API_REQUEST_TIMEOUT = "soon"\n',
    )
    code, out, err = invoke("config", "validate")
    assert_one_line_error(code, err, 1)
    assert "2 problem" in err
    assert "PREFECT_LOGGING_LEVEL" in out and "PREFECT_API_REQUEST_TIMEOUT" in out
    code, _, err = invoke("config", "unset", "PREFECT_LOGING_LEVEL")  # an unknown name it holds
    assert code == 0, err
    invoke("profile", "delete", "other", "--yes")
    code, out, _ = invoke("config", "validate")
    assert code == 0 and "all settings valid" in out


def test_a_broken_file_fails_in_one_line(prefect_home: Path) -> None:
    write(prefect_home, "active = \n")
    for args in (("profile", "ls"), ("config", "set", "PREFECT_API_URL=x"), ("config", "validate")):
        code, _, err = invoke(*args)
        assert_one_line_error(code, err, 1)
        assert "profiles.toml" in err
    assert (prefect_home / "profiles.toml").read_text() == "active = \n"


def test_written_file_round_trips_odd_names_and_values(tmp_path: Path) -> None:
    data = {
        "active": "odd name",
        "profiles": {
            "odd name": {"PREFECT_API_URL": 'http://h/"quoted"\\path\n'},
            "plain": {"PREFECT_CLIENT_MAX_RETRIES": 3, "PREFECT_LOGGING_LOG_PRINTS": True},
        },
    }
    path = tmp_path / "sub" / "profiles.toml"
    write_profiles_file(path, data)
    assert tomllib.loads(path.read_text()) == data
    assert tomllib.loads(dump_profiles(data)) == data
    assert [p.name for p in path.parent.iterdir()] == ["profiles.toml"]  # no temp file left
