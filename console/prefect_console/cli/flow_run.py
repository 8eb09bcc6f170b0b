"""`prefect flow-run ...`: list, inspect, read logs; watch, cancel, retry and delete."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated

import typer

from prefect_console.cli._options import Output, OutputFormat
from prefect_console.cli._tables import print_runs_table, state_text

if TYPE_CHECKING:
    from datetime import datetime

    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.objects import FlowRun, Log, State, TaskRun
    from rich.table import Table
    from rich.text import Text

    from prefect_console.ops.flow_runs import FlowRunDetail

app = typer.Typer(help="Inspect and act on flow runs.", no_args_is_help=True)


@app.command("ls")
def ls(
    limit: Annotated[int, typer.Option(help="How many runs to show.", min=0)] = 15,
    state: Annotated[
        list[str] | None,
        typer.Option(help="State name (Completed, Late...) or type (FAILED...); repeatable."),
    ] = None,
    state_type: Annotated[
        list[str] | None, typer.Option(help="State type (COMPLETED, FAILED...); repeatable.")
    ] = None,
    flow_name: Annotated[list[str] | None, typer.Option(help="Flow name; repeatable.")] = None,
    output: Output = None,
) -> None:
    """List flow runs, most recent first."""
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops import flow_names, list_flow_runs

    async def fetch(
        client: PrefectClient,
    ) -> tuple[list[FlowRun], dict[uuid.UUID, str]]:
        runs = await list_flow_runs(
            client,
            limit=limit,
            state=state,
            state_type=state_type,
            flow_name=flow_name,
        )
        return runs, await flow_names(client, runs)

    runs, names = run_with_client(fetch)
    if output is OutputFormat.json:
        from prefect_console.cli._output import print_json

        print_json([run.to_json_dict() for run in runs])
        return
    print_runs_table(runs, names)


@app.command("inspect")
def inspect(
    flow_run_id: Annotated[uuid.UUID, typer.Argument(metavar="ID", help="Flow run id.")],
    output: Output = None,
) -> None:
    """Show a flow run with its state (and its task runs in the table view)."""
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops import inspect_flow_run

    detail = run_with_client(
        lambda client: inspect_flow_run(
            client, flow_run_id, with_task_runs=output is not OutputFormat.json
        )
    )
    if output is OutputFormat.json:
        from prefect_console.cli._output import print_json

        print_json(detail.flow_run.to_json_dict())
        return
    _print_detail(detail)


def _print_detail(detail: FlowRunDetail) -> None:
    import json

    from prefect._time import now
    from rich.table import Table

    from prefect_console.cli._output import console
    from prefect_console.ops import present

    out = console()
    run, moment = detail.flow_run, now()
    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="bold", no_wrap=True)
    fields.add_column()
    message = run.state.message if run.state is not None and run.state.message else ""
    rows: list[tuple[str, str | Text]] = [
        ("ID", str(run.id)),
        ("Name", present.sanitize_cell(run.name)),
        ("Flow", present.sanitize_cell(detail.flow_name)),
        ("State", state_text(run)),
        ("Message", present.sanitize_cell(message) or "-"),
        ("Start", present.format_time(run.start_time, None)),
        ("End", present.format_time(run.end_time, None)),
        ("Duration", present.format_duration(present.run_duration(run, moment))),
        ("Run count", str(run.run_count)),
        ("Parameters", present.sanitize_cell(json.dumps(run.parameters, default=str))),
        ("Tags", present.sanitize_cell(present.format_tags(run.tags)) or "-"),
    ]
    for label, value in rows:
        fields.add_row(label, value)
    out.print(fields)
    out.print()
    out.print(_task_table(detail.task_runs, moment))


def _task_table(task_runs: list[TaskRun], moment: datetime) -> Table:
    from rich.table import Table

    from prefect_console.ops import present

    table = Table(
        title=f"Task Runs ({len(task_runs)})", box=None, header_style="bold", pad_edge=False
    )
    table.add_column("Name", overflow="ellipsis", no_wrap=True)
    table.add_column("State", no_wrap=True)
    table.add_column("Start", no_wrap=True)
    table.add_column("Duration", no_wrap=True, justify="right")
    for task_run in task_runs:
        table.add_row(
            present.sanitize_cell(task_run.name),
            state_text(task_run),
            present.format_time(task_run.start_time, moment),
            present.format_duration(present.run_duration(task_run, moment)),
        )
    return table


@app.command("logs")
def logs(
    flow_run_id: Annotated[uuid.UUID, typer.Argument(metavar="ID", help="Flow run id.")],
    head: Annotated[bool, typer.Option("--head", help="Only the first lines.")] = False,
    tail: Annotated[bool, typer.Option("--tail", "-t", help="Only the last lines.")] = False,
    num_logs: Annotated[
        int | None,
        typer.Option("--num-logs", "-n", min=1, help="How many lines with --head/--tail (20)."),
    ] = None,
) -> None:
    """Print the logs of a flow run, oldest first."""
    import asyncio

    from prefect_console.cli._group import fail
    from prefect_console.ops import flow_run_logs

    if head and tail:
        raise fail("--head and --tail cannot be used together", 2)
    count = num_logs or 20
    if num_logs is not None and not (head or tail):
        head = True  # `-n N` alone means the first N, like `--head -n N`

    async def go() -> None:
        from prefect.client.orchestration import get_client

        async with get_client() as client:
            async for log in flow_run_logs(
                client, flow_run_id, head=count if head else None, tail=count if tail else None
            ):
                _print_log(log)

    asyncio.run(go())


def _print_log(log: Log) -> None:
    import sys

    from prefect_console.ops import present
    from prefect_console.ops.text import strip_controls

    stamp = log.timestamp.astimezone().strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    message = strip_controls(log.message)
    sys.stdout.write(f"{stamp} | {present.level_name(log.level):<8} | {log.name} - {message}\n")


# -- actions --------------------------------------------------------------------------------


FlowRunId = Annotated[uuid.UUID, typer.Argument(metavar="ID", help="Flow run id.")]


@app.command("cancel")
def cancel(flow_run_id: FlowRunId) -> None:
    """Cancel a flow run: Scheduled runs at once, running ones through what runs them."""
    import sys

    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.flow_runs import cancel_flow_run

    result = run_with_client(lambda client: cancel_flow_run(client, flow_run_id))
    sys.stdout.write(f"{result.message}.\n")


@app.command("retry")
def retry(flow_run_id: FlowRunId) -> None:
    """Schedule a finished flow run of a deployment again, for a worker to pick up."""
    import sys

    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.flow_runs import retry_flow_run

    run = run_with_client(lambda client: retry_flow_run(client, flow_run_id))
    sys.stdout.write(
        f"Flow run '{run.id}' is {run.state_name or 'Scheduled'}; a worker will pick it up.\n"
    )


@app.command("delete")
def delete(
    flow_run_id: FlowRunId,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a flow run with its task runs and logs."""
    import sys

    from prefect_console.cli._group import confirm_or_fail
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.flow_runs import delete_flow_run, read_flow_run

    async def go(client: PrefectClient) -> None:
        run = await read_flow_run(client, flow_run_id)  # "not found" before asking
        from prefect_console.ops.text import one_line

        confirm_or_fail(f"Delete flow run {one_line(run.name)!r} ({run.id})?", yes)
        await delete_flow_run(client, flow_run_id)

    run_with_client(go)
    sys.stdout.write(f"Deleted flow run '{flow_run_id}'.\n")


