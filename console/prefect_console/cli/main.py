"""`prefect`: the command line. Every group lives in its own module beside this one.

Startup is kept lean on purpose (`prefect --help` is typed often): this module and the
group modules import only typer; clients, models, tables and the TUI are imported inside
the commands that use them. The executable enters through `_entry`, which answers
`version`, `flow ls` and `flow-run ls` (against an HTTP API) before typer is imported
(`_fast`, `_fast_ls`) and hands every other command line to `main` here.
"""

from __future__ import annotations

import atexit
import gc
import sys
from typing import Annotated

import typer

from prefect_console.cli._group import ConsoleGroup
from prefect_console.cli._lean import skip_coercion_of_absent_values
from prefect_console.cli._options import Output

app = typer.Typer(
    name="prefect",
    cls=ConsoleGroup,
    help="Run, watch and steer workflows that speak Prefect 3.",
    no_args_is_help=True,
    add_completion=True,
    # plain click help: rich's help renderer would triple the startup time
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
# the command groups (flow-run, server, ...) are added by ConsoleGroup from _lazy.GROUPS


@app.callback()
def root(
    ctx: typer.Context,
    profile: Annotated[
        str | None, typer.Option("--profile", "-p", help="Use this profile for this command.")
    ] = None,
) -> None:
    if profile is None:
        return
    from prefect.settings import get_current_settings, load_profiles_file, use_profile

    from prefect_console.cli._group import fail

    use_profile(profile)
    # for this command only: an in-process caller (tests, the TUI) must not inherit it
    ctx.call_on_close(lambda: use_profile(None))
    known = load_profiles_file(get_current_settings().profiles_path).get("profiles", {})
    if profile not in known:
        use_profile(None)
        names = ", ".join(sorted(known)) or "none"
        raise fail(f"Profile {profile!r} not found (known profiles: {names})")


@app.command("version")
def version(
    output: Output = None,
) -> None:
    """Show the version, the API in use (a URL or the embedded store) and its database."""
    from prefect_console.cli._fast import print_version

    print_version(json=output is not None)


@app.command("ui")
def ui(
    read_only: Annotated[
        bool, typer.Option("--read-only", help="Offer no action that changes anything.")
    ] = False,
    keys: Annotated[
        bool,
        typer.Option(
            "--keys",
            help="Print every key binding id with its key (for $PREFECT_HOME/keymap.toml).",
        ),
    ] = False,
) -> None:
    """Open the terminal console: live flow runs, their tasks and logs."""
    from prefect_console.cli._group import fail

    if keys:
        from prefect_console.tui.keymap import describe_keys

        sys.stdout.write(describe_keys())
        return
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise fail("`prefect ui` needs a terminal (stdin and stdout are not both a TTY)")
    from prefect_console.tui.app import ConsoleApp

    ConsoleApp(read_only=read_only).run()


# top-level verbs of their own module (imports typer only, like the groups)
from prefect_console.cli import deploy as _deploy  # noqa: E402

app.command("deploy")(_deploy.deploy)
app.command("init")(_deploy.init)


def main() -> None:
    # Registered first, so it runs last: skip the interpreter's final garbage collections
    # over the schemas and ORM metadata a command loaded (~0.5 s on a small machine).
    atexit.register(gc.freeze)
    skip_coercion_of_absent_values()
    app()


if __name__ == "__main__":
    main()
