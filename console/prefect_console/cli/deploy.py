"""`prefect deploy` and `prefect init`: register deployments from an entrypoint or from
`prefect.yaml`, and write a starter `prefect.yaml`.

Registered on the root command by `main` (they are verbs, not groups).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from prefect_console.cli import _deploy_options as opt

if TYPE_CHECKING:
    from prefect_console.ops.deploy import Registered


def deploy(
    entrypoint: Annotated[
        str | None,
        typer.Argument(help="path/to/file.py:flow_function (default: prefect.yaml's deployments)"),
    ] = None,
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
    all_: Annotated[bool, typer.Option("--all", help="Every deployment of prefect.yaml.")] = False,
    prefect_file: Annotated[
        Path, typer.Option("--prefect-file", help="The project file to read.")
    ] = Path("prefect.yaml"),
) -> None:
    """Create or update a deployment of a flow (and say how to run it)."""
    from prefect_console.cli._group import fail

    options = opt.options_from(locals())
    if entrypoint is None:
        specs = _specs_from_project(prefect_file, name, all_)
        for spec in specs:  # a project's deployment without a pool takes -p, or asks
            if not spec.get("work_pool_name"):
                spec["work_pool_name"] = opt.ask_if_missing(
                    pool, "--pool", f"Work pool for deployment {spec['name']!r}"
                )
    else:
        if all_:
            raise fail("--all reads prefect.yaml: give it without an entrypoint", 2)
        _check_entrypoint(entrypoint)  # before asking anything
        options.name = opt.ask_if_missing(name, "--name", "Deployment name")
        options.pool = opt.ask_if_missing(pool, "--pool", "Work pool name")
        specs = [opt.build_from_options(entrypoint, options)]
    for spec in specs:
        _print_registered(register(spec))


def _check_entrypoint(entrypoint: str) -> None:
    from prefect.deployments.build import DeploymentSpecError, check_entrypoint

    from prefect_console.cli._group import fail

    try:
        check_entrypoint(entrypoint)
    except DeploymentSpecError as exc:
        raise fail(str(exc), 2) from None


def register(spec: dict[str, Any]) -> Registered:
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.deploy import register_spec

    return run_with_client(lambda client: register_spec(client, spec))


def _print_registered(done: Registered) -> None:
    pool = f" in work pool '{done.work_pool_name}'" if done.work_pool_name else ""
    sys.stdout.write(
        f"Deployment '{done.full_name}' ({done.deployment_id}) is ready{pool}.\n"
        f"Run it with:\n  prefect deployment run '{done.full_name}'\n"
    )
    if done.work_pool_name:
        start = f"prefect worker start -p '{done.work_pool_name}'"
        sys.stdout.write(f"A worker runs it; start one with:\n  {start}\n")


def _specs_from_project(path: Path, name: str | None, all_: bool) -> list[dict[str, Any]]:
    from prefect.deployments.build import DeploymentSpecError
    from prefect.deployments.project import read_project_specs

    from prefect_console.cli._group import fail

    if not path.is_file():
        raise fail(
            f"No entrypoint given and no {str(path)!r} here: pass path/to/file.py:flow_function",
            2,
        )
    try:
        specs = read_project_specs(path, names=None if all_ else ([name] if name else None))
    except DeploymentSpecError as exc:
        raise fail(str(exc), 2) from None
    if len(specs) > 1 and not all_ and not name:
        names = ", ".join(str(spec["name"]) for spec in specs)
        raise fail(
            f"{str(path)!r} lists {len(specs)} deployments ({names}): pick one with -n or --all", 2
        )
    return specs


def init(
    name: Annotated[
        str | None, typer.Option("--name", help="The project's name (default: this folder's).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a starter prefect.yaml in this folder."""
    from prefect.deployments.project import starter_project

    from prefect_console.cli._group import fail

    path = Path("prefect.yaml")
    if path.exists() and not force:
        raise fail("prefect.yaml already exists here (pass --force to overwrite it)")
    path.write_text(starter_project(name or Path.cwd().name, Path.cwd()))
    sys.stdout.write(
        f"Wrote {path.resolve()}: add your deployments, then `prefect deploy --all`.\n"
    )
