"""`prefect deployment schedule ls|create|delete|pause|resume|clear`."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from prefect_console.cli import _deploy_options as opt
from prefect_console.cli._options import Output, OutputFormat

app = typer.Typer(help="Manage a deployment's schedules.", no_args_is_help=True)

NameArg = Annotated[
    str, typer.Argument(metavar="DEPLOYMENT", help="'<flow-name>/<deployment-name>' or an id.")
]
ScheduleArg = Annotated[str, typer.Argument(metavar="SCHEDULE_ID", help="The schedule's id.")]


@app.command("ls")
def ls(name: NameArg, output: Output = None) -> None:
    """List a deployment's schedules."""
    from prefect_console.cli._output import console, run_with_client
    from prefect_console.ops import present_work
    from prefect_console.ops.deployment_actions import list_schedules
    from prefect_console.ops.deployments import parse_deployment_ref

    ref = parse_deployment_ref(name)
    _, schedules = run_with_client(lambda client: list_schedules(client, ref))
    if output is OutputFormat.json:
        from prefect_console.cli._output import print_json

        print_json([s.model_dump(mode="json") for s in schedules])
        return
    if not schedules:
        sys.stdout.write("No schedules.\n")
        return
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("ID", no_wrap=True)
    table.add_column("Schedule")
    table.add_column("Active", no_wrap=True)
    for schedule in schedules:
        table.add_row(
            str(schedule.id),
            present_work.deployment_schedule_text(schedule, always_zone=True),
            "yes" if schedule.active else "no",
        )
    console().print(table)


@app.command("create")
def create(
    name: NameArg,
    cron: Annotated[str | None, typer.Option("--cron", help="A cron expression.")] = None,
    interval: Annotated[float | None, typer.Option("--interval", help="Seconds.")] = None,
    rrule: Annotated[str | None, typer.Option("--rrule", help="An RRule string.")] = None,
    timezone: opt.Timezone = "UTC",
    anchor_date: opt.AnchorDate = None,
    inactive: Annotated[bool, typer.Option("--inactive", help="Create it paused.")] = False,
) -> None:
    """Add a schedule (exactly one of --cron, --interval, --rrule)."""
    from prefect.deployments.build import DeploymentSpecError, schedule_dicts

    from prefect_console.cli._group import fail
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.deployment_actions import create_schedule
    from prefect_console.ops.deployments import parse_deployment_ref

    ref = parse_deployment_ref(name)
    if sum(x is not None for x in (cron, interval, rrule)) != 1:
        raise fail("Give exactly one of --cron, --interval, --rrule", 2)
    try:
        (schedule,) = schedule_dicts(
            cron=[cron] if cron is not None else [],
            interval=[interval] if interval is not None else [],
            rrule=[rrule] if rrule is not None else [],
            timezone=timezone,
            anchor_date=anchor_date,
        )
    except DeploymentSpecError as exc:
        raise fail(str(exc), 2) from None
    made = run_with_client(
        lambda client: create_schedule(client, ref, schedule, active=not inactive)
    )
    sys.stdout.write(f"Created schedule {made.id} on '{name}'.\n")


@app.command("delete")
def delete(
    name: NameArg,
    schedule_id: ScheduleArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete one schedule of a deployment."""
    from prefect_console.cli._group import confirm_or_fail
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.deployment_actions import delete_schedule
    from prefect_console.ops.deployments import parse_deployment_ref

    ref = parse_deployment_ref(name)
    confirm_or_fail(f"Delete schedule {schedule_id} of '{name}'?", yes)
    run_with_client(lambda client: delete_schedule(client, ref, schedule_id))
    sys.stdout.write(f"Deleted schedule {schedule_id}.\n")


def _set_active(name: str, schedule_id: str, active: bool) -> None:
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.deployment_actions import set_schedule_active
    from prefect_console.ops.deployments import parse_deployment_ref

    ref = parse_deployment_ref(name)
    run_with_client(lambda client: set_schedule_active(client, ref, schedule_id, active))
    sys.stdout.write(f"{'Resumed' if active else 'Paused'} schedule {schedule_id}.\n")


@app.command("pause")
def pause(name: NameArg, schedule_id: ScheduleArg) -> None:
    """Switch a schedule off."""
    _set_active(name, schedule_id, False)


@app.command("resume")
def resume(name: NameArg, schedule_id: ScheduleArg) -> None:
    """Switch a schedule back on."""
    _set_active(name, schedule_id, True)


@app.command("clear")
def clear(
    name: NameArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete every schedule of a deployment."""
    from prefect_console.cli._group import confirm_or_fail
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.deployment_actions import clear_schedules
    from prefect_console.ops.deployments import parse_deployment_ref

    ref = parse_deployment_ref(name)
    confirm_or_fail(f"Delete every schedule of '{name}'?", yes)
    count = run_with_client(lambda client: clear_schedules(client, ref))
    sys.stdout.write(f"Deleted {count} schedule(s) of '{name}'.\n")
