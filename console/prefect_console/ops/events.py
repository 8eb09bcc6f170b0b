"""Operations on events: follow the live stream of an API server, read the recent ones.

The live stream is the server's `/events/out` websocket; the embedded store has no server
to stream from, which `stream_events` says in one line instead of waiting forever.
Event text (names, resource ids, payloads) comes from whoever emitted the event: what is
printed or drawn is stripped of control characters first.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Sequence
from typing import TYPE_CHECKING

from prefect_console.ops.errors import ConsoleError

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.events import EventFilter, ReceivedEvent

FORMATS = ("json", "text")
EMBEDDED_NOTICE = (
    "The event stream needs an API server, and this profile uses the embedded store: "
    "start one with `prefect server start` and set PREFECT_API_URL"
)


def event_filter(
    event_prefixes: Sequence[str] = (), resource_ids: Sequence[str] = ()
) -> EventFilter | None:
    """Events whose name starts with one of `event_prefixes` and whose resource is one of
    `resource_ids` (each condition only when given)."""
    from prefect.schemas.events import EventFilter, EventNameFilter, EventResourceFilter

    if not event_prefixes and not resource_ids:
        return None
    fields: dict[str, object] = {}
    if event_prefixes:
        fields["event"] = EventNameFilter(prefix=list(event_prefixes))
    if resource_ids:
        fields["resource"] = EventResourceFilter(id=list(resource_ids))
    return EventFilter.model_validate(fields)


async def stream_events(
    api_url: str | None,
    *,
    event_prefixes: Sequence[str] = (),
    resource_ids: Sequence[str] = (),
    backfill: bool = True,
) -> AsyncGenerator[ReceivedEvent, None]:
    """Events as they happen on the server at `api_url` (None: the embedded store, which
    has no stream: a ConsoleError)."""
    from prefect.client._events import EventStreamError, events_out_url, subscribe_events

    if not api_url:
        raise ConsoleError(EMBEDDED_NOTICE)
    flt = event_filter(event_prefixes, resource_ids)
    try:
        async for event in subscribe_events(api_url, flt, backfill=backfill):
            yield event
    except EventStreamError as exc:
        raise ConsoleError(str(exc)) from None
    except (OSError, TimeoutError) as exc:
        reason = str(exc) or type(exc).__name__
        raise ConsoleError(
            f"Cannot reach the event stream at {events_out_url(api_url)}: {reason}"
        ) from None
    except Exception as exc:  # a websocket handshake refused (HTTP 403/404, bad URL...)
        if type(exc).__module__.startswith("websockets"):
            raise ConsoleError(
                f"The event stream at {events_out_url(api_url)} failed: {exc}"
            ) from None
        raise


async def recent_events(
    client: PrefectClient,
    *,
    event_prefixes: Sequence[str] = (),
    resource_ids: Sequence[str] = (),
    limit: int = 50,
) -> list[ReceivedEvent]:
    """The latest matching events, newest first (one page: at most 50), however old."""
    from datetime import UTC, datetime, timedelta

    from prefect._time import now
    from prefect.schemas.events import EventFilter, EventOccurredFilter

    # the API's default window is the last 180 days: "the latest" has no lower bound
    occurred = EventOccurredFilter(
        since=datetime(1970, 1, 1, tzinfo=UTC), until=now() + timedelta(days=1)
    )
    flt = event_filter(event_prefixes, resource_ids) or EventFilter()
    flt = flt.model_copy(update={"occurred": occurred})
    page = await client.read_events(flt, limit=limit)
    return list(page.events)


def event_text(event: ReceivedEvent) -> str:
    """One line: when it occurred, the event's name and its resource id."""
    from prefect_console.ops.text import one_line

    return one_line(f"{event.occurred.isoformat()} {event.event} {event.resource.id}")


def event_json(event: ReceivedEvent) -> str:
    """The event as one line of JSON (escapes keep control characters harmless)."""
    return json.dumps(event.model_dump(mode="json"), ensure_ascii=True)
