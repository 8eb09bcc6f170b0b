"""Write flows for Prefect 3; run them here with a fraction of the overhead.

    from prefect import flow, task

    @task
    def add(x: int, y: int) -> int:
        return x + y

    @flow(log_prints=True)
    def hello(name: str = "world") -> int:
        print(f"hello {name}")
        return add(1, 2)

Importing this package is cheap: the names below load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
# the Prefect release whose API this one speaks: servers report it as their version, since
# Prefect 3 clients refuse a server whose major version is not theirs
PREFECT_COMPATIBLE_VERSION = "3.9.1"

# public name -> module that defines it
_LAZY: dict[str, str] = {
    "Flow": "prefect.flows",
    "flow": "prefect.flows",
    "Task": "prefect.tasks",
    "task": "prefect.tasks",
    "State": "prefect.schemas.objects",
    "get_client": "prefect.client.orchestration",
    "get_run_logger": "prefect.logging",
    "tags": "prefect.context",
    "unmapped": "prefect.utilities.annotations",
    "allow_failure": "prefect.utilities.annotations",
    "PrefectFuture": "prefect.futures",
    "pause_flow_run": "prefect.flow_runs",
    "resume_flow_run": "prefect.flow_runs",
    "suspend_flow_run": "prefect.flow_runs",
    "serve": "prefect.deployments.serve",
    "deploy": "prefect.deployments.runner",
    # submodules reachable as attributes (`prefect.runtime.flow_run.id`), as in Prefect 3
    "artifacts": "prefect.artifacts",
    "runtime": "prefect.runtime",
    "variables": "prefect.variables",
}

__all__ = sorted([*_LAZY, "PREFECT_COMPATIBLE_VERSION", "__version__"])

if TYPE_CHECKING:
    from prefect import artifacts, runtime, variables
    from prefect.client.orchestration import get_client
    from prefect.context import tags
    from prefect.deployments.runner import deploy
    from prefect.deployments.serve import serve
    from prefect.flow_runs import pause_flow_run, resume_flow_run, suspend_flow_run
    from prefect.flows import Flow, flow
    from prefect.futures import PrefectFuture
    from prefect.logging import get_run_logger
    from prefect.schemas.objects import State
    from prefect.tasks import Task, task
    from prefect.utilities.annotations import allow_failure, unmapped


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'prefect' has no attribute {name!r}")
    imported = importlib.import_module(module)
    value = imported if module == f"prefect.{name}" else getattr(imported, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
