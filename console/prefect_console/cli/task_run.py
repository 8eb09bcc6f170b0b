"""`prefect task-run ...`: list and inspect task runs."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated

import typer

from prefect_console.cli._options import Output, OutputFormat

if TYPE_CHECKING:
    from prefect.schemas.objects import TaskRun
    from rich.text import Text

app = typer.Typer(help="View task runs.", no_args_is_help=True)


@app.command("ls")
def ls(
    flow_run_id: Annotated[
        uuid.UUID | None, typer.Option(help="Only the task runs of this flow run.")
    ] = None,
    state: Annotated[
        list[str] | None,
        typer.Option(help="State name (Completed, Failed...) or type (FAILED...); repeatable."),
    ] = None,
    limit: Annotated[int, typer.Option(help="How many task runs to show.", min=0)] = 15,
    output: Output = None,
) -> None:
    """List task runs, most recent first."""
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.task_runs import list_task_runs

    task_runs = run_with_client(
        lambda client: list_task_runs(client, flow_run_id=flow_run_id, state=state, limit=limit)
    )
    if output is OutputFormat.json:
        from prefect_console.cli._output import print_json

        print_json([task_run.to_json_dict() for task_run in task_runs])
        return
    from prefect._time import now
    from rich.table import Table

    from prefect_console.cli._output import console
    from prefect_console.ops import present

    out = console()
    if not task_runs:
        out.print("No task runs found.")
        return
    moment = now()
    table = Table(title="Task Runs", box=None, header_style="bold", pad_edge=False)
    table.add_column("ID", no_wrap=True, min_width=36)
    table.add_column("Name", overflow="ellipsis", no_wrap=True, min_width=8)
    table.add_column("State", no_wrap=True, min_width=9)
    table.add_column("Start", no_wrap=True, min_width=11)
    table.add_column("Duration", no_wrap=True, justify="right", min_width=8)
    for task_run in task_runs:
        table.add_row(
            str(task_run.id),
            present.sanitize_cell(task_run.name),
            _state_text(task_run),
            present.short_time(task_run.start_time or task_run.expected_start_time, moment),
            present.format_duration(present.run_duration(task_run, moment)),
        )
    out.print(table)


def _state_text(task_run: TaskRun) -> Text:
    from rich.text import Text

    from prefect_console.ops import present

    return Text(
        present.state_word(task_run), style=present.state_colour(present.state_type_of(task_run))
    )


@app.command("inspect")
def inspect(
    task_run_id: Annotated[uuid.UUID, typer.Argument(metavar="ID", help="Task run id.")],
    output: Output = None,
) -> None:
    """Show a task run and its state."""
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.task_runs import inspect_task_run

    task_run = run_with_client(lambda client: inspect_task_run(client, task_run_id))
    if output is OutputFormat.json:
        from prefect_console.cli._output import print_json

        print_json(task_run.to_json_dict())
        return
    from prefect._time import now
    from rich.table import Table

    from prefect_console.cli._output import console
    from prefect_console.ops import present

    moment = now()
    message = task_run.state.message if task_run.state and task_run.state.message else ""
    rows: list[tuple[str, str | Text]] = [
        ("ID", str(task_run.id)),
        ("Name", present.sanitize_cell(task_run.name)),
        ("Task key", present.sanitize_cell(task_run.task_key)),
        ("Flow run", str(task_run.flow_run_id or "-")),
        ("State", _state_text(task_run)),
        ("Message", present.sanitize_cell(message) or "-"),
        ("Start", present.format_time(task_run.start_time, None)),
        ("End", present.format_time(task_run.end_time, None)),
        ("Duration", present.format_duration(present.run_duration(task_run, moment))),
        ("Run count", str(task_run.run_count)),
        ("Tags", present.sanitize_cell(present.format_tags(task_run.tags)) or "-"),
    ]
    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="bold", no_wrap=True)
    fields.add_column()
    for label, value in rows:
        fields.add_row(label, value)
    console().print(fields)
