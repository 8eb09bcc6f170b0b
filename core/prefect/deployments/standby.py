"""A flow-run process started before its run: `python -m prefect.deployments.standby`.

Most of the start of `prefect flow-run execute` is importing the SDK (the engine, the
client, the schemas). A process worker keeps one process that has done that already and
waits on its standard input; when a run arrives the worker writes one JSON line,

    {"flow_run_id": "...", "env": {...}, "cwd": "...", "stream_output": true}

and the process takes that environment (whole) and folder, and goes on exactly as
`prefect flow-run execute` would. An empty line or end of input ends it with status 0.
It was started in a session of its own and with the worker's death signal, as any flow
process of the worker.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

__all__ = ["main", "warm_up"]


def warm_up() -> None:
    """Import what every flow run needs (not the flow's own code, nor settings' values)."""
    import prefect.client.orchestration
    import prefect.deployments.entrypoints
    import prefect.deployments.execute
    import prefect.deployments.steps
    import prefect.engine.existing_run
    import prefect.flows
    import prefect.logging.handlers
    import prefect.schemas.deployments
    import prefect.states
    import prefect.tasks  # noqa: F401
    from prefect.client._httpx import import_httpx

    import_httpx()


def _take(order: dict[str, Any]) -> str:
    env = order.get("env")
    if isinstance(env, dict):
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in env.items()})
    cwd = order.get("cwd")
    if cwd:
        os.chdir(str(cwd))
    # the worker's pipe is not the flow's input
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    if order.get("stream_output") is False:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
    os.close(devnull)
    return str(order["flow_run_id"])


def main() -> int:
    # `python -m` put the worker's folder first on sys.path; `prefect flow-run execute`
    # would not have it there, and the flow's imports must not see it
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]
    warm_up()
    line = sys.stdin.readline()
    if not line.strip():
        return 0
    flow_run_id = _take(json.loads(line))
    from prefect.deployments.execute import execute_flow_run

    return execute_flow_run(flow_run_id)


if __name__ == "__main__":
    sys.exit(main())
