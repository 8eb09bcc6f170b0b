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
    from prefect_console.cli._tables import print_flows_table

    print_flows_table(flows)
