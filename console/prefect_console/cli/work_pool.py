"""`prefect work-pool ...`: list, inspect, create, update, pause, resume and delete work
pools; their concurrency limits, the runs they are about to hand out, default templates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from prefect_console.cli._options import Output, OutputFormat

if TYPE_CHECKING:
    from datetime import datetime

    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.work_pools import WorkPool
    from rich.table import Table
    from rich.text import Text

    from prefect_console.ops.work_pool_actions import PoolPreview
    from prefect_console.ops.work_pools import WorkPoolDetail

app = typer.Typer(help="Manage work pools, their queues and workers.", no_args_is_help=True)

PoolName = Annotated[str, typer.Argument(metavar="NAME", help="Work pool name.")]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
TemplateFile = Annotated[
    str | None,
    typer.Option(
        "--base-job-template",
        metavar="FILE",
        help="A JSON file with the base job template (job_configuration and variables).",
    ),
]


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


# -- changes ----------------------------------------------------------------------------


def _said(message: str) -> None:
    import sys

    sys.stdout.write(message + "\n")


def _print_pool_or(pool: WorkPool, output: OutputFormat | None, message: str) -> None:
    """The pool as JSON with `-o json`, else one line for a person."""
    if output is OutputFormat.json:
        from prefect_console.cli._output import print_json

        print_json(pool.to_json_dict())
        return
    _said(message)


def _template(path: str | None) -> dict[str, object] | None:
    if path is None:
        return None
    from prefect_console.ops.work_pool_actions import load_base_job_template

    return load_base_job_template(path)


def _ask_type() -> str:
    """`--type` when it was not given: asked on a terminal, an error without one."""
    import sys

    from prefect.workers.templates import POOL_TYPES

    from prefect_console.cli._group import fail

    choices = ", ".join(POOL_TYPES)
    if not sys.stdin.isatty():
        raise fail(f"Missing option '--type' / '-t' ({choices})", 2)
    answer: str = typer.prompt(f"Work pool type ({choices})", default=POOL_TYPES[0])
    return answer


@app.command("create")
def create(
    name: PoolName,
    pool_type: Annotated[
        str | None,
        typer.Option("--type", "-t", help="The worker type: process, docker or kubernetes."),
    ] = None,
    base_job_template: TemplateFile = None,
    paused: Annotated[bool, typer.Option("--paused", help="Create the pool paused.")] = False,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite", help="Give an existing pool of that name this template and state."
        ),
    ] = False,
    output: Output = None,
) -> None:
    """Create a work pool; without --base-job-template it gets its type's default one."""
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.work_pool_actions import create_work_pool, parse_pool_type

    kind = parse_pool_type(pool_type if pool_type is not None else _ask_type())
    template = _template(base_job_template)
    change = run_with_client(
        lambda client: create_work_pool(
            client,
            name,
            pool_type=kind,
            base_job_template=template,
            paused=paused,
            overwrite=overwrite,
        )
    )
    pool = change.pool
    if change.changed:
        message = f"Created work pool {pool.name!r} ({pool.type})."
        if output is None:
            message += f"\nStart a worker for it: prefect worker start --pool {pool.name!r}"
    else:
        message = f"Updated work pool {pool.name!r}."
    _print_pool_or(pool, output, message)


@app.command("update")
def update(
    name: PoolName,
    base_job_template: TemplateFile = None,
    description: Annotated[
        str | None, typer.Option("--description", "-d", help='Its description ("" clears it).')
    ] = None,
    concurrency_limit: Annotated[
        int | None,
        typer.Option("--concurrency-limit", metavar="N", help="Runs of the pool at once."),
    ] = None,
    output: Output = None,
) -> None:
    """Change a work pool's base job template, description or concurrency limit."""
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.work_pool_actions import update_work_pool

    template = _template(base_job_template)
    pool = run_with_client(
        lambda client: update_work_pool(
            client,
            name,
            base_job_template=template,
            description=description,
            concurrency_limit=concurrency_limit,
        )
    )
    _print_pool_or(pool, output, f"Updated work pool {pool.name!r}.")


@app.command("pause")
def pause(name: PoolName, output: Output = None) -> None:
    """Pause a work pool: workers get none of its runs until it is resumed."""
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.work_pool_actions import pause_work_pool

    change = run_with_client(lambda client: pause_work_pool(client, name))
    pool = change.pool
    said = f"Paused work pool {pool.name!r}." if change.changed else None
    _print_pool_or(pool, output, said or f"Work pool {pool.name!r} is already paused.")


@app.command("resume")
def resume(name: PoolName, output: Output = None) -> None:
    """Resume a paused work pool."""
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.work_pool_actions import resume_work_pool

    change = run_with_client(lambda client: resume_work_pool(client, name))
    pool = change.pool
    said = f"Resumed work pool {pool.name!r}." if change.changed else None
    _print_pool_or(pool, output, said or f"Work pool {pool.name!r} is not paused.")


