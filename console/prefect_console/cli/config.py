"""`prefect config view`: the settings in effect and where each one comes from."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

app = typer.Typer(help="View settings.", no_args_is_help=True)


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
