"""Printing the API's JSON as the models would, without the models.

`prefect flow-run ls -o json` prints `FlowRun.to_json_dict()` of each run the API sent.
Our server writes its answers with those very models, so what it sends is already what
the model would give back: the same keys in the same order, datetimes in pydantic's
form, durations as float seconds. A `Shape` lists what to check for that, model by
model; a document that passes is printed as it came, and anything else (another
server's fields, a datetime written another way) goes through the model after all.
The shapes are written out here, since importing the models is the cost being avoided;
tests/console/test_cli_fast.py derives them from the models and compares.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# how pydantic writes an aware datetime (UTC as Z, microseconds only when there are some)
_PYDANTIC_DATETIME = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?(Z|[+-](?!00:00)\d\d:\d\d)", re.ASCII
)


@dataclass(frozen=True)
class Shape:
    """What a model's `to_json_dict()` looks like, as far as a pass-through depends on it."""

    keys: tuple[str, ...]
    # fields whose default is None: a server of ours from before such a field was added
    # leaves it out, and the model reads it as None
    none_defaults: frozenset[str] = frozenset()
    datetimes: tuple[str, ...] = ()
    # timedelta fields, which our models write as float seconds
    durations: tuple[str, ...] = ()
    # fields holding another model (or None)
    nested: Mapping[str, Shape] = field(default_factory=dict)
    # fields the model fills in itself when they come as None (State.name)
    filled_when_none: tuple[str, ...] = ()


def as_model_json(document: Any, shape: Shape) -> Any | None:
    """`document` as the model's `to_json_dict()` would give it back, or None when only
    the model can tell."""
    if not isinstance(document, dict):
        return None
    if tuple(document) != shape.keys:
        missing = set(shape.keys) - set(document)
        in_order = [key for key in shape.keys if key in document]
        if not missing <= shape.none_defaults or list(document) != in_order:
            return None
        document = {key: document.get(key) for key in shape.keys}
    for key in shape.datetimes:
        value = document[key]
        if value is not None and not (
            isinstance(value, str) and _PYDANTIC_DATETIME.fullmatch(value)
        ):
            return None
    if any(type(document[key]) is not float for key in shape.durations):
        return None
    if any(document[key] is None for key in shape.filled_when_none):
        return None
    for key, inner in shape.nested.items():
        if document[key] is None:
            if key in shape.none_defaults:
                continue
            return None  # the model would refuse it: let it say so
        value = as_model_json(document[key], inner)
        if value is None:
            return None
        if value is not document[key]:
            document = {**document, key: value}
    return document


_OBJECT_KEYS = ("id", "created", "updated")

STATE_DETAILS = Shape(
    keys=(
        "flow_run_id", "task_run_id", "child_flow_run_id", "scheduled_time", "cache_key",
        "cache_expiration", "deferred", "untrackable_result", "pause_timeout",
        "pause_reschedule", "pause_key", "run_input_keyset", "refresh_cache", "retriable",
        "transition_id", "task_parameters_id", "traceparent",
        "deployment_concurrency_lease_id",
    ),
    none_defaults=frozenset({
        "flow_run_id", "task_run_id", "child_flow_run_id", "scheduled_time", "cache_key",
        "cache_expiration", "deferred", "pause_timeout", "pause_key", "run_input_keyset",
        "refresh_cache", "retriable", "transition_id", "task_parameters_id", "traceparent",
        "deployment_concurrency_lease_id",
    }),
    datetimes=("scheduled_time", "cache_expiration", "pause_timeout"),
)  # fmt: skip

STATE = Shape(
    keys=(*_OBJECT_KEYS, "type", "name", "timestamp", "message", "state_details", "data"),
    none_defaults=frozenset({"created", "updated", "name", "message", "data"}),
    datetimes=("created", "updated", "timestamp"),
    nested={"state_details": STATE_DETAILS},
    filled_when_none=("name",),
)

FLOW_RUN_POLICY = Shape(
    keys=(
        "max_retries", "retry_delay_seconds", "retries", "retry_delay", "pause_keys",
        "resuming", "retry_type",
    ),
    none_defaults=frozenset({"retries", "retry_delay", "retry_type"}),
)  # fmt: skip

FLOW_RUN = Shape(
    keys=(
        *_OBJECT_KEYS, "name", "flow_id", "state_id", "deployment_id", "deployment_version",
        "work_queue_id", "work_queue_name", "work_pool_id", "work_pool_name", "flow_version",
        "parameters", "idempotency_key", "context", "empirical_policy", "tags", "labels",
        "parent_task_run_id", "state_type", "state_name", "run_count", "expected_start_time",
        "next_scheduled_start_time", "start_time", "end_time", "total_run_time",
        "estimated_run_time", "estimated_start_time_delta", "auto_scheduled",
        "infrastructure_document_id", "infrastructure_pid", "created_by", "job_variables",
        "state",
    ),
    none_defaults=frozenset({
        "created", "updated", "state_id", "deployment_id", "deployment_version",
        "work_queue_id", "work_queue_name", "work_pool_id", "work_pool_name", "flow_version",
        "idempotency_key", "parent_task_run_id", "state_type", "state_name",
        "expected_start_time", "next_scheduled_start_time", "start_time", "end_time",
        "infrastructure_document_id", "infrastructure_pid", "created_by", "job_variables",
        "state",
    }),
    datetimes=(
        "created", "updated", "expected_start_time", "next_scheduled_start_time",
        "start_time", "end_time",
    ),
    durations=("total_run_time", "estimated_run_time", "estimated_start_time_delta"),
    nested={"empirical_policy": FLOW_RUN_POLICY, "state": STATE},
)  # fmt: skip

FLOW = Shape(
    keys=(*_OBJECT_KEYS, "name", "tags", "labels"),
    none_defaults=frozenset({"created", "updated"}),
    datetimes=("created", "updated"),
)


def print_as_models(documents: list[Any], shape: Shape, model_path: str) -> None:
    """Print `documents` as `model.to_json_dict()` each: as they came when they have the
    model's shape, else through the model (`model_path` is "module:Class")."""
    from prefect_console.cli._output import print_json

    shaped = [as_model_json(document, shape) for document in documents]
    if all(document is not None for document in shaped):
        print_json(shaped)
        return
    import importlib

    module, _, name = model_path.partition(":")
    model = getattr(importlib.import_module(module), name)
    print_json([model.model_validate(document).to_json_dict() for document in documents])
