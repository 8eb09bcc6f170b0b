"""Settings with Prefect 3's names, read from arguments, the environment and profiles.

    >>> from prefect.settings import get_current_settings
    >>> get_current_settings().api_url          # None: use the embedded store

Precedence: explicit overrides (``temporary_settings``) > environment variables > the
active profile in ``$PREFECT_HOME/profiles.toml`` > defaults. Every known setting is listed
once in ``SETTINGS`` (``prefect.settings_catalog``); an unknown name is an error that
suggests the closest known ones. Plain Python on purpose: this module is imported by every
flow process and by ``prefect --help``, so it must cost next to nothing.
"""

from __future__ import annotations

import contextlib
import os
import threading
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from prefect.exceptions import ConfigurationError
from prefect.settings_catalog import DEFAULT_PROFILE as DEFAULT_PROFILE
from prefect.settings_catalog import SETTINGS as SETTINGS
from prefect.settings_catalog import Setting as Setting

# in the catalog's order: PREFECT_HOME first, then the profiles path (which may use it)
_DEFS = tuple(SETTINGS.values())


def closest_settings(name: str) -> list[str]:
    import difflib  # only when a name is wrong

    return difflib.get_close_matches(name.upper(), SETTINGS, n=3, cutoff=0.5)


def check_setting_name(name: str) -> Setting:
    try:
        return SETTINGS[name]
    except KeyError:
        hint = closest_settings(name)
        suffix = f"; did you mean {', '.join(hint)}?" if hint else ""
        raise ConfigurationError(f"Unknown setting {name!r}{suffix}") from None


class Settings:
    """Resolved settings; attributes are the names without ``PREFECT_``, lower-cased."""

    home: Path
    profiles_path: Path
    api_url: str | None
    api_key: str | None
    api_auth_string: str | None
    api_request_timeout: float
    client_max_retries: int
    server_api_host: str
    server_api_port: int
    server_api_auth_string: str | None
    server_database_connection_url: str
    server_database_timeout: float
    server_api_exact_count_limit: int
    logging_level: str
    logging_to_api_enabled: bool
    logging_log_prints: bool
    logging_extra_loggers: str
    results_persist_by_default: bool
    results_local_storage_path: Path
    tasks_refresh_cache: bool
    tasks_default_no_cache: bool
    ui_refresh_seconds: float
    # the background services (see `_service`); read with `value_of` by the server too
    server_services_scheduler_enabled: bool
    server_services_scheduler_loop_seconds: float
    server_services_scheduler_min_runs: int
    server_services_scheduler_max_runs: int
    server_services_scheduler_min_scheduled_time: float
    server_services_scheduler_max_scheduled_time: float
    server_services_late_runs_enabled: bool
    server_services_late_runs_loop_seconds: float
    server_services_late_runs_after_seconds: float
    server_services_foreman_enabled: bool
    server_services_foreman_loop_seconds: float
    server_services_foreman_inactivity_heartbeat_multiple: int
    server_services_foreman_fallback_heartbeat_interval_seconds: float
    server_services_foreman_deployment_last_polled_timeout_seconds: float
    server_services_foreman_work_queue_last_polled_timeout_seconds: float
    server_services_pause_expirations_enabled: bool
    server_services_pause_expirations_loop_seconds: float
    server_services_cancellation_cleanup_enabled: bool
    server_services_cancellation_cleanup_loop_seconds: float
    server_services_cancellation_cleanup_cancelling_timeout_seconds: float
    server_services_repossessor_enabled: bool
    server_services_repossessor_loop_seconds: float
    server_services_zombies_enabled: bool
    server_services_zombies_loop_seconds: float
    server_services_zombies_after_seconds: float
    runner_heartbeat_frequency: float | None
    server_services_retention_enabled: bool
    server_services_retention_loop_seconds: float
    server_services_retention_flow_runs_days: float | None
    server_events_retention_period: float
    server_services_event_persister_enabled: bool
    server_services_event_persister_loop_seconds: float

    def __init__(self, values: Mapping[str, Any], sources: Mapping[str, str]) -> None:
        self._values = dict(values)
        self._sources = dict(sources)
        for name, value in values.items():
            object.__setattr__(self, SETTINGS[name].attr, value)

    def value_of(self, name: str) -> Any:
        return self._values[check_setting_name(name).name]

    def source_of(self, name: str) -> str:
        """ "override", "env", "profile <name>" or "default"."""
        return self._sources[check_setting_name(name).name]

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)

    def __repr__(self) -> str:
        return f"Settings(api_url={self.api_url!r}, home={str(self.home)!r})"


# -- profiles ---------------------------------------------------------------------------


def load_profiles_file(path: Path) -> dict[str, Any]:
    """The parsed profiles.toml (``{"active": ..., "profiles": {name: {SETTING: value}}}``)."""
    if not path.exists():
        return {"active": DEFAULT_PROFILE, "profiles": {DEFAULT_PROFILE: {}}}
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"Cannot read profiles from {path}: {exc}") from None
    data.setdefault("active", DEFAULT_PROFILE)
    data.setdefault("profiles", {})
    return data