@app.command("watch")
def watch(
    flow_run_id: FlowRunId,
    interval: Annotated[
        float, typer.Option("--interval", min=0.1, help="Seconds between polls.")
    ] = 1.0,
) -> None:
    """Follow a flow run's states and logs until it finishes (exit 0 only if Completed)."""
    import sys

    from prefect_console.cli._group import fail
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.flow_runs import watch_flow_run

    async def go(client: PrefectClient) -> State | None:
        final: State | None = None
        async for event in watch_flow_run(client, flow_run_id, interval=interval):
            if event.log is not None:
                _print_log(event.log)
            if event.state is not None:
                _print_state(event.state)
                final = event.state
            sys.stdout.flush()
        return final

    final = run_with_client(go)
    if final is None or not final.is_completed():
        name = final.name if final is not None else "no state"
        raise fail(f"Flow run '{flow_run_id}' finished in state {name}")


def _print_state(state: State) -> None:
    import sys

    from prefect_console.ops.text import one_line

    stamp = state.timestamp.astimezone().strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    message = f" - {one_line(state.message)}" if state.message else ""
    sys.stdout.write(f"{stamp} | STATE    | {state.name}{message}\n")


@app.command("execute")
def execute(
    flow_run_id: Annotated[
        uuid.UUID | None,
        typer.Argument(metavar="ID", help="Flow run id (default: $PREFECT__FLOW_RUN_ID)."),
    ] = None,
) -> None:
    """Run a flow run of a deployment in this process (the command a worker starts)."""
    from prefect.deployments.execute import execute_flow_run

    from prefect_console.cli._group import fail

    try:
        code = execute_flow_run(flow_run_id)
    except ValueError as exc:
        raise fail(str(exc), 2) from None
    raise typer.Exit(code)


def _add_create() -> None:
    # `flow-run create` lives beside the deployment verbs it shares code with
    from prefect_console.cli import flow_run_create

    app.command("create")(flow_run_create.create)


_add_create()
