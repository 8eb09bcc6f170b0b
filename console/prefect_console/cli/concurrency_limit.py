"""`prefect concurrency-limit ...`: task-run concurrency limits by tag (v1)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from prefect_console.cli._options import Output, OutputFormat

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.concurrency import ConcurrencyLimit

app = typer.Typer(help="Manage task-level concurrency limits.", no_args_is_help=True)

Tag = Annotated[str, typer.Argument(metavar="TAG", help="Task run tag.")]


@app.command("create")
def create(
    tag: Tag,
    concurrency_limit: Annotated[
        int, typer.Argument(metavar="LIMIT", help="How many task runs with the tag may run.")
    ],
    output: Output = None,
) -> None:
    """Limit how many task runs carrying a tag run at once (changes an existing limit)."""
    import sys

    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.concurrency_limits import create_concurrency_limit

    created = run_with_client(
        lambda client: create_concurrency_limit(client, tag, concurrency_limit)
    )
    if output is OutputFormat.json:
        from prefect_console.cli._output import print_json

        print_json(created.to_json_dict())
        return
    sys.stdout.write(
        f"Created concurrency limit with properties:\n"
        f"    tag - {tag!r}\n    concurrency_limit - {created.concurrency_limit}\n\n"
        f"Delete the concurrency limit:\n    prefect concurrency-limit delete {tag!r}\n\n"
        f"Inspect the concurrency limit:\n    prefect concurrency-limit inspect {tag!r}\n"
    )


@app.command("inspect")
def inspect(tag: Tag, output: Output = None) -> None:
    """Show a tag's limit and the task runs holding its slots."""
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.concurrency_limits import read_concurrency_limit

    limit = run_with_client(lambda client: read_concurrency_limit(client, tag))
    if output is OutputFormat.json:
        from prefect_console.cli._output import print_json

        print_json(limit.to_json_dict())
        return
    _print_limit(limit)


def _print_limit(limit: ConcurrencyLimit) -> None:
    from rich.table import Table

    from prefect_console.cli._output import console
    from prefect_console.ops import present

    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="bold", no_wrap=True)
    fields.add_column()
    holders = "\n".join(str(slot) for slot in sorted(limit.active_slots, key=str)) or "-"
    rows = [
        ("ID", str(limit.id)),
        ("Tag", present.sanitize_cell(limit.tag)),
        ("Concurrency limit", str(limit.concurrency_limit)),
        ("Active slots", f"{len(limit.active_slots)} of {limit.concurrency_limit}"),
        ("Active task run IDs", holders),
        ("Created", present.format_time(limit.created)),
        ("Updated", present.format_time(limit.updated)),
    ]
    for label, value in rows:
        fields.add_row(label, value)
    console().print(fields)


@app.command("ls")
def ls(
    limit: Annotated[int, typer.Option(help="How many limits to show.", min=0)] = 15,
    offset: Annotated[int, typer.Option(help="How many to skip first.", min=0)] = 0,
    output: Output = None,
) -> None:
    """List tag limits, most recently changed first."""
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.concurrency_limits import list_concurrency_limits

    limits = run_with_client(
        lambda client: list_concurrency_limits(client, limit=limit, offset=offset)
    )
    if output is OutputFormat.json:
        from prefect_console.cli._output import print_json

        print_json([item.to_json_dict() for item in limits])
        return
    from rich.table import Table

    from prefect_console.cli._output import console
    from prefect_console.ops import present

    out = console()
    if not limits:
        out.print("No concurrency limits found.")
        return
    tags = [present.sanitize_cell(item.tag) for item in limits]
    table = Table(title="Concurrency Limits", box=None, header_style="bold", pad_edge=False)
    table.add_column(
        "Tag", overflow="ellipsis", no_wrap=True, min_width=min(max(map(len, tags)), 24)
    )
    table.add_column("ID", no_wrap=True, min_width=36)
    table.add_column("Limit", no_wrap=True, justify="right")
    table.add_column("Active Task Runs", no_wrap=True, justify="right")
    for tag, item in zip(tags, limits, strict=True):
        table.add_row(
            tag,
            str(item.id),
            str(item.concurrency_limit),
            str(len(item.active_slots)),
        )
    out.print(table)


@app.command("reset")
def reset(tag: Tag) -> None:
    """Free every slot of a tag's limit."""
    import sys

    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.concurrency_limits import reset_concurrency_limit

    run_with_client(lambda client: reset_concurrency_limit(client, tag))
    sys.stdout.write(f"Reset concurrency limit set on the tag: {tag}\n")


@app.command("delete")
def delete(
    tag: Tag,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a tag's limit."""
    import sys

    from prefect_console.cli._group import confirm_or_fail
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.concurrency_limits import (
        delete_concurrency_limit,
        read_concurrency_limit,
    )

    async def go(client: PrefectClient) -> None:
        await read_concurrency_limit(client, tag)  # "not found" before asking
        confirm_or_fail(f"Delete the concurrency limit of tag {tag!r}?", yes)
        await delete_concurrency_limit(client, tag)

    run_with_client(go)
    sys.stdout.write(f"Deleted concurrency limit set on the tag: {tag}\n")
