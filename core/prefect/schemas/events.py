"""Events: what happened to which resource, and the bodies that query them (Prefect 3 shapes).

    {"id": "...", "occurred": "2026-01-01T00:00:00Z", "event": "prefect.flow-run.Running",
     "resource": {"prefect.resource.id": "prefect.flow-run.<id>", ...},
     "related": [{"prefect.resource.id": "prefect.flow.<id>",
                  "prefect.resource.role": "flow"}],
     "payload": {...}, "follows": null}

A resource is a flat mapping of string labels with at least `prefect.resource.id`; a
related resource also names its `prefect.resource.role`. The filter classes are plain
data: the server compiles them to SQL and matches live events against them.
"""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    RootModel,
    field_validator,
    model_validator,
)

from prefect._time import now
from prefect.schemas._base import PrefectBaseModel

# Prefect 3's defaults (PREFECT_EVENTS_MAXIMUM_LABELS_PER_RESOURCE,
# PREFECT_EVENTS_MAXIMUM_RELATED_RESOURCES, PREFECT_SERVER_EVENTS_MAXIMUM_EVENT_NAME_LENGTH)
MAXIMUM_LABELS_PER_RESOURCE = 500
MAXIMUM_RELATED_RESOURCES = 100
MAXIMUM_EVENT_NAME_LENGTH = 1024
# the largest page `POST /events/filter` answers
INTERACTIVE_PAGE_SIZE = 50

__all__ = [
    "INTERACTIVE_PAGE_SIZE",
    "Countable",
    "Event",
    "EventAnyResourceFilter",
    "EventCount",
    "EventFilter",
    "EventIDFilter",
    "EventNameFilter",
    "EventOccurredFilter",
    "EventOrder",
    "EventPage",
    "EventRelatedFilter",
    "EventResourceFilter",
    "EventTextFilter",
    "ReceivedEvent",
    "RelatedResource",
    "Resource",
    "ResourceSpecification",
    "TimeUnit",
]


def _aware(value: datetime) -> datetime:
    # a time without a zone is UTC (as Prefect reads it), so that every comparison of
    # event times is between aware datetimes
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


UTCDateTime = Annotated[datetime, AfterValidator(_aware)]


class Resource(RootModel[dict[str, str]]):
    """A business object an event is about: string labels, `prefect.resource.id` required."""

    @model_validator(mode="after")
    def _check(self) -> Resource:
        if len(self.root) > MAXIMUM_LABELS_PER_RESOURCE:
            raise ValueError(
                f"The maximum number of labels per resource is {MAXIMUM_LABELS_PER_RESOURCE}"
            )
        if not self.root.get("prefect.resource.id"):
            raise ValueError("Resources must include a non-empty prefect.resource.id label")
        return self

    @property
    def id(self) -> str:
        return self.root["prefect.resource.id"]

    @property
    def name(self) -> str | None:
        return self.root.get("prefect.resource.name")

    def get(self, label: str, default: str | None = None) -> str | None:
        return self.root.get(label, default)

    def __getitem__(self, label: str) -> str:
        return self.root[label]

    def __contains__(self, label: object) -> bool:
        return label in self.root


class RelatedResource(Resource):
    """A resource involved in an event in some role (`prefect.resource.role`)."""

    @model_validator(mode="after")
    def _check_role(self) -> RelatedResource:
        if not self.root.get("prefect.resource.role"):
            raise ValueError(
                "Related resources must include a non-empty prefect.resource.role label"
            )
        return self

    @property
    def role(self) -> str:
        return self.root["prefect.resource.role"]


class Event(PrefectBaseModel):
    """Something that happened to a resource, as a client sends it.

    `id` and `occurred` default to a new id and now, so a client can build one tersely;
    `follows` names an event known to come before this one, for ordering events that
    arrive out of order.
    """

    occurred: UTCDateTime = Field(default_factory=now)
    event: str = Field(max_length=MAXIMUM_EVENT_NAME_LENGTH)
    resource: Resource
    related: list[RelatedResource] = Field(
        default_factory=list, max_length=MAXIMUM_RELATED_RESOURCES
    )
    payload: dict[str, Any] = Field(default_factory=dict)
    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    follows: uuid.UUID | None = None

    @field_validator("event")
    @classmethod
    def _named(cls, value: str) -> str:
        if not value:
            raise ValueError("An event needs a name")
        return value

    @property
    def involved_resources(self) -> list[Resource]:
        return [self.resource, *self.related]

    def receive(self, received: datetime | None = None) -> ReceivedEvent:
        """The event as the server records it, stamped with when it arrived."""
        return ReceivedEvent(
            occurred=self.occurred,
            event=self.event,
            resource=self.resource,
            related=self.related,
            payload=self.payload,
            id=self.id,
            follows=self.follows,
            received=received or now(),
        )


