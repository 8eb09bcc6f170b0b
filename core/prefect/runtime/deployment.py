"""Attributes of the deployment of the current flow run (`prefect.runtime.deployment.<name>`).

id, flow_run_id, name, version, parameters. All are empty (None, {}) outside a flow run or
for a run that was not created from a deployment. `name`, `version` and `parameters` are
read from the API on first use and kept for the rest of the run.
"""

from __future__ import annotations

import uuid
from typing import Any

# deployment id -> the deployment as read once from the API
_read: dict[uuid.UUID, Any] = {}


def _ctx() -> Any:
    from prefect.context import get_flow_run_context

    return get_flow_run_context()


def _deployment_id() -> uuid.UUID | None:
    ctx = _ctx()
    return ctx.flow_run.deployment_id if ctx else None


def _deployment() -> Any:
    deployment_id = _deployment_id()
    if deployment_id is None:
        return None
    found = _read.get(deployment_id)
    if found is None:
        from prefect.engine.user_api import call_sync

        found = _read[deployment_id] = call_sync(
            lambda client: client.read_deployment(deployment_id)
        )
    return found


def _id() -> str | None:
    deployment_id = _deployment_id()
    return str(deployment_id) if deployment_id else None


def _flow_run_id() -> str | None:
    ctx = _ctx()
    return str(ctx.flow_run.id) if ctx else None


def _name() -> str | None:
    deployment = _deployment()
    return deployment.name if deployment is not None else None


def _version() -> str | None:
    deployment = _deployment()
    return deployment.version if deployment is not None else None


def _parameters() -> dict[str, Any]:
    deployment = _deployment()
    return dict(deployment.parameters or {}) if deployment is not None else {}


_GETTERS = {
    "id": _id,
    "flow_run_id": _flow_run_id,
    "name": _name,
    "version": _version,
    "parameters": _parameters,
}


def __getattr__(name: str) -> Any:
    getter = _GETTERS.get(name)
    if getter is None:
        raise AttributeError(f"{__name__} has no attribute {name!r}")
    return getter()


def __dir__() -> list[str]:
    return sorted(_GETTERS)
