"""`prefect global-concurrency-limit ...`: global (v2) concurrency and rate limits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from prefect_console.cli._options import Output, OutputFormat

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.concurrency import GlobalConcurrencyLimitResponse

app = typer.Typer(help="Manage global concurrency limits.", no_args_is_help=True)

Name = Annotated[str, typer.Argument(metavar="NAME", help="Global concurrency limit name.")]
Decay = Annotated[
    float | None,
    typer.Option(
        "--slot-decay-per-second",
        help="Slots freed per second (a rate limit when above 0).",
    ),
]


def _print_json_or_done(limit: GlobalConcurrencyLimitResponse, output: object, done: str) -> None:
    import sys

    if output is OutputFormat.json:
        from prefect_console.cli._output import print_json

        print_json(limit.to_json_dict())
        return
    sys.stdout.write(done + "\n")


@app.command("ls")
def ls(
    limit: Annotated[int, typer.Option(help="How many limits to show.", min=0)] = 100,
    output: Output = None,
) -> None:
    """List global concurrency limits by name."""
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.concurrency_limits import list_global_limits

    limits = run_with_client(lambda client: list_global_limits(client, limit=limit))
    if output is OutputFormat.json:
        from prefect_console.cli._output import print_json

        print_json([item.to_json_dict() for item in limits])
        return
    from rich.table import Table

    from prefect_console.cli._output import console
    from prefect_console.ops import present

    out = console()
    if not limits:
        out.print("No global concurrency limits found.")
        return
    # below 120 columns the ID and the time give way (`inspect` and -o json have them)
    wide = out.width >= 120
    names = [present.sanitize_cell(item.name) for item in limits]
    table = Table(title="Global Concurrency Limits", box=None, header_style="bold", pad_edge=False)
    table.add_column(
        "Name", overflow="ellipsis", no_wrap=True, min_width=min(max(map(len, names)), 30)
    )
    table.add_column("Active", no_wrap=True)
    table.add_column("Limit", no_wrap=True, justify="right")
    table.add_column("Active Slots", no_wrap=True, justify="right")
    table.add_column("Slot Decay Per Second", no_wrap=True, justify="right")
    if wide:
        table.add_column("ID", no_wrap=True, min_width=36)
        table.add_column("Updated", no_wrap=True, min_width=19)
    for name, item in zip(names, limits, strict=True):
        cells = [
            name,
            str(item.active),
            str(item.limit),
            str(item.active_slots),
            f"{item.slot_decay_per_second:g}",
        ]
        if wide:
            cells.extend([str(item.id), present.format_time(item.updated)])
        table.add_row(*cells)
    out.print(table)


@app.command("inspect")
def inspect(name: Name, output: Output = None) -> None:
    """Show a global concurrency limit."""
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.concurrency_limits import read_global_limit

    limit = run_with_client(lambda client: read_global_limit(client, name))
    if output is OutputFormat.json:
        from prefect_console.cli._output import print_json

        print_json(limit.to_json_dict())
        return
    from rich.table import Table

    from prefect_console.cli._output import console
    from prefect_console.ops import present

    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="bold", no_wrap=True)
    fields.add_column()
    rows = [
        ("ID", str(limit.id)),
        ("Name", present.sanitize_cell(limit.name)),
        ("Active", str(limit.active)),
        ("Limit", str(limit.limit)),
        ("Active slots", str(limit.active_slots)),
        ("Slot decay per second", f"{limit.slot_decay_per_second:g}"),
        ("Created", present.format_time(limit.created)),
        ("Updated", present.format_time(limit.updated)),
    ]
    for label, value in rows:
        fields.add_row(label, value)
    console().print(fields)


@app.command("create")
def create(
    name: Name,
    limit: Annotated[int, typer.Option("--limit", "-l", help="How many slots.")],
    slot_decay_per_second: Decay = None,
    active_slots: Annotated[
        int | None, typer.Option("--active-slots", help="Slots taken from the start.")
    ] = None,
    disable: Annotated[
        bool, typer.Option("--disable", help="Create it inactive (it blocks nothing).")
    ] = False,
    output: Output = None,
) -> None:
    """Create a global concurrency limit."""
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.concurrency_limits import create_global_limit

    created = run_with_client(
        lambda client: create_global_limit(
            client,
            name,
            limit=limit,
            slot_decay_per_second=slot_decay_per_second or 0.0,
            active=not disable,
            active_slots=active_slots or 0,
        )
    )
    _print_json_or_done(
        created,
        output,
        f"Created global concurrency limit with name {name!r} and ID '{created.id}'. "
        f"Run `prefect global-concurrency-limit inspect {name}` to view details.",
    )


@app.command("update")
def update(
    name: Name,
    limit: Annotated[int | None, typer.Option("--limit", "-l", help="How many slots.")] = None,
    slot_decay_per_second: Decay = None,
    active_slots: Annotated[
        int | None, typer.Option("--active-slots", help="Slots taken now.")
    ] = None,
    enable: Annotated[bool, typer.Option("--enable", help="Make it active.")] = False,
    disable: Annotated[bool, typer.Option("--disable", help="Make it inactive.")] = False,
    output: Output = None,
) -> None:
    """Change a global concurrency limit (only the options given)."""
    from prefect_console.cli._group import fail
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.concurrency_limits import update_global_limit

    if enable and disable:
        raise fail("Cannot enable and disable a global concurrency limit at the same time.", 2)
    active = True if enable else False if disable else None
    updated = run_with_client(
        lambda client: update_global_limit(
            client,
            name,
            limit=limit,
            slot_decay_per_second=slot_decay_per_second,
            active=active,
            active_slots=active_slots,
        )
    )
    _print_json_or_done(updated, output, f"Updated global concurrency limit with name {name!r}.")


@app.command("enable")
def enable(name: Name) -> None:
    """Make a global concurrency limit active."""
    import sys

    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.concurrency_limits import enable_global_limit

    run_with_client(lambda client: enable_global_limit(client, name))
    sys.stdout.write(f"Enabled global concurrency limit with name {name!r}.\n")


@app.command("disable")
def disable(name: Name) -> None:
    """Make a global concurrency limit inactive: it blocks nothing until enabled."""
    import sys

    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.concurrency_limits import disable_global_limit

    run_with_client(lambda client: disable_global_limit(client, name))
    sys.stdout.write(f"Disabled global concurrency limit with name {name!r}.\n")


@app.command("delete")
def delete(
    name: Name,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a global concurrency limit."""
    import sys

    from prefect_console.cli._group import confirm_or_fail
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.concurrency_limits import delete_global_limit, read_global_limit

    async def go(client: PrefectClient) -> None:
        await read_global_limit(client, name)  # "not found" before asking
        confirm_or_fail(f"Delete global concurrency limit {name!r}?", yes)
        await delete_global_limit(client, name)

    run_with_client(go)
    sys.stdout.write(f"Deleted global concurrency limit with name {name!r}.\n")
