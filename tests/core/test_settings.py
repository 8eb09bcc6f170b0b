from __future__ import annotations

from pathlib import Path

import pytest
from prefect.exceptions import ConfigurationError
from prefect.settings import (
    SETTINGS,
    check_setting_name,
    get_current_settings,
    resolve_settings,
    temporary_settings,
    use_profile,
)


def _write_profiles(home: Path, text: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "profiles.toml").write_text(text)


def test_defaults_follow_prefect_home(tmp_path: Path) -> None:
    settings = resolve_settings(env={"PREFECT_HOME": str(tmp_path)})
    assert settings.home == tmp_path
    assert settings.api_url is None
    assert settings.server_database_connection_url == f"sqlite+aiosqlite:///{tmp_path}/prefect.db"
    assert settings.results_local_storage_path == tmp_path / "storage"
    assert settings.source_of("PREFECT_API_URL") == "default"


def test_precedence_override_then_env_then_profile_then_default(tmp_path: Path) -> None:
    _write_profiles(
        tmp_path,
        'active = "dev"\n[profiles.dev]\nPREFECT_API_URL = "http://profile/api"\n'
        'PREFECT_LOGGING_LEVEL = "DEBUG"\nPREFECT_API_REQUEST_TIMEOUT = 5\n',
    )
    env = {"PREFECT_HOME": str(tmp_path), "PREFECT_LOGGING_LEVEL": "warning"}
    settings = resolve_settings(env=env)
    assert settings.api_url == "http://profile/api"
    assert settings.source_of("PREFECT_API_URL") == "profile dev"
    assert settings.logging_level == "WARNING"  # env beats profile
    assert settings.api_request_timeout == 5.0
    overridden = resolve_settings(env=env, overrides={"PREFECT_API_URL": "http://explicit/api"})
    assert overridden.api_url == "http://explicit/api"
    assert overridden.source_of("PREFECT_API_URL") == "override"


def test_prefect_profile_env_and_use_profile_choose_the_profile(tmp_path: Path) -> None:
    _write_profiles(
        tmp_path,
        'active = "a"\n[profiles.a]\nPREFECT_API_URL = "http://a/api"\n'
        '[profiles.b]\nPREFECT_API_URL = "http://b/api"\n',
    )
    env = {"PREFECT_HOME": str(tmp_path)}
    assert resolve_settings(env=env).api_url == "http://a/api"
    assert resolve_settings(env={**env, "PREFECT_PROFILE": "b"}).api_url == "http://b/api"
    use_profile("b")
    try:
        assert resolve_settings(env=env).api_url == "http://b/api"
    finally:
        use_profile(None)


def test_unknown_setting_names_the_closest(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="PREFECT_API_URL"):
        check_setting_name("PREFECT_API_ULR")
    _write_profiles(tmp_path, 'active = "x"\n[profiles.x]\nPREFECT_LOGGING_LEVLE = "INFO"\n')
    with pytest.raises(ConfigurationError, match="PREFECT_LOGGING_LEVEL"):
        resolve_settings(env={"PREFECT_HOME": str(tmp_path)})


def test_invalid_values_are_configuration_errors(tmp_path: Path) -> None:
    env = {"PREFECT_HOME": str(tmp_path), "PREFECT_LOGGING_LEVEL": "LOUD"}
    with pytest.raises(ConfigurationError, match="PREFECT_LOGGING_LEVEL"):
        resolve_settings(env=env)
    with pytest.raises(ConfigurationError, match="PREFECT_SERVER_API_PORT"):
        resolve_settings(env={"PREFECT_HOME": str(tmp_path), "PREFECT_SERVER_API_PORT": "x"})


def test_broken_profiles_file_is_a_configuration_error(tmp_path: Path) -> None:
    _write_profiles(tmp_path, "active = [unclosed\n")
    with pytest.raises(ConfigurationError, match=r"profiles\.toml"):
        resolve_settings(env={"PREFECT_HOME": str(tmp_path)})


def test_temporary_settings_nest_and_restore(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert get_current_settings().api_url is None
    with temporary_settings({"PREFECT_API_URL": "http://one/api"}):
        assert get_current_settings().api_url == "http://one/api"
        with temporary_settings({"PREFECT_API_URL": "http://two/api"}):
            assert get_current_settings().api_url == "http://two/api"
        assert get_current_settings().api_url == "http://one/api"
    assert get_current_settings().api_url is None


def test_current_settings_follow_environment_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://env/api")
    assert get_current_settings().api_url == "http://env/api"
    monkeypatch.setenv("PREFECT_API_URL", "http://changed/api")
    assert get_current_settings().api_url == "http://changed/api"


def test_every_setting_has_prefect_name_and_description() -> None:
    for name, setting in SETTINGS.items():
        assert name.startswith("PREFECT_")
        assert setting.description
