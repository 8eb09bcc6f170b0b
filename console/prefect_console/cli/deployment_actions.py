"""`prefect deployment run|delete|pause|resume|backfill|build|apply`.

Added to the `deployment` group by `cli.deployment`.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from prefect_console.cli import _deploy_options as opt
from prefect_console.cli._options import Output, OutputFormat

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.objects import State

NameArg = Annotated[
    str, typer.Argument(metavar="NAME_OR_ID", help="'<flow-name>/<deployment-name>' or an id.")
]


def register(app: typer.Typer) -> None:
    for name, command in (
        ("run", run),
        ("delete", delete),
        ("pause", pause),
        ("resume", resume),
        ("backfill", backfill),
        ("build", build),
        ("apply", apply),
    ):
        app.command(name)(command)


def _ref(name: str) -> uuid.UUID | str:
    from prefect_console.ops.deployments import parse_deployment_ref

    return parse_deployment_ref(name)


def run(
    name: NameArg,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="A parameter key=value; repeatable.")
    ] = None,
    params: Annotated[str | None, typer.Option("--params", help="Parameters as JSON.")] = None,
    job_variable: opt.JobVariable = None,
    start_in: Annotated[
        str | None, typer.Option("--start-in", help="Start after a delay, e.g. '5 minutes'.")
    ] = None,
    start_at: Annotated[
        str | None, typer.Option("--start-at", help="Start at an ISO time (naive: UTC).")
    ] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="A tag; repeatable.")] = None,
    flow_run_name: Annotated[
        str | None, typer.Option("--flow-run-name", help="The run's name.")
    ] = None,
    watch: Annotated[
        bool, typer.Option("--watch", help="Follow the run; exit 0 only if it Completes.")
    ] = False,
    watch_interval: Annotated[
        float, typer.Option("--watch-interval", min=0.1, help="Seconds between polls.")
    ] = 1.0,
    watch_timeout: Annotated[
        float | None,
        typer.Option("--watch-timeout", min=0.1, help="Stop watching after this many seconds."),
    ] = None,
    output: Output = None,
) -> None:
    """Create a run of a deployment (a worker of its pool picks it up)."""
    from prefect._time import now
    from prefect.deployments.build import (
        DeploymentSpecError,
        parse_json_object,
        parse_key_values,
    )

    from prefect_console.cli._group import fail
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.deployment_actions import parse_start_in, parse_time, run_deployment

    ref = _ref(name)
    if start_in is not None and start_at is not None:
        raise fail("Give --start-in or --start-at, not both", 2)
    when = None
    if start_in is not None:
        when = now() + parse_start_in(start_in)
    elif start_at is not None:
        when = parse_time(start_at, "--start-at")
    try:
        parameters = {
            **parse_json_object(params, "--params"),
            **parse_key_values(param or [], "--param"),
        }
        job_variables = parse_key_values(job_variable or [], "--job-variable")
    except DeploymentSpecError as exc:
        raise fail(str(exc), 2) from None
    flow_run = run_with_client(
        lambda client: run_deployment(
            client,
            ref,
            parameters=parameters,
            job_variables=job_variables,
            start_at=when,
            tags=tag,
            flow_run_name=flow_run_name,
        )
    )
    if output is OutputFormat.json and not watch:
        from prefect_console.cli._output import print_json

        print_json(flow_run.model_dump(mode="json"))
        return
    start = flow_run.expected_start_time or flow_run.next_scheduled_start_time
    at = f", scheduled for {start.isoformat(timespec='seconds')}" if start else ""
    sys.stdout.write(f"Created flow run '{flow_run.name}' ({flow_run.id}){at}.\n")
    sys.stdout.flush()
    if watch:
        _watch(flow_run.id, watch_interval, watch_timeout)


def _watch(flow_run_id: uuid.UUID, interval: float, timeout: float | None = None) -> None:
    """Print the run's states and logs until it ends; exit 1 unless it Completed."""
    import asyncio

    from prefect_console.cli._group import fail
    from prefect_console.cli._output import run_with_client
    from prefect_console.cli.flow_run import _print_log, _print_state
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

    async def bounded(client: PrefectClient) -> State | None:
        try:
            return await asyncio.wait_for(go(client), timeout)
        except TimeoutError:
            raise fail(f"Flow run '{flow_run_id}' had not finished after {timeout:g} s") from None

    final = run_with_client(bounded)
    if final is None or not final.is_completed():
        state = final.name if final is not None else "no state"
        raise fail(f"Flow run '{flow_run_id}' finished in state {state}")


