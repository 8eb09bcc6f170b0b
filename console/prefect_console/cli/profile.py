"""`prefect profile ...`: named sets of settings in $PREFECT_HOME/profiles.toml."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from prefect_console.cli._options import Output, OutputFormat

app = typer.Typer(help="Create, switch and edit profiles.", no_args_is_help=True)

Name = Annotated[str, typer.Argument(metavar="NAME", help="Profile name.")]


@app.command("ls")
def ls(output: Output = None) -> None:
    """List profiles; the active one is marked with `*`."""
    from prefect_console.ops.profiles import list_profiles

    view = list_profiles()
    if output is OutputFormat.json:
        from prefect_console.cli._output import print_json

        print_json(view.as_dict())
        return
    lines = [f"{'*' if name == view.active else ' '} {name}" for name in view.names]
    if view.active not in view.names:
        lines.append(f"* {view.active} (not defined in {view.path})")
    sys.stdout.write("\n".join(lines) + "\n")


@app.command("inspect")
def inspect(
    name: Annotated[
        str | None, typer.Argument(metavar="[NAME]", help="Profile (default: the active one).")
    ] = None,
    output: Output = None,
) -> None:
    """Show the settings a profile sets."""
    from prefect_console.ops.profiles import inspect_profile

    values = inspect_profile(name)
    if output is OutputFormat.json:
        from prefect_console.cli._output import print_json

        print_json(values)
        return
    from prefect.settings import SETTINGS

    from prefect_console.ops.system import OBFUSCATED
    from prefect_console.ops.text import one_line

    if not values:
        sys.stdout.write("No settings in this profile.\n")
        return
    for key, value in values.items():
        secret = key in SETTINGS and SETTINGS[key].secret
        sys.stdout.write(f"{key}={OBFUSCATED if secret else one_line(value)!r}\n")


@app.command("create")
def create(
    name: Name,
    from_: Annotated[
        str | None, typer.Option("--from", "-f", help="Copy the settings of this profile.")
    ] = None,
) -> None:
    """Create a profile (empty, or a copy of another)."""
    from prefect_console.ops.profiles import create_profile

    create_profile(name, from_)
    source = f" from {from_!r}" if from_ else ""
    sys.stdout.write(
        f"Created profile {name!r}{source}. Switch to it with `prefect profile use {name}`.\n"
    )


@app.command("use")
def use(name: Name) -> None:
    """Make a profile the active one."""
    import os

    from prefect_console.ops.profiles import use_profile

    use_profile(name)
    sys.stdout.write(f"Active profile is now {name!r}.\n")
    env = os.environ.get("PREFECT_PROFILE")
    if env and env != name:
        sys.stderr.write(f"Note: PREFECT_PROFILE={env!r} in the environment still wins.\n")


@app.command("delete")
def delete(
    name: Name,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a profile (not the active one)."""
    from prefect_console.cli._group import confirm_or_fail
    from prefect_console.ops.profiles import check_deletable, delete_profile

    check_deletable(name)  # "not found" or "active" before asking
    confirm_or_fail(f"Delete profile {name!r}?", yes)
    delete_profile(name)
    sys.stdout.write(f"Deleted profile {name!r}.\n")


@app.command("rename")
def rename(
    old: Annotated[str, typer.Argument(metavar="OLD")],
    new: Annotated[str, typer.Argument(metavar="NEW")],
) -> None:
    """Rename a profile."""
    from prefect_console.ops.profiles import rename_profile

    rename_profile(old, new)
    sys.stdout.write(f"Renamed profile {old!r} to {new!r}.\n")
