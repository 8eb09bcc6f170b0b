"""Base job templates of work pools: the defaults of each pool type, and their rendering.

A base job template has Prefect 3's shape: `variables`, a JSON schema whose properties
(with their defaults) are what a deployment or a run may set as job variables, and
`job_configuration`, the document a worker acts on, with `{{ name }}` placeholders:

    >>> template = default_base_job_template("process")
    >>> render_job_configuration(template, {"env": {"MODE": "fast"}})["env"]
    {'MODE': 'fast'}

Rendering follows Prefect 3:
- the variables are the schema's defaults (those that are not null) updated by the given
  job variables; `env` is merged key by key (given keys win) where Prefect replaces the
  other variables whole; a given key with dots (`"env.MODE"`) sets a nested value;
- a string that is exactly one placeholder takes the variable's value with its type (a
  dict stays a dict, 3 stays 3); a placeholder inside a longer string is replaced by the
  value as text;
- a placeholder of a variable with neither a value nor a default drops its key (or its
  list item), so that the worker's own default applies; inside a longer string it becomes
  the empty text;
- `{{ $NAME }}` takes the environment variable NAME; `{{ prefect.variables.x }}` and
  `{{ prefect.blocks.t.n }}` are left for the worker to resolve through the API.

The worker merges a deployment's job variables with its run's (`merge_job_variables`)
before rendering. This module is pure (standard library only): the server uses it for the
default template of a new pool.
"""

from __future__ import annotations

import copy
import json
import os
import re
import sys
from collections.abc import Mapping
from typing import Any

__all__ = [
    "POOL_TYPES",
    "UnknownPoolType",
    "default_base_job_template",
    "default_image",
    "merge_job_variables",
    "render_job_configuration",
    "variable_defaults",
]

POOL_TYPES = ("process", "docker", "kubernetes")

# Prefect's placeholder grammar: a name with dots, dashes, brackets and `$`
_PLACEHOLDER = re.compile(r"{{\s*([\w.\-\[\]$]+)\s*}}")
_MISSING: Any = object()


class UnknownPoolType(ValueError):
    def __init__(self, pool_type: str) -> None:
        super().__init__(
            f"Unknown work pool type {pool_type!r}: choose one of {', '.join(POOL_TYPES)}"
        )
        self.pool_type = pool_type


# -- the default templates --------------------------------------------------------------


def default_image() -> str:
    """The image Prefect's docker and kubernetes workers default to, for this Python."""
    from prefect import PREFECT_COMPATIBLE_VERSION

    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    return f"prefecthq/prefect:{PREFECT_COMPATIBLE_VERSION}-python{version}"


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _var(title: str, description: str, schema: dict[str, Any], **default: Any) -> dict[str, Any]:
    """One property of the variables schema; `default=...` when it has one."""
    return {"title": title, "description": description, **schema, **default}


_STRING = {"type": "string"}
_PULL_POLICY = {"type": "string", "enum": ["IfNotPresent", "Always", "Never"]}


def _common() -> dict[str, dict[str, Any]]:
    """The variables every worker type has (Prefect's base variables)."""
    return {
        "name": _var(
            "Name",
            "A name for what the worker creates (process, container, job).",
            _nullable(_STRING),
            default=None,
        ),
        "env": _var(
            "Environment Variables",
            "Environment variables of the flow run, merged over the worker's.",
            {"type": "object", "additionalProperties": _nullable(_STRING)},
            default={},
        ),
        "labels": _var(
            "Labels",
            "Labels put on what the worker creates.",
            {"type": "object", "additionalProperties": _STRING},
            default={},
        ),
        "command": _var(
            "Command",
            "The command that starts the flow run; leave empty for the worker's own.",
            _nullable(_STRING),
            default=None,
        ),
    }


def _stream_output() -> dict[str, Any]:
    return _var(
        "Stream Output",
        "Copy the flow run's output to the worker's standard output.",
        {"type": "boolean"},
        default=True,
    )


def _process_variables() -> dict[str, dict[str, Any]]:
    return {
        **_common(),
        "stream_output": _stream_output(),
        "working_dir": _var(
            "Working Directory",
            "Where the flow run's process starts; a temporary directory when empty.",
            _nullable({"type": "string", "format": "path"}),
            default=None,
        ),
    }


