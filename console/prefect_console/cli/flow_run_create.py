"""`prefect flow-run create FLOW`: run a flow here (FLOW is `file.py:func`) or create a run
of a flow's deployment (FLOW is a flow's name). Added to the `flow-run` group by it."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.deployments import Deployment


def create(
    flow: Annotated[
        str,
        typer.Argument(
            metavar="FLOW", help="path/to/file.py:flow_function (run here) or a flow's name."
        ),
    ],
    deployment: Annotated[
        str | None,
        typer.Option("--deployment", help="Which of the flow's deployments (by its name)."),
    ] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="A parameter key=value; repeatable.")
    ] = None,
    params: Annotated[str | None, typer.Option("--params", help="Parameters as JSON.")] = None,
    watch: Annotated[
        bool, typer.Option("--watch", help="Follow the run; exit 0 only if it Completes.")
    ] = False,
) -> None:
    """Run a flow: here in this process (an entrypoint) or through its deployment (a name)."""
    from prefect.deployments.build import (
        DeploymentSpecError,
        parse_json_object,
        parse_key_values,
    )

    from prefect_console.cli._group import fail

    try:
        parameters = {
            **parse_json_object(params, "--params"),
            **parse_key_values(param or [], "--param"),
        }
    except DeploymentSpecError as exc:
        raise fail(str(exc), 2) from None
    location, sep, func = flow.rpartition(":")
    if sep and location.endswith(".py") and func:
        if deployment is not None:
            raise fail("--deployment applies to a flow's name, not an entrypoint", 2)
        _run_here(flow, parameters)
        return
    _run_deployment(flow, deployment, parameters, watch)


def _run_here(entrypoint: str, parameters: dict[str, Any]) -> None:
    from prefect.deployments.entrypoints import EntrypointError, load_flow_from_entrypoint

    from prefect_console.cli._group import fail

    try:
        flow = load_flow_from_entrypoint(entrypoint)
    except EntrypointError as exc:
        raise fail(str(exc), 2) from None
    state = flow(**parameters, return_state=True)
    run_id = state.state_details.flow_run_id if state.state_details else None
    sys.stdout.write(f"Flow run {run_id} of '{flow.name}' finished: {state.name}\n")
    if not state.is_completed():
        raise fail(f"Flow run '{run_id}' finished in state {state.name}")


def _run_deployment(
    flow_name: str, deployment: str | None, parameters: dict[str, Any], watch: bool
) -> None:
    from prefect_console.cli._output import run_with_client
    from prefect_console.cli.deployment_actions import _watch
    from prefect_console.ops.deployment_actions import run_deployment

    async def go(client: PrefectClient) -> Any:
        chosen = await _choose(client, flow_name, deployment)
        return await run_deployment(client, chosen.id, parameters=parameters)

    flow_run = run_with_client(go)
    sys.stdout.write(f"Created flow run '{flow_run.name}' ({flow_run.id}).\n")
    sys.stdout.flush()
    if watch:
        _watch(flow_run.id, 1.0)


async def _choose(client: PrefectClient, flow_name: str, name: str | None) -> Deployment:
    from prefect_console.ops.deployments import list_deployments
    from prefect_console.ops.errors import ConsoleError, NotFound

    found = (await list_deployments(client, flow_name=[flow_name])).deployments
    if name is not None:
        found = [d for d in found if d.name == name]
    if not found:
        which = f"named {name!r} " if name else ""
        raise NotFound(
            f"Flow {flow_name!r} has no deployment {which}(deploy it with `prefect deploy`)"
        )
    if len(found) > 1:
        names = ", ".join(sorted(d.name for d in found))
        raise ConsoleError(
            f"Flow {flow_name!r} has several deployments ({names}): choose one with --deployment",
            usage=True,
        )
    return found[0]
