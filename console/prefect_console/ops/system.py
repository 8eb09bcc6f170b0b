"""What the console is connected to: version, API, database, health, settings."""

from __future__ import annotations

import platform
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.settings import Settings

OBFUSCATED = "********"
EMBEDDED = "embedded"


def hide_password(url: str) -> str:
    """A database URL with its password replaced, safe to print."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", rf"\g<1>{OBFUSCATED}@", url)


def api_label(settings: Settings) -> str:
    """The API URL, or "embedded" when runs go to the local store in-process."""
    return settings.api_url or EMBEDDED


def database_label(settings: Settings) -> str:
    """Which store the embedded API uses; a remote server keeps its own to itself."""
    if settings.api_url:
        return "(held by the server)"
    url = settings.server_database_connection_url
    scheme, _, rest = url.partition("://")
    dialect = scheme.split("+", 1)[0]
    if dialect == "sqlite":
        return f"sqlite {rest.removeprefix('/')}"
    return f"{dialect} {hide_password(url).partition('://')[2]}"


@dataclass(frozen=True)
class VersionInfo:
    version: str
    api_url: str
    database: str
    profile: str
    python: str
    platform: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "api_url": self.api_url,
            "database": self.database,
            "profile": self.profile,
            "python": self.python,
            "platform": self.platform,
        }


def version_info(settings: Settings, profile: str) -> VersionInfo:
    import prefect

    return VersionInfo(
        version=prefect.__version__,
        api_url=api_label(settings),
        database=database_label(settings),
        profile=profile,
        python=platform.python_version(),
        platform=f"{platform.system()}/{platform.machine()}",
    )


@dataclass(frozen=True)
class ServerStatus:
    api_url: str
    healthy: bool
    error: str | None = None


async def server_status(client: PrefectClient, settings: Settings) -> ServerStatus:
    """Whether the API answers its health check (the embedded store always should)."""
    try:
        problem = await client.api_healthcheck()
    except Exception as exc:  # any failure to reach the API is the answer, not a crash
        problem = exc
    if problem is None:
        return ServerStatus(api_label(settings), True)
    return ServerStatus(api_label(settings), False, f"{type(problem).__name__}: {problem}")


@dataclass(frozen=True)
class ConfigEntry:
    name: str
    value: str
    source: str
    secret: bool


@dataclass(frozen=True)
class ConfigView:
    profile: str
    entries: list[ConfigEntry]


def config_view(
    settings: Settings,
    profile: str,
    *,
    show_defaults: bool = False,
    show_secrets: bool = False,
) -> ConfigView:
    """Settings in effect and where each comes from; secrets hidden unless asked for."""
    from prefect.settings import SETTINGS

    entries: list[ConfigEntry] = []
    for name, setting in SETTINGS.items():
        source = settings.source_of(name)
        if source == "default" and not show_defaults:
            continue
        value = settings.value_of(name)
        shown = "" if value is None else str(value)
        if setting.secret and value is not None and not show_secrets:
            shown = OBFUSCATED
        entries.append(ConfigEntry(name, shown, source, setting.secret))
    return ConfigView(profile=profile, entries=entries)


def active_profile(settings: Settings) -> str:
    """Name of the profile in effect (`--profile`, PREFECT_PROFILE or profiles.toml)."""
    import os

    from prefect.settings import active_profile_name, load_profiles_file

    return active_profile_name(os.environ, load_profiles_file(settings.profiles_path))
