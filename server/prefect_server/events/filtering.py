"""An `EventFilter` as SQL over `events` and `event_resources`.

Conditions on the name, the time and the primary resource stay on `events` (labels read
from its `resource` JSON); related-resource conditions become `events.id IN (SELECT
event_id FROM event_resources ...)`, scoped to the filter's time window so the subquery
uses the (resource_id, occurred) index; an any-resource condition is either.

Label values follow `ResourceSpecification`: `*` at the end is a prefix, `!` at the start
a negation; a label matches when it equals one positive value (if any) and none of
the negative ones.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from prefect.schemas.events import (
    EventAnyResourceFilter,
    EventFilter,
    EventRelatedFilter,
    ResourceSpecification,
)
from sqlalchemy.sql.elements import ColumnElement

from prefect_server.database.orm_events import Event, EventResource

Condition = ColumnElement[bool]


@dataclass
class LabelValues:
    """One label's values, split into exact/prefix and positive/negative."""

    exact: list[str] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    not_exact: list[str] = field(default_factory=list)
    not_prefixes: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, values: Sequence[str]) -> LabelValues:
        parsed = cls()
        for value in values:
            negative = value.startswith("!")
            if negative:
                value = value[1:]
            if value.endswith("*"):
                (parsed.not_prefixes if negative else parsed.prefixes).append(value[:-1])
            else:
                (parsed.not_exact if negative else parsed.exact).append(value)
        return parsed

    @property
    def positive(self) -> bool:
        return bool(self.exact or self.prefixes)

    @property
    def negative(self) -> bool:
        return bool(self.not_exact or self.not_prefixes)


def starts_with(column: Any, prefix: str, dialect: str) -> Condition:
    """`column` begins with `prefix`, case-sensitively and with `%`/`_` taken literally."""
    if not prefix:
        return sa.true()
    if dialect == "sqlite":
        # SQLite's LIKE ignores case; under its binary collation a range is an exact
        # prefix test (UTF-8 byte order is code point order) and can use an index
        last = ord(prefix[-1])
        if last < 0xD7FF or 0xE000 <= last < 0x10FFFF:
            upper = prefix[:-1] + chr(last + 1)
            return sa.and_(column >= prefix, column < upper)
        return sa.func.substr(column, 1, len(prefix)) == prefix
    result: Condition = column.startswith(prefix, autoescape=True)
    return result


def _values(column: Any, values: LabelValues, dialect: str, *, nullable: bool) -> list[Condition]:
    out: list[Condition] = []
    if nullable and (values.positive or values.negative):
        out.append(column.is_not(None))
    positive = [column.in_(values.exact)] if values.exact else []
    positive += [starts_with(column, p, dialect) for p in values.prefixes]
    if positive:
        out.append(sa.or_(*positive))
    if values.not_exact:
        out.append(column.not_in(values.not_exact))
    out += [sa.not_(starts_with(column, p, dialect)) for p in values.not_prefixes]
    return out


@dataclass(frozen=True)
class _Target:
    """Where a resource's id, role and other labels are read."""

    id: Any
    role: Any
    labels: Any


_PRIMARY = _Target(id=Event.resource_id, role=None, labels=Event.resource)
_RELATED = _Target(
    id=EventResource.resource_id, role=EventResource.resource_role, labels=EventResource.resource
)


def _label_conditions(labels: ResourceSpecification, dialect: str, at: _Target) -> list[Condition]:
    out: list[Condition] = []
    for label, raw in labels.items():
        if not raw:
            # an empty list of accepted values matches nothing
            out.append(sa.false())
            continue
        values = LabelValues.parse(raw)
        if label == "prefect.resource.id":
            out += _values(at.id, values, dialect, nullable=False)
        elif label == "prefect.resource.role" and at.role is not None:
            out += _values(at.role, values, dialect, nullable=False)
        else:
            out += _values(at.labels[label].as_string(), values, dialect, nullable=True)
    return out


@dataclass
class TextTerms:
    """A text query's words (lower-cased): any of `include`, none of `exclude`, all of
    `required`. Double quotes keep a phrase together."""

    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    required: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, query: str) -> TextTerms:
        terms = cls()
        for match in re.finditer(r'([-!+]?)"([^"]*)"|(\S+)', query):
            sign, phrase, word = match.group(1), match.group(2), match.group(3)
            if word is not None:
                signed = len(word) > 1 and word[0] in "-!+"
                sign, phrase = (word[0], word[1:]) if signed else ("", word)
            phrase = phrase.strip().lower()
            if not phrase:
                continue
            if sign in ("-", "!"):
                terms.exclude.append(phrase)
            elif sign == "+":
                terms.required.append(phrase)
            else:
                terms.include.append(phrase)
        return terms

    def matches(self, text: str) -> bool:
        text = text.lower()
        if self.include and not any(t in text for t in self.include):
            return False
        if any(t in text for t in self.exclude):
            return False
        return all(t in text for t in self.required)


