"""Attributes of the current task run (`prefect.runtime.task_run.<name>`).

id, name, task_name, run_count, parameters, tags, api_url, ui_url.
"""

from __future__ import annotations

from typing import Any


def _ctx() -> Any:
    from prefect.context import get_task_run_context

    return get_task_run_context()


def _id() -> str | None:
    ctx = _ctx()
    return str(ctx.task_run.id) if ctx else None


def _name() -> str | None:
    ctx = _ctx()
    return ctx.task_run.name if ctx else None


def _task_name() -> str | None:
    ctx = _ctx()
    return ctx.task.name if ctx else None


def _run_count() -> int:
    ctx = _ctx()
    return int(ctx.task_run.run_count) if ctx else 0


def _parameters() -> dict[str, Any]:
    ctx = _ctx()
    return dict(ctx.parameters) if ctx else {}


def _tags() -> list[str]:
    ctx = _ctx()
    return list(ctx.task_run.tags) if ctx else []


def _api_url() -> str | None:
    from prefect.runtime._urls import api_url

    return api_url()


def _ui_url() -> str | None:
    from prefect.runtime._urls import run_url

    ctx = _ctx()
    return run_url("task-run", ctx.task_run.id) if ctx else None


_GETTERS = {
    "id": _id,
    "name": _name,
    "task_name": _task_name,
    "run_count": _run_count,
    "parameters": _parameters,
    "tags": _tags,
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
