"""Changing settings in a profile: `config set`, `config unset`, `config validate`.

Names are Prefect 3's; an unknown one is refused with the closest known names, and a
value is checked by converting it as the setting would be read, so a profile never holds
something that breaks the next command.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from prefect_console.ops.errors import ConsoleError
from prefect_console.ops.profiles import _in_effect, _load, _require, _save, profiles_path

if TYPE_CHECKING:
    from prefect.settings import Setting, Settings

# they say where profiles are read from, so a profile cannot set them
_NOT_IN_PROFILES = {"PREFECT_HOME", "PREFECT_PROFILES_PATH"}


@dataclass(frozen=True)
class ConfigChange:
    profile: str
    changed: dict[str, str]
    # settings also set in the environment, which wins over the profile
    shadowed: list[str] = field(default_factory=list)


def parse_pairs(items: list[str]) -> dict[str, str]:
    """`["K=V", ...]` -> `{"K": "V"}`; anything without `=` or a name is a usage error."""
    pairs: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ConsoleError(
                f"{item!r} is not NAME=VALUE (e.g. PREFECT_API_URL=http://127.0.0.1:4200/api)",
                usage=True,
            )
        pairs[name.strip()] = value
    return pairs


def _setting(name: str) -> Setting:
    from prefect.exceptions import ConfigurationError
    from prefect.settings import check_setting_name

    try:
        return check_setting_name(name)
    except ConfigurationError as exc:
        raise ConsoleError(str(exc), usage=True) from None


def _check_value(setting: Setting, value: str) -> None:
    if setting.name in _NOT_IN_PROFILES:
        raise ConsoleError(
            f"{setting.name} cannot be set in a profile (it says where profiles are); "
            "set it in the environment instead",
            usage=True,
        )
    try:
        setting.convert(value)
    except (TypeError, ValueError) as exc:
        raise ConsoleError(f"Invalid value for {setting.name}: {exc}", usage=True) from None


def set_settings(
    pairs: dict[str, str], settings_or_path: Settings | Path | None = None
) -> ConfigChange:
    """Set settings in the profile in effect; every pair is checked before any is written."""
    checked = {}
    for name, value in pairs.items():
        setting = _setting(name)
        _check_value(setting, value)
        checked[setting.name] = value
    path = profiles_path(settings_or_path)
    data = _load(path)
    profile = _in_effect(data)
    _require(data, profile).update(checked)
    _save(path, data)
    shadowed = [name for name in checked if name in os.environ]
    return ConfigChange(profile=profile, changed=checked, shadowed=shadowed)


def unset_settings(
    names: list[str], settings_or_path: Settings | Path | None = None
) -> ConfigChange:
    """Remove settings from the profile in effect (they fall back to their defaults)."""
    path = profiles_path(settings_or_path)
    data = _load(path)
    profile = _in_effect(data)
    values = _require(data, profile)
    # a name the profile holds may be removed even if unknown: that is how it gets fixed
    wanted = [name if name in values else _setting(name).name for name in names]
    missing = [name for name in wanted if name not in values]
    if missing:
        raise ConsoleError(f"{', '.join(missing)} not set in profile {profile!r}; nothing unset")
    removed = {name: str(values.pop(name)) for name in wanted}
    _save(path, data)
    return ConfigChange(profile=profile, changed=removed)


@dataclass(frozen=True)
class ValidationReport:
    path: Path
    profiles: int
    problems: list[str]


def validate_profiles(settings_or_path: Settings | Path | None = None) -> ValidationReport:
    """Read every profile and check each setting's name and value; change nothing."""
    from prefect.settings import SETTINGS, closest_settings

    path = profiles_path(settings_or_path)
    data = _load(path)
    problems: list[str] = []
    if data.get("active") not in data["profiles"]:
        problems.append(f"active profile {data.get('active')!r} is not defined")
    for profile, values in data["profiles"].items():
        for name, value in values.items():
            if name not in SETTINGS:
                hint = closest_settings(name)
                suffix = f" (did you mean {', '.join(hint)}?)" if hint else ""
                problems.append(f"profile {profile!r}: unknown setting {name!r}{suffix}")
                continue
            try:
                _check_value(SETTINGS[name], str(value))
            except ConsoleError as exc:
                problems.append(f"profile {profile!r}: {exc.message}")
    return ValidationReport(path=path, profiles=len(data["profiles"]), problems=problems)
