"""`prefect work-pool ...`: list work pools and inspect one with its queues and workers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from prefect_console.cli._options import Output, OutputFormat

if TYPE_CHECKING:
    from datetime import datetime

    from prefect.schemas.work_pools import WorkPool
    from rich.table import Table
    from rich.text import Text

    from prefect_console.ops.work_pools import WorkPoolDetail

app = typer.Typer(help="View work pools, their queues and workers.", no_args_is_help=True)


@app.command("ls")
def ls(
    limit: Annotated[
        int | None, typer.Option(min=0, help="How many to show (default: all).")
    ] = None,
    output: Output = None,
) -> None:
    """List work pools by name."""
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.work_pools import list_work_pools

    pools = run_with_client(lambda client: list_work_pools(client, limit=limit))
    if output is OutputFormat.json:
        from prefect_console.cli._output import print_json

        print_json([pool.to_json_dict() for pool in pools])
        return
    _print_pools(pools)


def status_text(status: object) -> Text:
    from rich.text import Text

    from prefect_console.ops import present_work

    return Text(present_work.status_word(status), style=present_work.status_colour(status))


def _print_pools(pools: list[WorkPool]) -> None:
    from rich.table import Table

    from prefect_console.cli._output import console
    from prefect_console.ops import present, present_work

    out = console()
    if not pools:
        out.print("No work pools found.")
        return
    wide = out.width >= 110
    table = Table(
        title="Work Pools", box=None, header_style="bold", pad_edge=False, collapse_padding=True
    )
    table.add_column("Name", overflow="ellipsis", no_wrap=True, min_width=8)
    table.add_column("Type", overflow="ellipsis", no_wrap=True, min_width=7)
    table.add_column("Status", no_wrap=True, min_width=9)
    table.add_column("Paused", no_wrap=True)
    table.add_column("Concurrency", no_wrap=True, justify="right")
    if wide:
        table.add_column("ID", no_wrap=True, min_width=36)
    for pool in pools:
        cells: list[str | Text] = [
            present.sanitize_cell(pool.name),
            present.sanitize_cell(pool.type),
            status_text(pool.status),
            "yes" if pool.is_paused else "no",
            present_work.concurrency_text(pool.concurrency_limit),
        ]
        if wide:
            cells.append(str(pool.id))
        table.add_row(*cells)
    out.print(table)


@app.command("inspect")
def inspect(
    name: Annotated[str, typer.Argument(metavar="NAME", help="Work pool name.")],
    output: Output = None,
) -> None:
    """Show a work pool with its queues and workers.

    With `-o json`: the work pool object, plus `work_queues` and `workers` (API objects).
    """
    from prefect._time import now

    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.work_pools import inspect_work_pool

    as_json = output is OutputFormat.json
    detail = run_with_client(
        lambda client: inspect_work_pool(client, name, waiting_at=None if as_json else now())
    )
    if as_json:
        from prefect_console.cli._output import print_json

        data = detail.pool.to_json_dict()
        data["work_queues"] = [queue.to_json_dict() for queue in detail.queues]
        data["workers"] = [worker.to_json_dict() for worker in detail.workers]
        print_json(data)
        return
    _print_detail(detail)


def _print_detail(detail: WorkPoolDetail) -> None:
    from prefect._time import now
    from rich.table import Table

    from prefect_console.cli._output import console
    from prefect_console.ops import present, present_work

    out = console()
    pool, moment = detail.pool, now()
    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="bold", no_wrap=True)
    fields.add_column()
    rows: list[tuple[str, str | Text]] = [
        ("Name", present.sanitize_cell(pool.name)),
        ("ID", str(pool.id)),
        ("Type", present.sanitize_cell(pool.type)),
        ("Status", status_text(pool.status)),
        ("Paused", "yes" if pool.is_paused else "no"),
        ("Concurrency", present_work.concurrency_text(pool.concurrency_limit)),
        ("Workers online", f"{detail.workers_online} of {len(detail.workers)}"),
        ("Runs waiting", str(detail.waiting_total)),
        ("Description", present.sanitize_cell(pool.description or "") or "-"),
        ("Created", present.format_time(pool.created, moment)),
    ]
    for label, value in rows:
        fields.add_row(label, value)
    out.print(fields)
    out.print()
    out.print(queue_table(detail, moment))
    out.print()
    out.print(_worker_table(detail, moment))


def queue_table(detail: WorkPoolDetail, moment: datetime) -> Table:
    from rich.table import Table

    from prefect_console.ops import present, present_work

    table = Table(
        title=f"Work Queues ({len(detail.queues)})",
        box=None,
        header_style="bold",
        pad_edge=False,
        collapse_padding=True,
    )
    table.add_column("Name", overflow="ellipsis", no_wrap=True, min_width=8)
    table.add_column("Priority", no_wrap=True, justify="right")
    table.add_column("Status", no_wrap=True, min_width=9)
    table.add_column("Paused", no_wrap=True)
    table.add_column("Concurrency", no_wrap=True, justify="right")
    table.add_column("Waiting", no_wrap=True, justify="right")
    table.add_column("Last polled", no_wrap=True)
    for queue in detail.queues:
        table.add_row(
            present.sanitize_cell(queue.name),
            str(queue.priority),
            status_text(queue.status),
            "yes" if queue.is_paused else "no",
            present_work.concurrency_text(queue.concurrency_limit),
            str(detail.waiting.get(queue.id, 0)),
            present.format_time(queue.last_polled, moment),
        )
    return table


def _worker_table(detail: WorkPoolDetail, moment: datetime) -> Table:
    from rich.table import Table

    from prefect_console.ops import present

    table = Table(
        title=f"Workers ({detail.workers_online} online of {len(detail.workers)})",
        box=None,
        header_style="bold",
        pad_edge=False,
        collapse_padding=True,
    )
    table.add_column("Name", overflow="ellipsis", no_wrap=True, min_width=8)
    table.add_column("Status", no_wrap=True, min_width=7)
    table.add_column("Last heartbeat", no_wrap=True)
    for worker in detail.workers:
        table.add_row(
            present.sanitize_cell(worker.name),
            status_text(worker.status),
            present.format_time(worker.last_heartbeat_time, moment),
        )
    return table
