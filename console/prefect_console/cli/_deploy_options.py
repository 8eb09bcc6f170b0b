"""Options shared by `prefect deploy` and `prefect deployment build` (typer only here)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Annotated, Any

import typer

Name = Annotated[str | None, typer.Option("--name", "-n", help="The deployment's name.")]
Pool = Annotated[str | None, typer.Option("--pool", "-p", help="The work pool to run it on.")]
Queue = Annotated[
    str | None,
    typer.Option("--work-queue", "-q", help="A queue of the pool (default: its default)."),
]
Cron = Annotated[list[str] | None, typer.Option("--cron", help="A cron schedule; repeatable.")]
Interval = Annotated[
    list[float] | None,
    typer.Option("--interval", help="An interval schedule in seconds; repeatable."),
]
RRule = Annotated[list[str] | None, typer.Option("--rrule", help="An RRule schedule; repeatable.")]
Timezone = Annotated[str, typer.Option("--timezone", help="IANA timezone of the schedules.")]
AnchorDate = Annotated[
    str | None, typer.Option("--anchor-date", help="ISO start of the interval grid.")
]
Param = Annotated[
    list[str] | None, typer.Option("--param", help="A default parameter key=value; repeatable.")
]
Params = Annotated[str | None, typer.Option("--params", help="Default parameters as JSON.")]
JobVariable = Annotated[
    list[str] | None,
    typer.Option("--job-variable", "-jv", help="A job variable key=value; repeatable."),
]
Tag = Annotated[list[str] | None, typer.Option("--tag", "-t", help="A tag; repeatable.")]
Version = Annotated[str | None, typer.Option("--version", help="A version label.")]
Description = Annotated[
    str | None, typer.Option("--description", "-d", help="Description (default: the docstring).")
]
ConcurrencyLimit = Annotated[
    int | None, typer.Option("--concurrency-limit", help="At most N runs at once.")
]
CollisionStrategy = Annotated[
    str | None,
    typer.Option("--collision-strategy", help="Over the limit: ENQUEUE or CANCEL_NEW."),
]
EnforceSchema = Annotated[
    bool,
    typer.Option(
        "--enforce-parameter-schema", help="Refuse runs whose parameters fail the flow's schema."
    ),
]


@dataclass
class DeployOptions:
    name: str | None = None
    pool: str | None = None
    work_queue: str | None = None
    cron: list[str] = field(default_factory=list)
    interval: list[float] = field(default_factory=list)
    rrule: list[str] = field(default_factory=list)
    timezone: str = "UTC"
    anchor_date: str | None = None
    param: list[str] = field(default_factory=list)
    params: str | None = None
    job_variable: list[str] = field(default_factory=list)
    tag: list[str] = field(default_factory=list)
    version: str | None = None
    description: str | None = None
    concurrency_limit: int | None = None
    collision_strategy: str | None = None
    enforce_parameter_schema: bool = False


def options_from(arguments: Mapping[str, Any]) -> DeployOptions:
    """The deploy options among a command's arguments (its `locals()`); typer gives None
    for a repeatable option given no times."""
    values: dict[str, Any] = {}
    for spec in fields(DeployOptions):
        if spec.name in arguments:
            value = arguments[spec.name]
            values[spec.name] = [] if value is None and spec.type.startswith("list") else value
    return DeployOptions(**values)


def ask_if_missing(value: str | None, option: str, question: str) -> str:
    """The value, or asked for on a terminal; without one, a usage error."""
    from prefect_console.cli._group import fail

    if value:
        return value
    if sys.stdin.isatty():
        answer = str(typer.prompt(question)).strip()
        if answer:
            return answer
    raise fail(f"Missing option {option} (no terminal to ask on)", 2)


def build_from_options(entrypoint: str, options: DeployOptions) -> dict[str, Any]:
    """The deployment spec for `entrypoint`; bad input is a one-line usage error."""
    from prefect.deployments.build import (
        DeploymentSpecError,
        build_spec,
        parse_json_object,
        parse_key_values,
        schedule_dicts,
    )

    from prefect_console.cli._group import fail

    try:
        parameters = {
            **parse_json_object(options.params, "--params"),
            **parse_key_values(options.param, "--param"),
        }
        schedules = schedule_dicts(
            cron=options.cron,
            interval=options.interval,
            rrule=options.rrule,
            timezone=options.timezone,
            anchor_date=options.anchor_date,
        )
        collision = options.collision_strategy.upper() if options.collision_strategy else None
        return build_spec(
            entrypoint,
            name=options.name or "",
            work_pool_name=options.pool,
            work_queue_name=options.work_queue,
            schedules=schedules,
            parameters=parameters,
            job_variables=parse_key_values(options.job_variable, "--job-variable"),
            tags=options.tag,
            version=options.version,
            description=options.description,
            concurrency_limit=options.concurrency_limit,
            collision_strategy=collision,
            enforce_parameter_schema=options.enforce_parameter_schema,
        )
    except DeploymentSpecError as exc:
        raise fail(str(exc), 2) from None
