"""`prefect flow ...`: the flows the API knows."""

from __future__ import annotations

from typing import Annotated

import typer

from prefect_console.cli._options import Output, OutputFormat

app = typer.Typer(help="View flows.", no_args_is_help=True)


@app.command("ls")
def ls(
    limit: Annotated[int, typer.Option(help="How many flows to show.", min=0)] = 15,
    name: Annotated[str | None, typer.Option(help="Only flows whose name contains this.")] = None,
    output: Output = None,
) -> None:
    """List flows, newest first."""
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.flows import list_flows

    flows = run_with_client(lambda client: list_flows(client, limit=limit, name=name))
    if output is OutputFormat.json:
        from prefect_console.cli._output import print_json

        print_json([flow.to_json_dict() for flow in flows])
        return
    from rich.table import Table

    from prefect_console.cli._output import console
    from prefect_console.ops import present

    out = console()
    if not flows:
        out.print("No flows found.")
        return
    table = Table(title="Flows", box=None, header_style="bold", pad_edge=False)
    table.add_column("ID", no_wrap=True, min_width=36)
    table.add_column("Name", overflow="ellipsis", no_wrap=True)
    table.add_column("Created", no_wrap=True)
    for flow in flows:
        table.add_row(
            str(flow.id), present.sanitize_cell(flow.name), present.format_time(flow.created)
        )
    out.print(table)
