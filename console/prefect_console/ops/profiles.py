"""Profiles in `$PREFECT_HOME/profiles.toml`: list, create, use, delete, rename, inspect.

A profile is a named set of settings (Prefect 3's names). One is active: the one named by
`--profile`, else `PREFECT_PROFILE`, else `active` in the file. Every change rewrites the
file atomically (`prefect.settings.write_profiles_file`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prefect_console.ops.errors import ConsoleError, NotFound

if TYPE_CHECKING:
    from prefect.settings import Settings


@dataclass(frozen=True)
class ProfilesView:
    path: Path
    active: str  # the profile in effect for this process
    names: list[str]
    settings: dict[str, dict[str, str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"active": self.active, "profiles": self.settings}


def profiles_path(settings_or_path: Settings | Path | None = None) -> Path:
    if isinstance(settings_or_path, Path):
        return settings_or_path
    if settings_or_path is None:
        from prefect.settings import current_profiles_path

        # not the resolved settings: a profile with a bad value must stay fixable
        return current_profiles_path()
    return settings_or_path.profiles_path


def _load(path: Path) -> dict[str, Any]:
    from prefect.settings import load_profiles_file

    data = load_profiles_file(path)
    data["profiles"] = {name: dict(values or {}) for name, values in data["profiles"].items()}
    return data


def _save(path: Path, data: dict[str, Any]) -> None:
    from prefect.settings import write_profiles_file

    write_profiles_file(path, data)


def _in_effect(data: dict[str, Any]) -> str:
    from prefect.settings import active_profile_name

    return active_profile_name(os.environ, data)


def _require(data: dict[str, Any], name: str) -> dict[str, Any]:
    profiles: dict[str, dict[str, Any]] = data["profiles"]
    if name not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        raise NotFound(f"Profile {name!r} not found (known profiles: {known})")
    return profiles[name]


def _check_new_name(data: dict[str, Any], name: str) -> None:
    if not name.strip() or name != name.strip() or any(not c.isprintable() for c in name):
        raise ConsoleError(f"{name!r} is not a valid profile name", usage=True)
    if name in data["profiles"]:
        raise ConsoleError(f"Profile {name!r} already exists; pick another name or delete it first")


def _as_strings(values: dict[str, Any]) -> dict[str, str]:
    return {key: str(value) for key, value in values.items()}


def list_profiles(settings_or_path: Settings | Path | None = None) -> ProfilesView:
    """Every profile with its settings, and the one in effect."""
    path = profiles_path(settings_or_path)
    data = _load(path)
    profiles = data["profiles"]
    return ProfilesView(
        path=path,
        active=_in_effect(data),
        names=list(profiles),
        settings={name: _as_strings(values) for name, values in profiles.items()},
    )


def inspect_profile(
    name: str | None = None, settings_or_path: Settings | Path | None = None
) -> dict[str, str]:
    """The settings a profile sets (the profile in effect when `name` is None)."""
    data = _load(profiles_path(settings_or_path))
    return _as_strings(_require(data, name or _in_effect(data)))


def create_profile(
    name: str, from_: str | None = None, settings_or_path: Settings | Path | None = None
) -> dict[str, str]:
    """A new profile, empty or a copy of `from_`'s settings; it does not become active."""
    path = profiles_path(settings_or_path)
    data = _load(path)
    _check_new_name(data, name)
    values = dict(_require(data, from_)) if from_ is not None else {}
    data["profiles"][name] = values
    _save(path, data)
    return _as_strings(values)


def use_profile(name: str, settings_or_path: Settings | Path | None = None) -> str:
    """Make `name` the active profile in profiles.toml (PREFECT_PROFILE still wins)."""
    from prefect.settings import use_profile as use_in_process

    path = profiles_path(settings_or_path)
    data = _load(path)
    _require(data, name)
    data["active"] = name
    _save(path, data)
    use_in_process(None)  # a `--profile` given for this process no longer applies
    return name


def check_deletable(name: str, settings_or_path: Settings | Path | None = None) -> None:
    """Raise unless `name` exists and is not active (in the file or in effect)."""
    _check_deletable(_load(profiles_path(settings_or_path)), name)


def _check_deletable(data: dict[str, Any], name: str) -> None:
    _require(data, name)
    if name in {data.get("active"), _in_effect(data)}:
        raise ConsoleError(
            f"Profile {name!r} is active; switch to another with "
            "`prefect profile use NAME` before deleting it"
        )


def delete_profile(name: str, settings_or_path: Settings | Path | None = None) -> None:
    """Delete a profile; the active one (in the file or in effect) is refused."""
    path = profiles_path(settings_or_path)
    data = _load(path)
    _check_deletable(data, name)
    del data["profiles"][name]
    _save(path, data)


def rename_profile(old: str, new: str, settings_or_path: Settings | Path | None = None) -> None:
    """Rename a profile, keeping its place in the file and its being active."""
    path = profiles_path(settings_or_path)
    data = _load(path)
    _require(data, old)
    _check_new_name(data, new)
    data["profiles"] = {
        (new if key == old else key): values for key, values in data["profiles"].items()
    }
    if data.get("active") == old:
        data["active"] = new
    _save(path, data)