class ReceivedEvent(Event):
    """An event as the server holds it: `received` is the server's clock at arrival."""

    model_config = ConfigDict(extra="ignore", from_attributes=True, populate_by_name=True)

    received: UTCDateTime = Field(default_factory=now)


class ResourceSpecification(RootModel[dict[str, str | list[str]]]):
    """Labels a resource must carry: each label matches any of its values.

    A value may end with `*` (prefix match) and start with `!` (negation).
    """

    def items(self) -> list[tuple[str, list[str]]]:
        return [
            (label, [value] if isinstance(value, str) else list(value))
            for label, value in self.root.items()
        ]


# -- filters ----------------------------------------------------------------------------


class EventDataFilter(PrefectBaseModel):
    """Base of the event filters: unknown fields are an error (a typo is a 422)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _default_since() -> datetime:
    today = datetime.combine(now().date(), time(0), tzinfo=now().tzinfo)
    return today - timedelta(days=180)


class EventOccurredFilter(EventDataFilter):
    """Events that occurred in [since, until] (both inclusive)."""

    since: UTCDateTime = Field(default_factory=_default_since)
    until: UTCDateTime = Field(default_factory=now)


class EventNameFilter(EventDataFilter):
    prefix: list[str] | None = None
    exclude_prefix: list[str] | None = None
    name: list[str] | None = None
    exclude_name: list[str] | None = None


class EventResourceFilter(EventDataFilter):
    """Conditions on the event's primary resource."""

    id: list[str] | None = None
    id_prefix: list[str] | None = None
    labels: ResourceSpecification | None = None
    # only the latest event of each resource
    distinct: bool = False


class EventRelatedFilter(EventDataFilter):
    """Conditions that one related resource must meet together."""

    id: list[str] | None = None
    role: list[str] | None = None
    resources_in_roles: list[tuple[str, str]] | None = None
    labels: ResourceSpecification | None = None


class EventAnyResourceFilter(EventDataFilter):
    """Conditions that one involved resource (primary or related) must meet together."""

    id: list[str] | None = None
    id_prefix: list[str] | None = None
    labels: ResourceSpecification | None = None


class EventIDFilter(EventDataFilter):
    # an empty list means no condition, as in Prefect (whose client sends `[]`)
    id: list[uuid.UUID] | None = None


class EventTextFilter(EventDataFilter):
    """Words to find in an event's name, resources and payload (case-insensitive).

    `error timeout` matches either word, `"connection timeout"` the phrase, `-debug` (or
    `!debug`) excludes, `+prod` is required.
    """

    query: str = Field(max_length=200)


class EventOrder(enum.StrEnum):
    ASC = "ASC"
    DESC = "DESC"


class EventFilter(EventDataFilter):
    """All conditions hold (AND); a list of related/any_resource filters must all match."""

    occurred: EventOccurredFilter = Field(default_factory=EventOccurredFilter)
    event: EventNameFilter | None = None
    resource: EventResourceFilter | None = None
    related: EventRelatedFilter | list[EventRelatedFilter] | None = None
    any_resource: EventAnyResourceFilter | list[EventAnyResourceFilter] | None = None
    id: EventIDFilter = Field(default_factory=EventIDFilter)
    text: EventTextFilter | None = None
    order: EventOrder = EventOrder.DESC


# -- responses --------------------------------------------------------------------------


class EventPage(PrefectBaseModel):
    """One page of events; `next_page` is the URL of the next one, if there are more."""

    events: list[ReceivedEvent]
    total: int
    next_page: str | None = None


class EventCount(PrefectBaseModel):
    """How many matching events share one value (a time bucket, a name, a resource)."""

    value: str
    label: str
    count: int
    start_time: UTCDateTime
    end_time: UTCDateTime


class Countable(enum.StrEnum):
    day = "day"
    time = "time"
    event = "event"
    resource = "resource"


class TimeUnit(enum.StrEnum):
    week = "week"
    day = "day"
    hour = "hour"
    minute = "minute"
    second = "second"

    def as_timedelta(self, interval: float) -> timedelta:
        seconds = {"week": 604800, "day": 86400, "hour": 3600, "minute": 60, "second": 1}
        return timedelta(seconds=seconds[self.value] * interval)
