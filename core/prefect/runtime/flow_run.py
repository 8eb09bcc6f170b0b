"""Attributes of the current flow run (`prefect.runtime.flow_run.<name>`).

id, name, flow_name, flow_version, parameters, tags, run_count, scheduled_start_time,
parent_flow_run_id, parent_deployment_id (always None here), root_flow_run_id,
deployment_id, job_variables, api_url, ui_url.
"""

from __future__ import annotations

from typing import Any


def _ctx() -> Any:
    from prefect.context import get_flow_run_context

    return get_flow_run_context()


def _id() -> str | None:
    ctx = _ctx()
    return str(ctx.flow_run.id) if ctx else None


def _name() -> str | None:
    ctx = _ctx()
    return ctx.flow_run.name if ctx else None


def _flow_name() -> str | None:
    ctx = _ctx()
    return ctx.flow.name if ctx else None


def _parameters() -> dict[str, Any]:
    ctx = _ctx()
    return dict(ctx.parameters) if ctx else {}


def _tags() -> list[str]:
    ctx = _ctx()
    return list(ctx.flow_run.tags) if ctx else []


def _run_count() -> int:
    ctx = _ctx()
    return int(ctx.flow_run.run_count) if ctx else 0


def _scheduled_start_time() -> Any:
    from prefect._time import now

    ctx = _ctx()
    if ctx is None:
        return now()
    run = ctx.flow_run
    return run.expected_start_time or run.start_time or run.created or now()


def _parent_flow_run_id() -> str | None:
    ctx = _ctx()
    if ctx is None or ctx.parent_flow_run_id is None:
        return None
    return str(ctx.parent_flow_run_id)


def _deployment_id() -> str | None:
    ctx = _ctx()
    if ctx is None or ctx.flow_run.deployment_id is None:
        return None
    return str(ctx.flow_run.deployment_id)


def _flow_version() -> str | None:
    ctx = _ctx()
    if ctx is None:
        return None
    version = ctx.flow_run.flow_version or ctx.flow.version
    return str(version) if version is not None else None


def _root_flow_run_id() -> str | None:
    ctx = _ctx()
    if ctx is None:
        return None
    return str(ctx.root_flow_run_id or ctx.flow_run.id)


def _job_variables() -> dict[str, Any] | None:
    ctx = _ctx()
    return dict(ctx.flow_run.job_variables or {}) if ctx else None


def _api_url() -> str | None:
    from prefect.runtime._urls import api_url

    return api_url()


def _ui_url() -> str | None:
    from prefect.runtime._urls import run_url

    ctx = _ctx()
    return run_url("flow-run", ctx.flow_run.id) if ctx else None


_GETTERS = {
    "id": _id,
    "name": _name,
    "flow_name": _flow_name,
    "parameters": _parameters,
    "tags": _tags,
    "run_count": _run_count,
    "scheduled_start_time": _scheduled_start_time,
    "parent_flow_run_id": _parent_flow_run_id,
    "parent_deployment_id": lambda: None,
    "deployment_id": _deployment_id,
    "flow_version": _flow_version,
    "root_flow_run_id": _root_flow_run_id,
    "job_variables": _job_variables,
    "api_url": _api_url,
    "ui_url": _ui_url,
}


def __getattr__(name: str) -> Any:
    getter = _GETTERS.get(name)
    if getter is None:
        raise AttributeError(f"{__name__} has no attribute {name!r}")
    return getter()


def __dir__() -> list[str]:
    return sorted(_GETTERS)