@app.command("delete")
def delete(name: PoolName, yes: Yes = False) -> None:
    """Delete a work pool with its queues (its flow runs are kept)."""
    from prefect_console.cli._group import confirm_or_fail
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.text import one_line
    from prefect_console.ops.work_pool_actions import delete_work_pool
    from prefect_console.ops.work_pools import read_work_pool_named

    async def go(client: PrefectClient) -> None:
        pool = await read_work_pool_named(client, name)  # "not found" before asking
        confirm_or_fail(f"Delete work pool {one_line(pool.name)!r} and its queues?", yes)
        await delete_work_pool(client, name)

    run_with_client(go)
    _said(f"Deleted work pool {name!r}.")


@app.command("set-concurrency-limit")
def set_concurrency_limit(
    name: PoolName,
    limit: Annotated[int, typer.Argument(metavar="LIMIT", help="Runs of the pool at once.")],
    output: Output = None,
) -> None:
    """Let at most LIMIT runs of the pool run at once."""
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.work_pool_actions import set_work_pool_concurrency_limit

    pool = run_with_client(lambda client: set_work_pool_concurrency_limit(client, name, limit))
    message = f"Set the concurrency limit of work pool {pool.name!r} to {limit}."
    _print_pool_or(pool, output, message)


@app.command("clear-concurrency-limit")
def clear_concurrency_limit(name: PoolName, output: Output = None) -> None:
    """Remove a work pool's concurrency limit."""
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.work_pool_actions import clear_work_pool_concurrency_limit

    pool = run_with_client(lambda client: clear_work_pool_concurrency_limit(client, name))
    _print_pool_or(pool, output, f"Cleared the concurrency limit of work pool {pool.name!r}.")


@app.command("preview")
def preview(
    name: PoolName,
    hours: Annotated[
        float, typer.Option("--hours", help="How far ahead to look (late runs always show).")
    ] = 1.0,
    output: Output = None,
) -> None:
    """Show the Scheduled runs a work pool will hand to workers in the next hours.

    With `-o json`: the flow runs (API objects), soonest first.
    """
    from prefect._time import now

    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.work_pool_actions import preview_work_pool

    moment = now()
    found = run_with_client(lambda client: preview_work_pool(client, name, hours=hours, now=moment))
    if output is OutputFormat.json:
        from prefect_console.cli._output import print_json

        print_json([run.to_json_dict() for run in found.runs])
        return
    _print_preview(found, moment)


def _print_preview(found: PoolPreview, moment: datetime) -> None:
    from rich.table import Table
    from rich.text import Text

    from prefect_console.cli._output import console
    from prefect_console.ops import present, present_work
    from prefect_console.ops.work_pool_actions import scheduled_start

    out = console()
    pool = present.sanitize_cell(found.pool.name)
    if not found.runs:
        out.print(
            f"No runs scheduled in work pool {pool!r} before "
            f"{present.format_time(found.until, moment)} (look further with --hours)."
        )
        return
    table = Table(
        title=f"Upcoming runs of work pool {pool!r}",
        box=None,
        header_style="bold",
        pad_edge=False,
        collapse_padding=True,
    )
    table.add_column("Scheduled", no_wrap=True)
    table.add_column("When", no_wrap=True, justify="right")
    table.add_column("Run", overflow="ellipsis", no_wrap=True, min_width=8)
    table.add_column("Queue", overflow="ellipsis", no_wrap=True, min_width=6)
    table.add_column("Deployment", overflow="ellipsis", no_wrap=True, min_width=8)
    if out.width >= 120:
        table.add_column("Run ID", no_wrap=True, min_width=36)
    for run in found.runs:
        when = scheduled_start(run)
        late = when is not None and when < moment
        deployment = found.deployments.get(run.deployment_id) if run.deployment_id else None
        cells: list[str | Text] = [
            present.format_time(when, moment),
            Text(present_work.next_run_text(when, moment), style="red" if late else ""),
            present.sanitize_cell(run.name),
            present.sanitize_cell(found.queue_name(run)),
            present.sanitize_cell(deployment or "-"),
        ]
        if out.width >= 120:
            cells.append(str(run.id))
        table.add_row(*cells)
    out.print(table)


@app.command("get-default-base-job-template")
def get_default_base_job_template(
    pool_type: Annotated[
        str, typer.Option("--type", "-t", help="The worker type: process, docker or kubernetes.")
    ],
    file: Annotated[
        str | None, typer.Option("--file", "-f", metavar="OUT", help="Write it to this file.")
    ] = None,
) -> None:
    """Print the base job template a new pool of this type gets (JSON), or write it."""
    import json

    from prefect_console.cli._group import fail
    from prefect_console.ops.work_pool_actions import default_template

    text = json.dumps(default_template(pool_type), indent=2) + "\n"
    if file is None:
        import sys

        sys.stdout.write(text)
        return
    try:
        with open(file, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise fail(f"Cannot write {file!r}: {exc.strerror or exc}") from None
    _said(f"Wrote the default base job template of a {pool_type.strip().lower()} pool to {file}.")
