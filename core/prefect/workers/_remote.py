"""What the docker and kubernetes workers share: a flow run that runs away from the worker.

Such a run cannot use the worker's embedded store (it lives in the worker's process), so it
needs the API URL the worker uses; it gets the settings it needs through its environment,
not the worker's whole environment; and what the worker creates for it carries labels
naming the run, so that an operator can find it.
"""

from __future__ import annotations

import re
import shlex
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prefect.schemas.objects import FlowRun

__all__ = [
    "DEFAULT_COMMAND",
    "NoApiUrl",
    "command_of",
    "prefect_labels",
    "remote_environment",
    "required_api_url",
    "warn_without_api_url",
]

# `prefect flow-run execute` reads the run's id from PREFECT__FLOW_RUN_ID when given none
DEFAULT_COMMAND = ["prefect", "flow-run", "execute"]


class NoApiUrl(RuntimeError):
    """The worker has no API URL to hand to a run outside its process."""


def required_api_url(api_url: str | None, what: str) -> str:
    if not api_url:
        raise NoApiUrl(
            f"A flow run in a {what} cannot reach this worker's embedded store: start the "
            "worker with PREFECT_API_URL set to a server the flow run can reach "
            "(prefect server start)"
        )
    return api_url


def warn_without_api_url(api_url: str | None, what: str) -> None:
    """Said once at start: every run of this worker would end Crashed."""
    if not api_url:
        from prefect.workers.base import logger

        logger.warning(
            "This worker uses the embedded store (no PREFECT_API_URL): a flow run in a %s "
            "cannot reach it, so its runs will end Crashed. Point PREFECT_API_URL at a server.",
            what,
        )


def command_of(configuration: dict[str, Any]) -> list[str]:
    """The configuration's command as a list (a string is split as a shell would)."""
    given = configuration.get("command")
    if isinstance(given, list) and given:
        return [str(part) for part in given]
    if isinstance(given, str) and given.strip():
        return shlex.split(given)
    return list(DEFAULT_COMMAND)


def remote_environment(
    configuration: dict[str, Any], flow_run: FlowRun, api_url: str
) -> dict[str, str]:
    """The run's environment: the API settings, the run's id, then the configuration's
    `env` (a null value removes a name)."""
    from prefect.deployments.execute import FLOW_RUN_ID_ENV
    from prefect.settings import get_current_settings

    env: dict[str, str] = {"PREFECT_API_URL": api_url}
    settings = get_current_settings()
    for name in ("PREFECT_API_KEY", "PREFECT_API_AUTH_STRING"):
        value = settings.value_of(name)
        if value:
            env[name] = str(value)
    given = configuration.get("env")
    if isinstance(given, dict):
        for name, value in given.items():
            if value is None:
                env.pop(str(name), None)
            else:
                env[str(name)] = str(value)
    env[FLOW_RUN_ID_ENV] = str(flow_run.id)
    return env


def prefect_labels(flow_run: FlowRun) -> dict[str, str]:
    """Labels naming the run (Prefect's `prefect.io/...` names)."""
    labels = {
        "prefect.io/flow-run-id": str(flow_run.id),
        "prefect.io/flow-run-name": flow_run.name,
    }
    if flow_run.deployment_id is not None:
        labels["prefect.io/deployment-id"] = str(flow_run.deployment_id)
    if flow_run.flow_id is not None:
        labels["prefect.io/flow-id"] = str(flow_run.flow_id)
    return labels


def slug(text: str, *, allowed: str = r"a-zA-Z0-9_.-", limit: int = 63) -> str:
    """`text` with the characters a name may not hold replaced by dashes."""
    cleaned = re.sub(f"[^{allowed}]+", "-", text).strip("-_.")
    return cleaned[:limit].rstrip("-_.")