def _docker_variables() -> dict[str, dict[str, Any]]:
    size = {"anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "null"}]}
    return {
        **_common(),
        "image": _var(
            "Image", "The image of the flow run's container.", _STRING, default=default_image()
        ),
        "image_pull_policy": _var(
            "Image Pull Policy",
            "When to pull the image: IfNotPresent, Always or Never.",
            _nullable(_PULL_POLICY),
            default=None,
        ),
        "networks": _var(
            "Networks",
            "Docker networks the container joins.",
            {"type": "array", "items": _STRING},
            default=[],
        ),
        "network_mode": _var(
            "Network Mode",
            "The container's network mode (bridge, host, none...).",
            _nullable(_STRING),
            default=None,
        ),
        "auto_remove": _var(
            "Auto Remove",
            "Remove the container once it has exited.",
            {"type": "boolean"},
            default=False,
        ),
        "volumes": _var(
            "Volumes",
            'Volumes to mount, as "host_path:container_path".',
            {"type": "array", "items": _STRING},
            default=[],
        ),
        "stream_output": _stream_output(),
        "mem_limit": _var(
            "Memory Limit",
            'Memory limit of the container: bytes, or a size such as "512m".',
            {"anyOf": [{"type": "number"}, {"type": "string"}, {"type": "null"}]},
            default=None,
        ),
        "memswap_limit": _var(
            "Memory and Swap Limit",
            "Memory plus swap the container may use; -1 for no limit on swap.",
            size,
            default=None,
        ),
        "privileged": _var(
            "Privileged",
            "Run the container in privileged mode.",
            {"type": "boolean"},
            default=False,
        ),
        "container_create_kwargs": _var(
            "Container Configuration",
            "More arguments for creating the container (Docker SDK names).",
            _nullable({"type": "object"}),
            default=None,
        ),
        "registry_credentials": _var(
            "Registry Credentials",
            "Credentials for a private registry (username, password, registry_url).",
            _nullable({"type": "object"}),
            default=None,
        ),
    }


def _kubernetes_variables() -> dict[str, dict[str, Any]]:
    seconds = _nullable({"type": "integer"})
    return {
        **_common(),
        "namespace": _var(
            "Namespace", "The namespace of the job.", {"type": "string"}, default="default"
        ),
        "image": _var(
            "Image",
            "The image of the job's container.",
            _nullable(_STRING),
            default=default_image(),
        ),
        "service_account_name": _var(
            "Service Account Name",
            "The service account the job's pod runs as.",
            _nullable(_STRING),
            default=None,
        ),
        "image_pull_policy": _var(
            "Image Pull Policy",
            "When to pull the image: IfNotPresent, Always or Never.",
            _PULL_POLICY,
            default="IfNotPresent",
        ),
        "finished_job_ttl": _var(
            "Finished Job TTL",
            "Seconds a finished job is kept before Kubernetes removes it; kept when empty.",
            seconds,
            default=None,
        ),
        "job_watch_timeout_seconds": _var(
            "Job Watch Timeout",
            "Seconds to watch the job before giving up; no limit when empty.",
            seconds,
            default=None,
        ),
        "pod_watch_timeout_seconds": _var(
            "Pod Watch Timeout",
            "Seconds to wait for the job's pod to start.",
            {"type": "integer"},
            default=60,
        ),
        "stream_output": _stream_output(),
        "cluster_config": _var(
            "Cluster Config",
            "How to reach the cluster (a kubeconfig); in-cluster or ~/.kube when empty.",
            _nullable({"type": "object"}),
            default=None,
        ),
    }


def _kubernetes_job_manifest() -> dict[str, Any]:
    container = {
        "name": "prefect-job",
        "env": "{{ env }}",
        "image": "{{ image }}",
        "imagePullPolicy": "{{ image_pull_policy }}",
        "args": "{{ command }}",
    }
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "labels": "{{ labels }}",
            "namespace": "{{ namespace }}",
            "generateName": "{{ name }}-",
        },
        "spec": {
            "backoffLimit": 0,
            "ttlSecondsAfterFinished": "{{ finished_job_ttl }}",
            "template": {
                "spec": {
                    "parallelism": 1,
                    "completions": 1,
                    "restartPolicy": "Never",
                    "serviceAccountName": "{{ service_account_name }}",
                    "containers": [container],
                }
            },
        },
    }


def _each_placeholder(names: list[str]) -> dict[str, Any]:
    return {name: "{{ " + name + " }}" for name in names}


def default_base_job_template(pool_type: str) -> dict[str, Any]:
    """The base job template a new pool of `pool_type` gets (a fresh copy each call)."""
    if pool_type == "process":
        variables = _process_variables()
        configuration = _each_placeholder(sorted(variables))
    elif pool_type == "docker":
        variables = _docker_variables()
        configuration = _each_placeholder(sorted(variables))
    elif pool_type == "kubernetes":
        variables = _kubernetes_variables()
        top = ["command", "env", "labels", "name", "namespace"]
        configuration = {
            **_each_placeholder(top),
            "job_manifest": _kubernetes_job_manifest(),
            **_each_placeholder(
                [
                    "cluster_config",
                    "job_watch_timeout_seconds",
                    "pod_watch_timeout_seconds",
                    "stream_output",
                ]
            ),
        }
    else:
        raise UnknownPoolType(pool_type)
    return {
        "job_configuration": configuration,
        "variables": {"type": "object", "properties": variables},
    }


# -- rendering ----------------------------------------------------------------------------


