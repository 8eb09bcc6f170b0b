"""`prefect server ...`: start the API server, check it, administer its database.

These commands are the only place the console imports `prefect_server`, and only inside
the command bodies, so `prefect --help` never pays for the server's imports.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from prefect_console.cli._options import Output, OutputFormat

if TYPE_CHECKING:
    from prefect.settings import Settings

app = typer.Typer(help="Start and administer the API server.", no_args_is_help=True)
database_app = typer.Typer(help="Administer the server's database.", no_args_is_help=True)
app.add_typer(database_app, name="database")
services_app = typer.Typer(
    help="List the background services, or run them without the API.", no_args_is_help=True
)
app.add_typer(services_app, name="services")


@app.command("start")
def start(
    host: Annotated[str | None, typer.Option(help="Address to bind (127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind (4200).", min=0, max=65535)] = None,
    log_level: Annotated[str, typer.Option(help="Server log level.")] = "warning",
    no_services: Annotated[
        bool,
        typer.Option(
            "--no-services",
            help="Serve only the API; run the background services elsewhere "
            "(`prefect server services start`).",
        ),
    ] = False,
) -> None:
    """Serve the API (and the store it uses) until interrupted."""
    from prefect.settings import get_current_settings

    from prefect_console.cli._group import fail

    settings = get_current_settings()
    bind_host = host or settings.server_api_host
    bind_port = settings.server_api_port if port is None else port
    try:
        from prefect_server.serve import ServerStartError, run_server
    except ImportError as exc:
        raise fail(f"The server is not installed: {exc}") from None
    # on stdout: stderr stays for the one-line error when the port or the database fails
    sys.stdout.write(
        f"Starting the API at http://{bind_host}:{bind_port}/api "
        f"(use PREFECT_API_URL=http://{bind_host}:{bind_port}/api to reach it)\n"
    )
    sys.stdout.flush()
    try:
        run_server(bind_host, bind_port, log_level=log_level, services=not no_services)
    except ServerStartError as exc:
        raise fail(str(exc)) from None


@app.command("status")
def status() -> None:
    """Check that the API (or the embedded store) answers."""
    from prefect.settings import get_current_settings

    from prefect_console.cli._group import fail
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops import server_status

    settings = get_current_settings()
    result = run_with_client(lambda client: server_status(client, settings))
    if not result.healthy:
        raise fail(f"The API at {result.api_url} is not healthy: {result.error}")
    sys.stdout.write(f"The API at {result.api_url} is healthy.\n")


def _confirm_or_fail(question: str, yes: bool) -> None:
    from prefect_console.cli._group import confirm_or_fail

    confirm_or_fail(question, yes)


@database_app.command("reset")
def reset(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Drop every table and recreate the schema (all runs are lost)."""
    import asyncio

    from prefect.settings import get_current_settings

    from prefect_console.ops.system import hide_password

    url = get_current_settings().server_database_connection_url
    _confirm_or_fail(f"Delete everything in {hide_password(url)}?", yes)
    from prefect_console.cli._server_admin import reset_database

    asyncio.run(reset_database(url))
    sys.stdout.write(f"Reset the database {hide_password(url)}.\n")


@database_app.command("upgrade")
def upgrade(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Apply pending migrations."""
    import asyncio

    from prefect.settings import get_current_settings

    from prefect_console.ops.system import hide_password

    url = get_current_settings().server_database_connection_url
    _confirm_or_fail(f"Upgrade the database {hide_password(url)}?", yes)
    from prefect_console.cli._server_admin import upgrade_database

    applied = asyncio.run(upgrade_database(url))
    state = "Upgraded" if applied else "Already up to date:"
    sys.stdout.write(f"{state} {hide_password(url)}.\n")


@services_app.command("ls")
def services_ls(output: Output = None) -> None:
    """List the background services: enabled or not, and their loop interval."""
    from prefect.settings import get_current_settings

    from prefect_console.cli._group import fail

    try:
        from prefect_server.services import service_rows
    except ImportError as exc:
        raise fail(f"The server is not installed: {exc}") from None
    rows = service_rows(get_current_settings())
    if output is OutputFormat.json:
        from prefect_console.cli._output import print_json

        print_json(rows)
        return
    from rich.table import Table

    from prefect_console.cli._output import console

    table = Table(title="Services", box=None, header_style="bold", pad_edge=False)
    table.add_column("Name", no_wrap=True)
    table.add_column("Enabled")
    table.add_column("Loop seconds", justify="right")
    for row in rows:
        table.add_row(
            str(row["name"]), "yes" if row["enabled"] else "no", f"{row['loop_seconds']:g}"
        )
    console().print(table)


def _log_services(settings: Settings, level: str | None) -> None:
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s pid=%(process)d %(name)s: %(message)s")
    )
    services = logging.getLogger("prefect_server.services")
    services.addHandler(handler)
    services.setLevel((level or settings.logging_level).upper())


@services_app.command("start")
def services_start(
    log_level: Annotated[
        str | None, typer.Option(help="Log level of the services (PREFECT_LOGGING_LEVEL).")
    ] = None,
) -> None:
    """Run the enabled background services in the foreground, without the API.

    Runs until Ctrl-C or SIGTERM. Several of these (or servers started without
    --no-services) may share one PostgreSQL database: each service runs in one of them
    at a time.
    """
    import asyncio
    import signal

    from prefect.settings import get_current_settings

    from prefect_console.cli._group import fail

    settings = get_current_settings()
    try:
        from prefect_server.services import enabled_services
        from prefect_server.services.runner import run_services
    except ImportError as exc:
        raise fail(f"The server is not installed: {exc}") from None
    names = enabled_services(settings)
    if not names:
        raise fail("No service is enabled (PREFECT_SERVER_SERVICES_<NAME>_ENABLED)")
    _log_services(settings, log_level)

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        return await run_services(settings, stop)

    from prefect_server.serve import ServerStartError, check_database

    try:
        # a wrong URL or a store down is one line, before anything starts
        asyncio.run(
            check_database(
                settings.server_database_connection_url, settings.server_database_timeout
            )
        )
    except ServerStartError as exc:
        raise fail(str(exc)) from None
    sys.stdout.write(f"Starting services: {', '.join(names)} (Ctrl-C to stop)\n")
    sys.stdout.flush()
    if not asyncio.run(main()):
        raise fail("No service could be loaded; see the log above")
    sys.stdout.write("Services stopped.\n")
