"""`prefect work-queue ...`: list, inspect, create, pause, resume and delete work queues, and
set or clear their concurrency limits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from prefect_console.cli._options import Output, OutputFormat

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.work_pools import WorkQueue
    from rich.text import Text

    from prefect_console.ops.work_pools import WorkQueueDetail

app = typer.Typer(help="Manage work queues.", no_args_is_help=True)

Pool = Annotated[
    str | None,
    typer.Option("--pool", "-p", help="The work pool the queue belongs to."),
]
QueueRef = Annotated[str, typer.Argument(metavar="NAME_OR_ID", help="Work queue name or id.")]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


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


# -- changes ----------------------------------------------------------------------------


def _print_queue_or(queue: WorkQueue, output: OutputFormat | None, message: str) -> None:
    """The queue as JSON with `-o json`, else one line for a person."""
    import sys

    if output is OutputFormat.json:
        from prefect_console.cli._output import print_json

        print_json(queue.to_json_dict())
        return
    sys.stdout.write(message + "\n")


def _where(queue: WorkQueue) -> str:
    return f" in work pool {queue.work_pool_name!r}" if queue.work_pool_name else ""


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(metavar="NAME", help="Work queue name.")],
    pool: Annotated[
        str | None,
        typer.Option("--pool", "-p", help="Its work pool (default: Prefect's default agent pool)."),
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", "-l", metavar="N", help="Runs of the queue at once.")
    ] = None,
    priority: Annotated[
        int | None,
        typer.Option(
            "--priority", "-q", metavar="P", help="1 is served first (default: after the others)."
        ),
    ] = None,
    description: Annotated[
        str | None, typer.Option("--description", "-d", help="What the queue is for.")
    ] = None,
    output: Output = None,
) -> None:
    """Create a work queue in a work pool."""
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.work_queue_actions import create_work_queue

    queue = run_with_client(
        lambda client: create_work_queue(
            client, name, pool=pool, limit=limit, priority=priority, description=description
        )
    )
    _print_queue_or(queue, output, f"Created work queue {queue.name!r}{_where(queue)}.")


@app.command("pause")
def pause(ref: QueueRef, pool: Pool = None, output: Output = None) -> None:
    """Pause a work queue: workers get none of its runs until it is resumed."""
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.work_queue_actions import pause_work_queue

    change = run_with_client(lambda client: pause_work_queue(client, ref, pool=pool))
    queue = change.queue
    said = f"Paused work queue {queue.name!r}{_where(queue)}." if change.changed else None
    _print_queue_or(queue, output, said or f"Work queue {queue.name!r} is already paused.")


@app.command("resume")
def resume(ref: QueueRef, pool: Pool = None, output: Output = None) -> None:
    """Resume a paused work queue."""
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.work_queue_actions import resume_work_queue

    change = run_with_client(lambda client: resume_work_queue(client, ref, pool=pool))
    queue = change.queue
    said = f"Resumed work queue {queue.name!r}{_where(queue)}." if change.changed else None
    _print_queue_or(queue, output, said or f"Work queue {queue.name!r} is not paused.")


@app.command("delete")
def delete(ref: QueueRef, pool: Pool = None, yes: Yes = False) -> None:
    """Delete a work queue (its flow runs are kept)."""
    import sys

    from prefect_console.cli._group import confirm_or_fail
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.text import one_line
    from prefect_console.ops.work_queue_actions import delete_work_queue, read_queue_to_delete

    async def go(client: PrefectClient) -> WorkQueue:
        queue = await read_queue_to_delete(client, ref, pool=pool)  # "not found" before asking
        confirm_or_fail(f"Delete work queue {one_line(queue.name)!r}{_where(queue)}?", yes)
        return await delete_work_queue(client, queue.id)

    queue = run_with_client(go)
    sys.stdout.write(f"Deleted work queue {queue.name!r}{_where(queue)}.\n")


@app.command("set-concurrency-limit")
def set_concurrency_limit(
    ref: QueueRef,
    limit: Annotated[int, typer.Argument(metavar="LIMIT", help="Runs of the queue at once.")],
    pool: Pool = None,
    output: Output = None,
) -> None:
    """Let at most LIMIT runs of the queue run at once."""
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.work_queue_actions import set_work_queue_concurrency_limit

    queue = run_with_client(
        lambda client: set_work_queue_concurrency_limit(client, ref, limit, pool=pool)
    )
    message = f"Set the concurrency limit of work queue {queue.name!r}{_where(queue)} to {limit}."
    _print_queue_or(queue, output, message)


@app.command("clear-concurrency-limit")
def clear_concurrency_limit(ref: QueueRef, pool: Pool = None, output: Output = None) -> None:
    """Remove a work queue's concurrency limit."""
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.work_queue_actions import clear_work_queue_concurrency_limit

    queue = run_with_client(
        lambda client: clear_work_queue_concurrency_limit(client, ref, pool=pool)
    )
    message = f"Cleared the concurrency limit of work queue {queue.name!r}{_where(queue)}."
    _print_queue_or(queue, output, message)
