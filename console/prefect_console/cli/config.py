"""`prefect config ...`: the settings in effect (view), and changing the active profile."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

app = typer.Typer(help="View and change settings.", no_args_is_help=True)


@app.command("view")
def view(
    show_defaults: Annotated[
        bool, typer.Option("--show-defaults/--hide-defaults", help="Include default values.")
    ] = False,
    show_sources: Annotated[
        bool, typer.Option("--show-sources/--hide-sources", help="Say where each value is from.")
    ] = True,
    show_secrets: Annotated[
        bool, typer.Option("--show-secrets/--hide-secrets", help="Print secrets in clear.")
    ] = False,
) -> None:
    """Show the active profile and the settings in effect."""
    from prefect.settings import get_current_settings

    from prefect_console.ops.system import active_profile, api_label, config_view
    from prefect_console.ops.text import one_line

    settings = get_current_settings()
    result = config_view(
        settings,
        active_profile(settings),
        show_defaults=show_defaults,
        show_secrets=show_secrets,
    )
    lines = [f"Connected to: {api_label(settings)}", f"PREFECT_PROFILE={result.profile!r}"]
    for entry in result.entries:
        line = f"{entry.name}={one_line(entry.value)!r}"
        if show_sources:
            source = "defaults" if entry.source == "default" else entry.source
            line += f" (from {source})"
        lines.append(line)
    sys.stdout.write("\n".join(lines) + "\n")


@app.command("set")
def set_(
    pairs: Annotated[list[str], typer.Argument(metavar="NAME=VALUE...", help="Settings to set.")],
) -> None:
    """Set settings in the active profile."""
    from prefect_console.ops.config import parse_pairs, set_settings

    change = set_settings(parse_pairs(pairs))
    for name, value in change.changed.items():
        sys.stdout.write(f"Set {name}={value!r} in profile {change.profile!r}.\n")
    for name in change.shadowed:
        sys.stderr.write(f"Note: {name} is also set in the environment, which wins.\n")


@app.command("unset")
def unset(
    names: Annotated[list[str], typer.Argument(metavar="NAME...", help="Settings to remove.")],
) -> None:
    """Remove settings from the active profile."""
    from prefect_console.ops.config import unset_settings

    change = unset_settings(names)
    for name in change.changed:
        sys.stdout.write(f"Unset {name} in profile {change.profile!r}.\n")


@app.command("validate")
def validate() -> None:
    """Check every profile's setting names and values."""
    from prefect_console.cli._group import fail
    from prefect_console.ops.config import validate_profiles

    report = validate_profiles()
    for problem in report.problems:
        sys.stdout.write(f"{problem}\n")
    if report.problems:
        raise fail(
            f"{len(report.problems)} problem(s) in {report.path}; "
            "fix them with `prefect config set` or `prefect config unset`"
        )
    sys.stdout.write(f"{report.path}: {report.profiles} profile(s), all settings valid.\n")