def active_profile_name(env: Mapping[str, str], profiles: Mapping[str, Any]) -> str:
    return _override_profile or env.get("PREFECT_PROFILE") or str(profiles.get("active"))


# -- resolution -------------------------------------------------------------------------

_local = threading.local()
_override_profile: str | None = None


def _overrides() -> list[dict[str, Any]]:
    stack: list[dict[str, Any]] | None = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    return stack


def _convert(setting: Setting, raw: Any, source: str) -> Any:
    try:
        return setting.convert(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(
            f"Invalid value for {setting.name} (from {source}): {exc}"
        ) from None


def resolve_settings(
    env: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    env = os.environ if env is None else env
    merged_overrides: dict[str, Any] = {}
    for layer in _overrides():
        merged_overrides.update(layer)
    if overrides:
        merged_overrides.update({check_setting_name(k).name: v for k, v in overrides.items()})

    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    # PREFECT_HOME and the profiles path come first: the profile is read from them.
    partial = Settings({}, {})
    profile_values: dict[str, Any] = {}
    profile_name = ""
    for setting in _DEFS:
        name = setting.name
        if name in merged_overrides:
            raw, source = merged_overrides[name], "override"
        elif name in env:
            raw, source = env[name], "env"
        elif name in profile_values:
            raw, source = profile_values[name], f"profile {profile_name}"
        else:
            raw, source = None, "default"
        value = setting.default(partial) if source == "default" else _convert(setting, raw, source)
        values[name] = value
        sources[name] = source
        object.__setattr__(partial, setting.attr, value)
        if name == "PREFECT_PROFILES_PATH":
            profiles = load_profiles_file(value)
            profile_name = active_profile_name(env, profiles)
            profile_values = dict(profiles.get("profiles", {}).get(profile_name, {}) or {})
            for key in profile_values:
                check_setting_name(key)
    return Settings(values, sources)


def current_profiles_path(env: Mapping[str, str] | None = None) -> Path:
    """Where profiles.toml is, without reading it (so a broken file can still be fixed)."""
    env = os.environ if env is None else env
    merged: dict[str, Any] = {}
    for layer in _overrides():
        merged.update(layer)
    partial = Settings({}, {})
    for setting in _DEFS[:2]:  # PREFECT_HOME, then PREFECT_PROFILES_PATH (may use home)
        if setting.name in merged:
            value = _convert(setting, merged[setting.name], "override")
        elif setting.name in env:
            value = _convert(setting, env[setting.name], "env")
        else:
            value = setting.default(partial)
        object.__setattr__(partial, setting.attr, value)
    return partial.profiles_path


_cache: tuple[tuple[Any, ...], Settings] | None = None


def get_current_settings() -> Settings:
    """Settings as they stand now (cheap: cached until the environment or overrides change)."""
    global _cache
    stack = _overrides()
    key = (
        tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("PREFECT_"))),
        tuple(tuple(sorted(layer.items(), key=lambda kv: kv[0])) for layer in stack)
        if stack
        else (),
        _override_profile,
    )
    if _cache is not None and _cache[0] == key:
        return _cache[1]
    settings = resolve_settings()
    _cache = (key, settings)
    return settings


@contextlib.contextmanager
def temporary_settings(updates: Mapping[str, Any]) -> Iterator[Settings]:
    """Override settings in this thread for the duration of the block."""
    layer = {check_setting_name(k).name: v for k, v in updates.items()}
    stack = _overrides()
    stack.append(layer)
    try:
        yield get_current_settings()
    finally:
        stack.pop()


def use_profile(name: str | None) -> None:
    """Make `name` the active profile for this process (the CLI's ``--profile``)."""
    global _override_profile
    _override_profile = name


# -- writing profiles -------------------------------------------------------------------


def _toml_key(key: str) -> str:
    bare = key and all(c.isascii() and (c.isalnum() or c in "-_") for c in key)
    return key if bare else _toml_value(key)


def _toml_value(value: Any) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    # a JSON string is a valid TOML basic string (same quotes and escapes)
    return json.dumps(str(value), ensure_ascii=False)


def dump_profiles(data: Mapping[str, Any]) -> str:
    """profiles.toml text for ``{"active": ..., "profiles": {name: {SETTING: value}}}``."""
    lines = [f"active = {_toml_value(data.get('active', DEFAULT_PROFILE))}"]
    for name, values in (data.get("profiles") or {}).items():
        lines.append("")
        lines.append(f"[profiles.{_toml_key(name)}]")
        for key, value in (values or {}).items():
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def write_profiles_file(path: Path, data: Mapping[str, Any]) -> None:
    """Replace profiles.toml in one step: a reader sees the old file or the new, never half.

    The text goes to a temporary file in the same folder (so the rename stays on one file
    system), is flushed to disk, then renamed over the old file.
    """
    import tempfile

    global _cache
    text = dump_profiles(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".profiles-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():  # keep the permissions the operator chose (it may hold keys)
            os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _cache = None  # settings read from the old file are stale now