def delete(
    name: NameArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a deployment (its schedules and future scheduled runs go with it)."""
    from prefect_console.cli._group import confirm_or_fail
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.deployment_actions import delete_deployment

    ref = _ref(name)
    confirm_or_fail(f"Delete deployment '{name}'?", yes)
    run_with_client(lambda client: delete_deployment(client, ref))
    sys.stdout.write(f"Deleted deployment '{name}'.\n")


def pause(name: NameArg) -> None:
    """Pause a deployment: no more scheduled runs until it is resumed."""
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.deployment_actions import pause_deployment

    ref = _ref(name)
    run_with_client(lambda client: pause_deployment(client, ref))
    sys.stdout.write(f"Paused deployment '{name}'.\n")


def resume(name: NameArg) -> None:
    """Resume a paused deployment."""
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.deployment_actions import resume_deployment

    ref = _ref(name)
    run_with_client(lambda client: resume_deployment(client, ref))
    sys.stdout.write(f"Resumed deployment '{name}'.\n")


def backfill(
    name: NameArg,
    start: Annotated[str, typer.Option("--start", help="ISO start of the window (naive: UTC).")],
    end: Annotated[str, typer.Option("--end", help="ISO end of the window (naive: UTC).")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List the runs without creating them.")
    ] = False,
    output: Output = None,
) -> None:
    """Create the runs the deployment's schedules would have made between two times."""
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.deployment_actions import backfill as do_backfill
    from prefect_console.ops.deployment_actions import parse_time

    ref = _ref(name)
    window = parse_time(start, "--start"), parse_time(end, "--end")
    made = run_with_client(lambda client: do_backfill(client, ref, *window, dry_run=dry_run))
    if output is OutputFormat.json:
        from prefect_console.cli._output import print_json

        print_json(
            [
                {
                    "schedule_id": str(r.schedule_id),
                    "scheduled_time": r.date.isoformat(),
                    "flow_run_id": str(r.flow_run.id) if r.flow_run else None,
                }
                for r in made
            ]
        )
        return
    verb = "Would create" if dry_run else "Backfilled"
    for item in made:
        run_id = f"  {item.flow_run.id}" if item.flow_run is not None else ""
        sys.stdout.write(f"{item.date.isoformat()}{run_id}\n")
    sys.stdout.write(f"{verb} {len(made)} run(s) of '{name}'.\n")


def build(
    entrypoint: Annotated[str, typer.Argument(help="path/to/file.py:flow_function")],
    name: opt.Name = None,
    pool: opt.Pool = None,
    work_queue: opt.Queue = None,
    cron: opt.Cron = None,
    interval: opt.Interval = None,
    rrule: opt.RRule = None,
    timezone: opt.Timezone = "UTC",
    anchor_date: opt.AnchorDate = None,
    param: opt.Param = None,
    params: opt.Params = None,
    job_variable: opt.JobVariable = None,
    tag: opt.Tag = None,
    version: opt.Version = None,
    description: opt.Description = None,
    concurrency_limit: opt.ConcurrencyLimit = None,
    collision_strategy: opt.CollisionStrategy = None,
    enforce_parameter_schema: opt.EnforceSchema = False,
    out: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="The file to write (default: <flow>-deployment.yaml)."),
    ] = None,
) -> None:
    """Write a deployment's YAML file without touching the API (register it with apply)."""
    from prefect.deployments.yaml_files import write_spec

    from prefect_console.cli._group import fail

    if not name:
        raise fail("Missing option --name", 2)
    options = opt.options_from(locals())
    spec = opt.build_from_options(entrypoint, options)
    target = out or Path(f"{spec['flow_name']}-deployment.yaml")
    write_spec(spec, target)
    sys.stdout.write(f"Wrote {target}: register it with `prefect deployment apply {target}`.\n")


def apply(
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="Deployment YAML files.")],
) -> None:
    """Register the deployments of YAML files written by `deployment build`."""
    from prefect.deployments.build import DeploymentSpecError
    from prefect.deployments.yaml_files import read_specs

    from prefect_console.cli._group import fail
    from prefect_console.cli.deploy import _print_registered, register

    try:  # every file read before anything is registered
        specs = [spec for path in files for spec in read_specs(path)]
    except DeploymentSpecError as exc:
        raise fail(str(exc), 2) from None
    for spec in specs:
        _print_registered(register(spec))