def variable_defaults(template: Mapping[str, Any]) -> dict[str, Any]:
    """The defaults of the template's variables, leaving out null ones (as Prefect does:
    a variable without a value drops its key, so that the worker's default applies)."""
    properties = (template.get("variables") or {}).get("properties") or {}
    return {
        name: copy.deepcopy(spec["default"])
        for name, spec in properties.items()
        if isinstance(spec, Mapping) and spec.get("default") is not None
    }


def merge_job_variables(*layers: Mapping[str, Any] | None) -> dict[str, Any]:
    """Job variables of several levels (a deployment's, then its run's): a later level
    replaces a variable whole, except `env`, whose names are merged (later ones win)."""
    merged: dict[str, Any] = {}
    for layer in layers:
        for name, value in (layer or {}).items():
            before = merged.get(name)
            if name == "env" and isinstance(before, dict) and isinstance(value, Mapping):
                merged[name] = {**before, **value}
            else:
                merged[name] = copy.deepcopy(value)
    return merged


def render_job_configuration(
    template: Mapping[str, Any],
    job_variables: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The job configuration of `template` with its placeholders filled from the variables'
    defaults and `job_variables` (see the module's docstring). An empty template (a pool
    whose worker brings its own) renders as an empty configuration.
    """
    if not template:
        return {}
    configuration = copy.deepcopy(dict(template.get("job_configuration") or {}))
    variables = variable_defaults(template)
    # default env names join a fixed env of the configuration (or replace its placeholder)
    default_env = variables.get("env")
    if isinstance(default_env, dict) and default_env:
        fixed = configuration.get("env")
        configuration["env"] = {**fixed, **default_env} if isinstance(fixed, dict) else default_env
    variables.update(_expand_dotted(job_variables or {}))
    given_env = variables.get("env")
    if isinstance(configuration.get("env"), dict) and isinstance(given_env, dict):
        configuration["env"] = {**configuration["env"], **given_env}
    rendered = _apply(configuration, variables, os.environ if environ is None else environ)
    return rendered if isinstance(rendered, dict) else {}


def _expand_dotted(values: Mapping[str, Any]) -> dict[str, Any]:
    """`{"env.MODE": "x"}` -> `{"env": {"MODE": "x"}}`; a plain key wins over dotted ones,
    merged with them where both are dicts."""
    nested: dict[str, Any] = {}
    for key, value in values.items():
        if "." in key:
            *parents, last = key.replace("[", ".").replace("]", "").split(".")
            node = nested
            for part in parents:
                child = node.get(part)
                if not isinstance(child, dict):
                    child = node[part] = {}
                node = child
            node[last] = copy.deepcopy(value)
    for key, value in values.items():
        if "." not in key:
            before = nested.get(key)
            if isinstance(before, dict) and isinstance(value, Mapping):
                nested[key] = _deep_merge(before, value)
            else:
                nested[key] = copy.deepcopy(value)
    return nested


def _deep_merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        before = merged.get(key)
        if isinstance(before, dict) and isinstance(value, Mapping):
            merged[key] = _deep_merge(before, value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _apply(node: Any, variables: Mapping[str, Any], environ: Mapping[str, str]) -> Any:
    """`node` with its placeholders filled; _MISSING where a whole value has none."""
    if isinstance(node, str):
        return _apply_text(node, variables, environ)
    if isinstance(node, dict):
        filled = {key: _apply(value, variables, environ) for key, value in node.items()}
        return {key: value for key, value in filled.items() if value is not _MISSING}
    if isinstance(node, list):
        items = [_apply(item, variables, environ) for item in node]
        return [item for item in items if item is not _MISSING]
    return node


def _apply_text(text: str, variables: Mapping[str, Any], environ: Mapping[str, str]) -> Any:
    whole = _PLACEHOLDER.fullmatch(text)
    if whole is not None and _kind(whole.group(1)) == "variable":
        value = _lookup(variables, whole.group(1))
        return value if value is _MISSING else copy.deepcopy(value)

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        kind = _kind(name)
        if kind == "api":
            return match.group(0)
        value = environ.get(name[1:], _MISSING) if kind == "env" else _lookup(variables, name)
        return "" if value is _MISSING else _as_text(value)

    return _PLACEHOLDER.sub(replace, text)


def _kind(name: str) -> str:
    if name.startswith("prefect."):
        return "api"  # a block or a Prefect variable: the worker resolves it with a client
    if name.startswith("$"):
        return "env"
    return "variable"


def _lookup(variables: Mapping[str, Any], path: str) -> Any:
    """The value at `a.b[0]` in the variables, or _MISSING."""
    node: Any = variables
    for part in path.replace("[", ".").replace("]", "").split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif (
            isinstance(node, list)
            and part.lstrip("-").isdigit()
            and -len(node) <= int(part) < len(node)
        ):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def _as_text(value: Any) -> str:
    # JSON for containers (Prefect writes Python's repr, which nothing can read back)
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)
