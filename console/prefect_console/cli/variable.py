"""`prefect variable ...`: list, inspect, get, set and unset variables."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from prefect_console.cli._options import Output, OutputFormat

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.variables import Variable

app = typer.Typer(help="Manage variables.", no_args_is_help=True)

Name = Annotated[str, typer.Argument(metavar="NAME", help="Variable name.")]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


@app.command("ls")
def ls(
    limit: Annotated[int, typer.Option(help="How many variables to show.", min=0)] = 100,
    output: Output = None,
) -> None:
    """List variables by name."""
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.variables import list_variables

    variables = run_with_client(lambda client: list_variables(client, limit=limit))
    if output is OutputFormat.json:
        from prefect_console.cli._output import print_json

        print_json([variable.to_json_dict() for variable in variables])
        return
    from rich.table import Table

    from prefect_console.cli._output import console
    from prefect_console.ops import present
    from prefect_console.ops.variables import format_value

    out = console()
    if not variables:
        out.print("No variables found.")
        return
    # below 100 columns the time gives way (`inspect` and -o json have it)
    wide = out.width >= 100
    names = [present.sanitize_cell(variable.name) for variable in variables]
    table = Table(title="Variables", box=None, header_style="bold", pad_edge=False)
    table.add_column("Name", no_wrap=True, min_width=min(max(map(len, names)), 30))
    table.add_column("Value", overflow="ellipsis", no_wrap=True, max_width=50)
    table.add_column("Tags", overflow="ellipsis", no_wrap=True)
    if wide:
        table.add_column("Updated", no_wrap=True, min_width=19)
    for name, variable in zip(names, variables, strict=True):
        cells = [
            name,
            present.sanitize_cell(format_value(variable.value)),
            present.sanitize_cell(present.format_tags(variable.tags)),
        ]
        if wide:
            cells.append(present.format_time(variable.updated))
        table.add_row(*cells)
    out.print(table)


@app.command("inspect")
def inspect(name: Name, output: Output = None) -> None:
    """Show a variable: its value, tags and times."""
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.variables import read_variable

    variable = run_with_client(lambda client: read_variable(client, name))
    if output is OutputFormat.json:
        from prefect_console.cli._output import print_json

        print_json(variable.to_json_dict())
        return
    _print_variable(variable)


def _print_variable(variable: Variable) -> None:
    import json

    from rich.table import Table

    from prefect_console.cli._output import console
    from prefect_console.ops import present
    from prefect_console.ops.text import strip_controls

    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="bold", no_wrap=True)
    fields.add_column()
    rows = [
        ("ID", str(variable.id)),
        ("Name", present.sanitize_cell(variable.name)),
        ("Value", strip_controls(json.dumps(variable.value, indent=2))),
        ("Tags", present.sanitize_cell(present.format_tags(variable.tags)) or "-"),
        ("Created", present.format_time(variable.created)),
        ("Updated", present.format_time(variable.updated)),
    ]
    for label, value in rows:
        fields.add_row(label, value)
    console().print(fields)


@app.command("get")
def get(name: Name) -> None:
    """Print a variable's value, as JSON."""
    import sys

    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.text import strip_controls
    from prefect_console.ops.variables import format_value, read_variable

    variable = run_with_client(lambda client: read_variable(client, name))
    sys.stdout.write(strip_controls(format_value(variable.value)) + "\n")


@app.command("set")
def set_(
    name: Name,
    value: Annotated[
        str, typer.Argument(metavar="VALUE", help="The value: JSON if it parses, else text.")
    ],
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace the variable if it exists.")
    ] = False,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="Tag for the variable; repeatable.")
    ] = None,
) -> None:
    """Set a variable; an existing one only with --overwrite."""
    import sys

    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.variables import parse_value, set_variable

    run_with_client(
        lambda client: set_variable(client, name, parse_value(value), overwrite=overwrite, tags=tag)
    )
    sys.stdout.write(f"Set variable {name!r}.\n")


def _unset(name: str, yes: bool) -> None:
    import sys

    from prefect_console.cli._group import confirm_or_fail
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.variables import read_variable, unset_variable

    async def go(client: PrefectClient) -> None:
        await read_variable(client, name)  # "not found" before asking
        confirm_or_fail(f"Unset variable {name!r}?", yes)
        await unset_variable(client, name)

    run_with_client(go)
    sys.stdout.write(f"Unset variable {name!r}.\n")


@app.command("unset")
def unset(name: Name, yes: Yes = False) -> None:
    """Delete a variable."""
    _unset(name, yes)


@app.command("delete", hidden=True)
def delete(name: Name, yes: Yes = False) -> None:
    """Delete a variable (the same as `unset`)."""
    _unset(name, yes)
