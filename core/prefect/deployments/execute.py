"""`prefect flow-run execute`: the process a worker starts for one run of a deployment.

It reads the run and its deployment, gets the code (the deployment's pull steps, or its
`path`), imports the entrypoint's flow and runs it on that run with the run's parameters.
When the code cannot be had (a step fails, the entrypoint names no flow) the run is set
Failed with the reason, instead of leaving the worker to report an exit code.

The exit code: 0 when the run ended Completed, 1 otherwise, 143 when a SIGTERM stopped
the process before the flow started (the worker then reports the run).
"""

from __future__ import annotations

import logging
import os
import signal
import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.flows import Flow
    from prefect.schemas.deployments import Deployment
    from prefect.schemas.objects import FlowRun

__all__ = ["FLOW_RUN_ID_ENV", "execute_flow_run", "load_deployment_flow"]

# the variable Prefect's workers set for the process they start
FLOW_RUN_ID_ENV = "PREFECT__FLOW_RUN_ID"

logger = logging.getLogger("prefect.deployments.execute")


def execute_flow_run(flow_run_id: uuid.UUID | str | None = None) -> int:
    """Run the flow of run `flow_run_id` (default: $PREFECT__FLOW_RUN_ID); an exit code."""
    from prefect.engine.existing_run import TerminationSignal, terminate_on_sigterm
    from prefect.logging.loggers import setup_logging

    setup_logging()
    raw = flow_run_id or os.environ.get(FLOW_RUN_ID_ENV)
    if not raw:
        raise ValueError(f"No flow run id given (argument or ${FLOW_RUN_ID_ENV})")
    run_id = raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw))
    with terminate_on_sigterm():
        try:
            return _execute(run_id)
        except TerminationSignal:
            logger.warning("Flow run %s stopped by SIGTERM before its flow started", run_id)
            return 128 + signal.SIGTERM


def _execute(run_id: uuid.UUID) -> int:
    from prefect.client._loop import run_sync
    from prefect.engine import api
    from prefect.engine.existing_run import run_existing_flow_run

    client = run_sync(api.ensure_engine_client(api.target_key()))
    run = run_sync(client.read_flow_run(run_id))
    if run.state is not None and run.state.is_final():
        logger.warning("Flow run %s is already %s; nothing to run", run_id, run.state.name)
        return 0 if run.state.is_completed() else 1
    try:
        if run.deployment_id is None:
            raise ValueError("the run belongs to no deployment")
        deployment = run_sync(client.read_deployment(run.deployment_id))
        flow = load_deployment_flow(deployment, _resolver(client))
    except Exception as exc:
        message = f"Flow could not be loaded: {exc}"
        logger.error("Flow run %s: %s", run_id, message)
        _fail(client, run, message)
        return 1
    final = run_existing_flow_run(flow, run)
    return 0 if final.is_completed() else 1


def load_deployment_flow(deployment: Deployment, resolve: Any = None) -> Flow[..., Any]:
    """Get the deployment's code into the current directory (pull steps, else its `path`)
    and load its entrypoint's flow. The process ends up in the code's folder."""
    from prefect.deployments.entrypoints import load_flow_from_entrypoint
    from prefect.deployments.steps import run_steps, working_directory

    if deployment.pull_steps:
        logger.info("Running %d pull step(s)", len(deployment.pull_steps))
        outputs = run_steps(deployment.pull_steps, resolve=resolve)
        directory = working_directory(outputs)
        if directory:
            os.chdir(directory)
    elif deployment.path:
        os.chdir(deployment.path)
    if not deployment.entrypoint:
        raise ValueError(f"deployment {deployment.name!r} has no entrypoint")
    return load_flow_from_entrypoint(deployment.entrypoint)


def _fail(client: PrefectClient, run: FlowRun, message: str) -> None:
    from prefect.client._loop import run_sync
    from prefect.states import Failed

    try:
        run_sync(client.set_flow_run_state(run.id, Failed(message=message)))
    except Exception as exc:  # the exit code still tells the worker
        logger.error("Could not set flow run %s Failed: %s", run.id, exc)


def _resolver(client: PrefectClient) -> Any:
    """Fills `{{ prefect.variables.name }}` and `{{ prefect.blocks.type.name }}` in steps."""
    from prefect.client._loop import run_sync

    def resolve(name: str) -> Any:
        parts = name.split(".")
        if len(parts) == 3 and parts[1] == "variables":
            variable = run_sync(client.read_variable_by_name(parts[2]))
            if variable is None:
                raise ValueError(f"variable {parts[2]!r} not found (step placeholder {name})")
            return variable.value
        if len(parts) == 4 and parts[1] == "blocks":
            from prefect.blocks.core import Block

            block = Block.load(f"{parts[2]}/{parts[3]}", _sync=True)
            getter = getattr(block, "get", None)
            return getter() if callable(getter) else block
        raise ValueError(f"cannot fill the placeholder {{{{ {name} }}}}")

    return resolve