class EventQuery:
    """The WHERE clauses of one filter on one backend."""

    def __init__(self, flt: EventFilter, dialect: str) -> None:
        self.filter = flt
        self.dialect = dialect

    def _resources_where(self, conditions: Sequence[Condition]) -> Condition:
        occurred = self.filter.occurred
        subquery = sa.select(EventResource.event_id).where(
            EventResource.occurred >= occurred.since,
            EventResource.occurred <= occurred.until,
            *conditions,
        )
        result: Condition = Event.id.in_(subquery)
        return result

    def clauses(self) -> list[Condition]:
        flt = self.filter
        out: list[Condition] = [
            Event.occurred >= flt.occurred.since,
            Event.occurred <= flt.occurred.until,
        ]
        if flt.id.id:
            out.append(Event.id.in_(flt.id.id))
        if flt.event is not None:
            out += self._names()
        if flt.resource is not None:
            out += self._resource()
        for related in _as_list(flt.related):
            out += self._related(related)
        for any_resource in _as_list(flt.any_resource):
            out += self._any_resource(any_resource)
        if flt.text is not None:
            out += self._text(flt.text.query)
        return out

    def _text(self, query: str) -> list[Condition]:
        terms = TextTerms.parse(query)
        text = sa.func.lower(
            sa.cast(Event.event, sa.Text)
            + " "
            + sa.cast(Event.resource, sa.Text)
            + " "
            + sa.cast(Event.related, sa.Text)
            + " "
            + sa.cast(Event.payload, sa.Text)
        )
        out: list[Condition] = []
        if terms.include:
            out.append(sa.or_(*(text.contains(t, autoescape=True) for t in terms.include)))
        out += [sa.not_(text.contains(t, autoescape=True)) for t in terms.exclude]
        out += [text.contains(t, autoescape=True) for t in terms.required]
        return out

    def _names(self) -> list[Condition]:
        names = self.filter.event
        assert names is not None
        out: list[Condition] = []
        if names.prefix:
            out.append(sa.or_(*(starts_with(Event.event, p, self.dialect) for p in names.prefix)))
        for prefix in names.exclude_prefix or []:
            out.append(sa.not_(starts_with(Event.event, prefix, self.dialect)))
        if names.name:
            out.append(Event.event.in_(names.name))
        if names.exclude_name:
            out.append(Event.event.not_in(names.exclude_name))
        return out

    def _resource(self) -> list[Condition]:
        resource = self.filter.resource
        assert resource is not None
        return self._on(_PRIMARY, resource.id, resource.id_prefix, resource.labels)

    def _on(
        self,
        at: _Target,
        ids: list[str] | None,
        prefixes: list[str] | None,
        labels: ResourceSpecification | None,
    ) -> list[Condition]:
        out: list[Condition] = []
        if ids:
            out.append(at.id.in_(ids))
        if prefixes:
            out.append(sa.or_(*(starts_with(at.id, p, self.dialect) for p in prefixes)))
        if labels is not None and labels.root:
            out += _label_conditions(labels, self.dialect, at)
        return out

    def _related(self, related: EventRelatedFilter) -> list[Condition]:
        conditions: list[Condition] = []
        if related.id:
            conditions.append(EventResource.resource_id.in_(related.id))
        if related.role:
            conditions.append(EventResource.resource_role.in_(related.role))
        if related.resources_in_roles:
            conditions.append(
                sa.or_(
                    *(
                        sa.and_(
                            EventResource.resource_id == resource_id,
                            EventResource.resource_role == role,
                        )
                        for resource_id, role in related.resources_in_roles
                    )
                )
            )
        if related.labels is not None and related.labels.root:
            conditions += _label_conditions(related.labels, self.dialect, _RELATED)
        if not conditions:
            return []
        if not related.role:
            # a related filter never matches through the primary resource
            conditions.append(EventResource.resource_role != "")
        return [self._resources_where(conditions)]

    def _any_resource(self, any_resource: EventAnyResourceFilter) -> list[Condition]:
        flt = any_resource
        primary = self._on(_PRIMARY, flt.id, flt.id_prefix, flt.labels)
        if not primary:
            return []
        related = self._on(_RELATED, flt.id, flt.id_prefix, flt.labels)
        return [sa.or_(sa.and_(*primary), self._resources_where(related))]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def where_clauses(flt: EventFilter, dialect: str) -> list[Condition]:
    return EventQuery(flt, dialect).clauses()
