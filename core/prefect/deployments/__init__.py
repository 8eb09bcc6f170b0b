"""Deployments: what a worker does to get a deployment's code before running its flow.

`prefect.deployments.steps` holds the pull steps a deployment names in `pull_steps`
(`set_working_directory`, `git_clone`, `run_shell_script`) and `run_steps`, which runs
them in order. Nothing is imported here: `import prefect` does not load this package,
and the public names below (`run_deployment`, ...) load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "run_deployment": "prefect.deployments.run",
    "arun_deployment": "prefect.deployments.run",
    "RunnerDeployment": "prefect.deployments.runner",
    "deploy": "prefect.deployments.runner",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'prefect.deployments' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
