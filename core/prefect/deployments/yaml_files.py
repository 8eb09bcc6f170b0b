"""Deployment YAML files: one written by `deployment build`, read by `deployment apply`.

A file holds one deployment as the mapping `build.build_spec` makes (API field names plus
`flow_name`), or a `deployments:` list of them. PyYAML is imported when a file is read or
written, not with `prefect`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect.deployments.build import DeploymentSpecError

__all__ = ["read_specs", "write_spec"]

REQUIRED = ("name", "flow_name", "entrypoint")


def write_spec(spec: dict[str, Any], path: Path) -> None:
    import yaml

    header = "# A deployment: register it with `prefect deployment apply FILE`\n"
    path.write_text(header + yaml.safe_dump(spec, sort_keys=False, default_flow_style=False))


def read_specs(path: Path) -> list[dict[str, Any]]:
    """The deployments in a file written by `write_spec` (or listing several)."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise DeploymentSpecError(f"Cannot read {str(path)!r}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise DeploymentSpecError(f"{str(path)!r} is not valid YAML: {exc}") from None
    items = data.get("deployments") if isinstance(data, dict) and "deployments" in data else [data]
    if not isinstance(items, list) or not items:
        raise DeploymentSpecError(f"{str(path)!r} holds no deployment")
    for item in items:
        if not isinstance(item, dict):
            raise DeploymentSpecError(f"{str(path)!r}: a deployment must be a mapping")
        missing = [key for key in REQUIRED if not item.get(key)]
        if missing:
            raise DeploymentSpecError(f"{str(path)!r}: a deployment lacks {', '.join(missing)}")
    return items
