"""An `EventFilter` tested against one event in memory, for live websocket subscribers.

The same meaning as the SQL in `filtering`: every given condition holds; a related or
any-resource filter holds when one resource meets all its conditions.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from prefect.schemas.events import (
    EventAnyResourceFilter,
    EventFilter,
    EventNameFilter,
    EventRelatedFilter,
    EventResourceFilter,
    ReceivedEvent,
    ResourceSpecification,
)

from prefect_server.events.filtering import LabelValues, TextTerms


def _value_matches(value: str | None, values: LabelValues) -> bool:
    if value is None:
        return False
    if values.positive and not (
        value in values.exact or any(value.startswith(p) for p in values.prefixes)
    ):
        return False
    return not (value in values.not_exact or any(value.startswith(p) for p in values.not_prefixes))


def labels_match(labels: Mapping[str, str], spec: ResourceSpecification) -> bool:
    for label, raw in spec.items():
        if not raw or not _value_matches(labels.get(label), LabelValues.parse(raw)):
            return False
    return True


def _names_match(name: str, flt: EventNameFilter) -> bool:
    if flt.prefix and not any(name.startswith(p) for p in flt.prefix):
        return False
    if flt.exclude_prefix and any(name.startswith(p) for p in flt.exclude_prefix):
        return False
    if flt.name and name not in flt.name:
        return False
    return not (flt.exclude_name and name in flt.exclude_name)


def _resource_matches(labels: Mapping[str, str], flt: EventResourceFilter) -> bool:
    resource_id = labels["prefect.resource.id"]
    if flt.id and resource_id not in flt.id:
        return False
    if flt.id_prefix and not any(resource_id.startswith(p) for p in flt.id_prefix):
        return False
    return flt.labels is None or labels_match(labels, flt.labels)


def _related_matches(related: Iterable[Mapping[str, str]], flt: EventRelatedFilter) -> bool:
    conditions = flt.id or flt.role or flt.resources_in_roles or (flt.labels and flt.labels.root)
    if not conditions:
        return True
    for labels in related:
        resource_id = labels["prefect.resource.id"]
        role = labels["prefect.resource.role"]
        if flt.id and resource_id not in flt.id:
            continue
        if flt.role and role not in flt.role:
            continue
        if flt.resources_in_roles and (resource_id, role) not in {
            tuple(pair) for pair in flt.resources_in_roles
        }:
            continue
        if flt.labels is not None and not labels_match(labels, flt.labels):
            continue
        return True
    return False


def _any_matches(resources: Iterable[Mapping[str, str]], flt: EventAnyResourceFilter) -> bool:
    if not (flt.id or flt.id_prefix or (flt.labels and flt.labels.root)):
        return True
    for labels in resources:
        resource_id = labels["prefect.resource.id"]
        if flt.id and resource_id not in flt.id:
            continue
        if flt.id_prefix and not any(resource_id.startswith(p) for p in flt.id_prefix):
            continue
        if flt.labels is not None and not labels_match(labels, flt.labels):
            continue
        return True
    return False


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _text_matches(event: ReceivedEvent, query: str) -> bool:
    parts = [event.event, *event.resource.root.values()]
    for related in event.related:
        parts += related.root.values()
    parts.append(json.dumps(event.payload, default=str))
    return TextTerms.parse(query).matches(" ".join(parts))


def includes(flt: EventFilter, event: ReceivedEvent) -> bool:
    """Does `event` meet every condition of `flt`?"""
    if not flt.occurred.since <= event.occurred <= flt.occurred.until:
        return False
    if flt.id.id and event.id not in flt.id.id:
        return False
    if flt.text is not None and not _text_matches(event, flt.text.query):
        return False
    if flt.event is not None and not _names_match(event.event, flt.event):
        return False
    resource = event.resource.root
    if flt.resource is not None and not _resource_matches(resource, flt.resource):
        return False
    related = [r.root for r in event.related]
    if not all(_related_matches(related, f) for f in _listed(flt.related)):
        return False
    return all(_any_matches([resource, *related], f) for f in _listed(flt.any_resource))
