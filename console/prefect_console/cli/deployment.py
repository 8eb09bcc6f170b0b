"""`prefect deployment ...`: list, inspect, run, delete, pause and resume deployments;
their schedules (`deployment schedule ...`), backfill, and build/apply of YAML files."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from prefect_console.cli._options import Output, OutputFormat

if TYPE_CHECKING:
    from rich.text import Text

    from prefect_console.ops.deployments import DeploymentDetail, DeploymentList

app = typer.Typer(help="View, run and manage deployments.", no_args_is_help=True)


def _add_verbs() -> None:
    # the verbs that change deployments live in modules of their own
    from prefect_console.cli import deployment_actions, deployment_schedule

    deployment_actions.register(app)
    app.add_typer(deployment_schedule.app, name="schedule")


@app.command("ls")
def ls(
    flow_name: Annotated[
        list[str] | None, typer.Option("--flow-name", help="Only this flow's; repeatable.")
    ] = None,
    by_created: Annotated[
        bool, typer.Option("--by-created", help="Newest first instead of by name.")
    ] = False,
    limit: Annotated[
        int | None, typer.Option(min=0, help="How many to show (default: all).")
    ] = None,
    output: Output = None,
) -> None:
    """List deployments by flow and name."""
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.deployments import list_deployments

    listing = run_with_client(
        lambda client: list_deployments(
            client, flow_name=flow_name, limit=limit, by_created=by_created
        )
    )
    if output is OutputFormat.json:
        from prefect_console.cli._output import print_json

        print_json([d.to_json_dict() for d in listing.deployments])
        return
    _print_table(listing)


def _print_table(listing: DeploymentList) -> None:
    from rich.table import Table

    from prefect_console.cli._output import console
    from prefect_console.ops import present, present_work

    out = console()
    if not listing.deployments:
        out.print("No deployments found.")
        return
    # the id (36 columns) only where it fits beside the rest; the name identifies too
    wide = out.width >= 120
    table = Table(
        title="Deployments", box=None, header_style="bold", pad_edge=False, collapse_padding=True
    )
    # the name (what `inspect` takes) and the pool keep their width; schedules give way
    name_width = min(max(len(listing.full_name(d)) for d in listing.deployments), 32)
    pool_width = min(max(len(present_work.pool_and_queue(d)) for d in listing.deployments), 24)
    others = name_width + 9 + 6 + pool_width + (37 if wide else 0) + 4
    table.add_column("Name", overflow="ellipsis", no_wrap=True, min_width=name_width)
    table.add_column("Status", no_wrap=True, min_width=9)
    table.add_column("Active", no_wrap=True, min_width=6)
    table.add_column(
        "Schedule", overflow="ellipsis", no_wrap=True, max_width=max(out.width - others, 8)
    )
    table.add_column("Work pool", overflow="ellipsis", no_wrap=True, min_width=pool_width)
    if wide:
        table.add_column("ID", no_wrap=True, min_width=36)
    for deployment in listing.deployments:
        cells: list[str | Text] = [
            present.sanitize_cell(listing.full_name(deployment)),
            _status(deployment.status),
            _active(deployment.paused),
            present_work.schedules_summary(deployment),
            present_work.pool_and_queue(deployment),
        ]
        if wide:
            cells.append(str(deployment.id))
        table.add_row(*cells)
    out.print(table)


def _status(status: object) -> Text:
    from rich.text import Text

    from prefect_console.ops import present_work

    return Text(present_work.status_word(status), style=present_work.status_colour(status))


def _active(paused: bool) -> Text:
    from rich.text import Text

    from prefect_console.ops import present_work

    return Text(present_work.paused_word(paused), style=present_work.paused_colour(paused))


@app.command("inspect")
def inspect(
    name: Annotated[
        str,
        typer.Argument(metavar="NAME_OR_ID", help="'<flow-name>/<deployment-name>' or an id."),
    ],
    output: Output = None,
) -> None:
    """Show a deployment: its schedules, parameters and job variables."""
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.deployments import inspect_deployment, parse_deployment_ref

    ref = parse_deployment_ref(name)  # a malformed name fails before any request
    detail = run_with_client(lambda client: inspect_deployment(client, ref))
    if output is OutputFormat.json:
        from prefect_console.cli._output import print_json

        print_json(detail.deployment.to_json_dict())
        return
    _print_detail(detail)


def _print_detail(detail: DeploymentDetail) -> None:
    import json

    from prefect._time import now
    from rich.table import Table

    from prefect_console.cli._output import console
    from prefect_console.ops import present, present_work
    from prefect_console.ops.text import strip_controls

    out = console()
    deployment, moment = detail.deployment, now()
    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="bold", no_wrap=True)
    fields.add_column()
    schedules = "\n".join(
        present_work.deployment_schedule_text(s, always_zone=True) for s in deployment.schedules
    )
    rows: list[tuple[str, str | Text]] = [
        ("Name", present.sanitize_cell(detail.full_name)),
        ("ID", str(deployment.id)),
        ("Status", _status(deployment.status)),
        ("Active", _active(deployment.paused)),
        ("Schedules", schedules or "-"),
        ("Work pool", present.sanitize_cell(deployment.work_pool_name or "-")),
        ("Work queue", present.sanitize_cell(deployment.work_queue_name or "-")),
        ("Concurrency", present_work.concurrency_text(deployment.concurrency_limit)),
        ("Entrypoint", present.sanitize_cell(deployment.entrypoint or "-")),
        ("Version", present.sanitize_cell(deployment.version or "-")),
        ("Tags", present.sanitize_cell(present.format_tags(deployment.tags)) or "-"),
        ("Description", present.sanitize_cell(deployment.description or "") or "-"),
        ("Last polled", present.format_time(deployment.last_polled, moment)),
        ("Created", present.format_time(deployment.created, moment)),
    ]
    for label, value in rows:
        fields.add_row(label, value)
    for label, data in (
        ("Parameters", deployment.parameters),
        ("Job variables", deployment.job_variables),
    ):
        text = json.dumps(data, indent=2, default=str, sort_keys=True) if data else "{}"
        fields.add_row(label, strip_controls(text))
    out.print(fields)


_add_verbs()
