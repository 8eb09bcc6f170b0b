"""Worker classes by work pool type (`worker start -t TYPE`), imported when asked for."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prefect.workers.base import BaseWorker

__all__ = ["WORKER_TYPES", "UnknownWorkerType", "worker_class"]

# type -> "module:Class"; a type whose module is not there is reported as unavailable
WORKER_TYPES: dict[str, str] = {
    "process": "prefect.workers.process:ProcessWorker",
    "docker": "prefect.workers.docker:DockerWorker",
    "kubernetes": "prefect.workers.kubernetes:KubernetesWorker",
}


class UnknownWorkerType(ValueError):
    """No worker of that type here (unknown, or its module or extra is missing)."""


def worker_class(worker_type: str) -> type[BaseWorker]:
    target = WORKER_TYPES.get(worker_type)
    if target is None:
        known = ", ".join(WORKER_TYPES)
        raise UnknownWorkerType(f"Unknown worker type {worker_type!r}: choose one of {known}")
    module_name, _, name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UnknownWorkerType(
            f"No {worker_type!r} worker is available here ({exc}); "
            f'a {worker_type} pool needs its extra: pip install "prefect-console[{worker_type}]"'
        ) from None
    cls: type[BaseWorker] | None = getattr(module, name, None)
    if cls is None:
        raise UnknownWorkerType(f"No {worker_type!r} worker is available here")
    return cls
