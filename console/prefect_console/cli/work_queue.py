"""`prefect work-queue ...`: list work queues and inspect one with its status."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from prefect_console.cli._options import Output, OutputFormat

if TYPE_CHECKING:
    from prefect.schemas.work_pools import WorkQueue
    from rich.text import Text

    from prefect_console.ops.work_pools import WorkQueueDetail

app = typer.Typer(help="View work queues.", no_args_is_help=True)

Pool = Annotated[
    str | None,
    typer.Option("--pool", "-p", help="The work pool the queue belongs to."),
]


@app.command("ls")
def ls(
    pool: Annotated[
        str | None, typer.Option("--pool", "-p", help="Only the queues of this work pool.")
    ] = None,
    limit: Annotated[
        int | None, typer.Option(min=0, help="How many to show (default: all).")
    ] = None,
    output: Output = None,
) -> None:
    """List work queues: of one pool by priority, or of every pool by name."""
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.work_pools import list_work_queues

    queues = run_with_client(lambda client: list_work_queues(client, pool=pool, limit=limit))
    if output is OutputFormat.json:
        from prefect_console.cli._output import print_json

        print_json([queue.to_json_dict() for queue in queues])
        return
    _print_queues(queues, pool)


def _print_queues(queues: list[WorkQueue], pool: str | None) -> None:
    from rich.table import Table

    from prefect_console.cli._output import console
    from prefect_console.cli.work_pool import status_text
    from prefect_console.ops import present, present_work

    out = console()
    if not queues:
        out.print("No work queues found.")
        return
    wide = out.width >= 120
    title = f"Work Queues in Work Pool {present.sanitize_cell(pool)!r}" if pool else "Work Queues"
    table = Table(title=title, box=None, header_style="bold", pad_edge=False, collapse_padding=True)
    table.add_column("Name", overflow="ellipsis", no_wrap=True, min_width=8)
    table.add_column("Pool", overflow="ellipsis", no_wrap=True, min_width=6)
    table.add_column("Priority", no_wrap=True, justify="right")
    table.add_column("Status", no_wrap=True, min_width=9)
    table.add_column("Paused", no_wrap=True)
    table.add_column("Concurrency", no_wrap=True, justify="right")
    if wide:
        table.add_column("ID", no_wrap=True, min_width=36)
    for queue in queues:
        cells: list[str | Text] = [
            present.sanitize_cell(queue.name),
            present.sanitize_cell(queue.work_pool_name or "-"),
            str(queue.priority),
            status_text(queue.status),
            "yes" if queue.is_paused else "no",
            present_work.concurrency_text(queue.concurrency_limit),
        ]
        if wide:
            cells.append(str(queue.id))
        table.add_row(*cells)
    out.print(table)


@app.command("inspect")
def inspect(
    name: Annotated[str, typer.Argument(metavar="NAME_OR_ID", help="Work queue name or id.")],
    pool: Pool = None,
    output: Output = None,
) -> None:
    """Show a work queue and its status (healthy, late runs, last polled).

    A name is looked up in `--pool`; without one, the API resolves it.
    With `-o json`: the work queue object, plus `status_details` (as Prefect prints it).
    """
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.work_pools import inspect_work_queue, parse_work_queue_ref

    ref = parse_work_queue_ref(name)
    detail = run_with_client(lambda client: inspect_work_queue(client, ref, pool=pool))
    if output is OutputFormat.json:
        from prefect_console.cli._output import print_json

        data = detail.queue.to_json_dict()
        if detail.status is not None:
            data["status_details"] = detail.status.to_json_dict()
        print_json(data)
        return
    _print_detail(detail)


def _print_detail(detail: WorkQueueDetail) -> None:
    from prefect._time import now
    from rich.table import Table

    from prefect_console.cli._output import console
    from prefect_console.cli.work_pool import status_text
    from prefect_console.ops import present, present_work

    out = console()
    queue, status, moment = detail.queue, detail.status, now()
    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="bold", no_wrap=True)
    fields.add_column()
    rows: list[tuple[str, str | Text]] = [
        ("Name", present.sanitize_cell(queue.name)),
        ("ID", str(queue.id)),
        ("Work pool", present.sanitize_cell(queue.work_pool_name or "-")),
        ("Status", status_text(queue.status)),
        ("Paused", "yes" if queue.is_paused else "no"),
        ("Priority", str(queue.priority)),
        ("Concurrency", present_work.concurrency_text(queue.concurrency_limit)),
        ("Description", present.sanitize_cell(queue.description or "") or "-"),
        ("Last polled", present.format_time(queue.last_polled, moment)),
    ]
    if status is not None:
        rows += [
            ("Healthy", _healthy(status.healthy)),
            ("Late runs", str(status.late_runs_count)),
            ("Health policy", present_work.health_policy_text(status.health_check_policy)),
        ]
    for label, value in rows:
        fields.add_row(label, value)
    out.print(fields)


def _healthy(healthy: bool) -> Text:
    from rich.text import Text

    return Text("yes", style="green") if healthy else Text("no", style="red")
