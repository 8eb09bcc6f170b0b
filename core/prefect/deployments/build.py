"""A deployment described from an entrypoint and options, before any server sees it.

    >>> spec = build_spec("flows/etl.py:nightly", name="prod", work_pool_name="local")
    >>> spec["flow_name"], spec["entrypoint"]
    ('nightly', 'etl.py:nightly')

The flow is imported to learn its name and parameter schema. As Prefect does for a local
deployment, `path` is the entrypoint file's folder (absolute), the entrypoint is relative
to it, and the only pull step is `set_working_directory` to that folder. The result is a
plain dict of the fields `POST /deployments/` takes (plus `flow_name`), so that it can be
written to YAML (`deployment build`), read back (`deployment apply`) and registered.
Bad input raises `DeploymentSpecError` with a one-line reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prefect.flows import Flow

__all__ = [
    "COLLISION_STRATEGIES",
    "DeploymentSpecError",
    "build_spec",
    "check_entrypoint",
    "parse_key_values",
    "schedule_dicts",
]

COLLISION_STRATEGIES = ("ENQUEUE", "CANCEL_NEW")


class DeploymentSpecError(ValueError):
    """The entrypoint or an option cannot make a deployment; the message says why."""


def parse_key_values(pairs: Sequence[str], what: str) -> dict[str, Any]:
    """`k=v` pairs to a dict; a value that is JSON is read as JSON, else kept as text."""
    values: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise DeploymentSpecError(f"{what} {pair!r} must look like key=value")
        try:
            values[key.strip()] = json.loads(raw)
        except ValueError:
            values[key.strip()] = raw
    return values


def parse_json_object(text: str | None, what: str) -> dict[str, Any]:
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise DeploymentSpecError(f"{what} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise DeploymentSpecError(f"{what} must be a JSON object")
    return value


def schedule_dicts(
    *,
    cron: Sequence[str] = (),
    interval: Sequence[float] = (),
    rrule: Sequence[str] = (),
    timezone: str | None = "UTC",
    anchor_date: str | None = None,
) -> list[dict[str, Any]]:
    """Schedules as the API takes them, each validated (a bad cron fails here)."""
    from pydantic import ValidationError

    from prefect.schemas.schedules import construct_schedule

    if anchor_date is not None and not interval:
        raise DeploymentSpecError("--anchor-date only applies to an --interval schedule")
    made: list[dict[str, Any]] = []
    given: list[dict[str, Any]] = [
        *({"cron": c} for c in cron),
        *({"interval": timedelta(seconds=i), "anchor_date": anchor_date} for i in interval),
        *({"rrule": r} for r in rrule),
    ]
    for fields in given:
        if "interval" in fields and fields["interval"].total_seconds() <= 0:
            raise DeploymentSpecError("--interval must be a positive number of seconds")
        try:
            schedule = construct_schedule(timezone=timezone, **fields)
        except (ValidationError, ValueError) as exc:
            raise DeploymentSpecError(_first_error(exc)) from None
        made.append({"schedule": schedule.model_dump(mode="json"), "active": True})
    return made


def _first_error(exc: Exception) -> str:
    from pydantic import ValidationError

    if isinstance(exc, ValidationError) and exc.errors():
        return str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
    return str(exc)


def check_entrypoint(entrypoint: str) -> tuple[Path, str]:
    """The file and function an entrypoint names, the file checked to exist."""
    location, sep, func = entrypoint.rpartition(":")
    if not sep or not location.endswith(".py") or not func:
        raise DeploymentSpecError(
            f"Entrypoint {entrypoint!r} must look like 'path/to/file.py:flow_function'"
        )
    file = Path(location).expanduser()
    if not file.is_file():
        raise DeploymentSpecError(f"Entrypoint {entrypoint!r}: no file {location!r}")
    return file, func


def build_spec(
    entrypoint: str,
    *,
    name: str,
    work_pool_name: str | None = None,
    work_queue_name: str | None = None,
    schedules: Sequence[Mapping[str, Any]] = (),
    parameters: Mapping[str, Any] | None = None,
    job_variables: Mapping[str, Any] | None = None,
    tags: Sequence[str] = (),
    version: str | None = None,
    description: str | None = None,
    concurrency_limit: int | None = None,
    collision_strategy: str | None = None,
    enforce_parameter_schema: bool = False,
    flow: Flow[..., Any] | None = None,
) -> dict[str, Any]:
    """The deployment of the flow `entrypoint` names, as a dict of API fields.

    `flow`, when given, is that flow already loaded (`flow.to_deployment`): not imported
    a second time."""
    from prefect.deployments.entrypoints import EntrypointError, load_flow_from_entrypoint
    from prefect.utilities.callables import parameter_schema

    file, func = check_entrypoint(entrypoint)
    try:
        if flow is None:
            flow = load_flow_from_entrypoint(entrypoint)
    except EntrypointError as exc:
        raise DeploymentSpecError(str(exc)) from None
    if not name.strip():
        raise DeploymentSpecError("A deployment needs a name")
    if collision_strategy is not None and collision_strategy not in COLLISION_STRATEGIES:
        choices = ", ".join(COLLISION_STRATEGIES)
        raise DeploymentSpecError(f"--collision-strategy must be one of {choices}")
    if concurrency_limit is not None and concurrency_limit < 1:
        raise DeploymentSpecError("--concurrency-limit must be 1 or more")
    folder = file.resolve().parent
    schema = parameter_schema(flow.fn).model_dump(mode="json")
    known = set(schema.get("properties", {}))
    unknown = sorted(set(parameters or {}) - known)
    if unknown and enforce_parameter_schema:
        raise DeploymentSpecError(
            f"Flow {flow.name!r} has no parameter {unknown[0]!r} (it takes: "
            f"{', '.join(sorted(known)) or 'none'})"
        )
    spec: dict[str, Any] = {
        "name": name,
        "flow_name": flow.name,
        "entrypoint": f"{file.name}:{func}",
        "path": str(folder),
        "work_pool_name": work_pool_name,
        "work_queue_name": work_queue_name,
        "schedules": [dict(s) for s in schedules],
        "parameters": dict(parameters or {}),
        "parameter_openapi_schema": schema,
        "job_variables": dict(job_variables or {}),
        "tags": list(tags),
        "version": version,
        "description": description if description is not None else flow.description,
        "concurrency_limit": concurrency_limit,
        "enforce_parameter_schema": enforce_parameter_schema,
        "pull_steps": [
            {"prefect.deployments.steps.set_working_directory": {"directory": str(folder)}}
        ],
    }
    if collision_strategy is not None:
        spec["concurrency_options"] = {"collision_strategy": collision_strategy}
    return spec
