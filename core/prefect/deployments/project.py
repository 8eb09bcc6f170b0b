"""`prefect.yaml`: a project's deployments, as Prefect 3 lays the file out.

    name: shop
    pull:
    - prefect.deployments.steps.set_working_directory:
        directory: /srv/shop
    deployments:
    - name: nightly
      entrypoint: flows/etl.py:nightly
      work_pool: {name: local, work_queue_name: null, job_variables: {}}
      schedules: [{cron: "0 2 * * *", timezone: Europe/Paris}]
      parameters: {}

Entrypoints are relative to the file's folder. A deployment's own `pull` list, else the
file's, becomes its pull steps; with neither, the working directory is the file's folder.
`build` and `push` sections are read but not run: a local project has nothing to build
or push (a non-empty one is refused rather than silently skipped).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from prefect.deployments.build import DeploymentSpecError, build_spec, schedule_dicts

__all__ = ["read_project_specs", "starter_project"]

_SCHEDULE_KEYS = {"cron", "interval", "rrule", "timezone", "anchor_date", "active"}


def starter_project(name: str, folder: Path) -> str:
    """The text of a starter prefect.yaml for `folder`."""
    import yaml

    body: dict[str, Any] = {
        "name": name,
        "prefect-version": "3",
        "build": None,
        "push": None,
        "pull": [{"prefect.deployments.steps.set_working_directory": {"directory": str(folder)}}],
        "deployments": [
            {
                "name": None,
                "version": None,
                "tags": [],
                "description": None,
                "entrypoint": None,
                "parameters": {},
                "work_pool": {"name": None, "work_queue_name": None, "job_variables": {}},
                "schedules": [],
            }
        ],
    }
    header = (
        "# Deployments of this project: fill in name, entrypoint (path/to/file.py:flow)\n"
        "# and work_pool.name, then run `prefect deploy --all`.\n"
    )
    return header + str(yaml.safe_dump(body, sort_keys=False))


def read_project_specs(path: Path, names: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Deployment specs for the deployments in `path` (only those in `names` if given)."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise DeploymentSpecError(f"{str(path)!r} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise DeploymentSpecError(f"{str(path)!r} must be a mapping with a 'deployments' list")
    for section in ("build", "push"):
        if data.get(section):
            raise DeploymentSpecError(
                f"{str(path)!r}: '{section}' steps are not supported; deploy local code"
            )
    folder = path.resolve().parent
    entries = [d for d in data.get("deployments") or [] if isinstance(d, dict)]
    if names is not None:
        entries = [d for d in entries if d.get("name") in names]
        missing = sorted(set(names) - {d.get("name") for d in entries})
        if missing:
            raise DeploymentSpecError(f"{str(path)!r} has no deployment named {missing[0]!r}")
    if not entries:
        raise DeploymentSpecError(f"{str(path)!r} lists no deployments")
    return [_spec(entry, folder, data.get("pull")) for entry in entries]


def _spec(entry: dict[str, Any], folder: Path, pull: Any) -> dict[str, Any]:
    name, entrypoint = entry.get("name"), entry.get("entrypoint")
    if not name or not entrypoint:
        raise DeploymentSpecError("A deployment in prefect.yaml needs a name and an entrypoint")
    location, _, func = str(entrypoint).rpartition(":")
    pool = entry.get("work_pool") or {}
    schedules: list[dict[str, Any]] = []
    for item in entry.get("schedules") or []:
        if not isinstance(item, dict) or set(item) - _SCHEDULE_KEYS:
            raise DeploymentSpecError(f"Deployment {name!r}: bad schedule {item!r}")
        made = schedule_dicts(
            cron=[item["cron"]] if item.get("cron") else [],
            interval=[float(item["interval"])] if item.get("interval") else [],
            rrule=[item["rrule"]] if item.get("rrule") else [],
            timezone=item.get("timezone") or "UTC",
            anchor_date=item.get("anchor_date"),
        )
        for schedule in made:
            schedule["active"] = bool(item.get("active", True))
        schedules.extend(made)
    concurrency = entry.get("concurrency_limit")
    strategy = None
    if isinstance(concurrency, dict):
        strategy = concurrency.get("collision_strategy")
        concurrency = concurrency.get("limit")
    spec = build_spec(
        f"{folder / location}:{func}",
        name=str(name),
        work_pool_name=pool.get("name"),
        work_queue_name=pool.get("work_queue_name"),
        schedules=schedules,
        parameters=entry.get("parameters") or {},
        job_variables=pool.get("job_variables") or {},
        tags=entry.get("tags") or [],
        version=entry.get("version"),
        description=entry.get("description"),
        concurrency_limit=concurrency,
        collision_strategy=strategy,
        enforce_parameter_schema=bool(entry.get("enforce_parameter_schema", False)),
    )
    steps = entry.get("pull") if entry.get("pull") is not None else pull
    if steps:
        if not isinstance(steps, list):
            raise DeploymentSpecError(f"Deployment {name!r}: 'pull' must be a list of steps")
        # the steps give the working directory: the entrypoint is relative to the project
        spec.update(path=str(folder), entrypoint=str(entrypoint), pull_steps=steps)
    return spec
