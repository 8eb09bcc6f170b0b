"""Event methods of the client, and `subscribe_events` over the `/events/out` websocket.

async with get_client() as client:
    await client.emit_events([Event(event="etl.done", resource={...})])
    page = await client.read_events(EventFilter(event=EventNameFilter(prefix=["etl."])))
    while page.next_page:
        page = await client.read_next_events_page(page.next_page)

async for event in subscribe_events("http://127.0.0.1:4200/api", flt):
    print(event.occurred, event.event)
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from prefect.client._base import BaseClient
from prefect.exceptions import PrefectException

if TYPE_CHECKING:
    from prefect.schemas.events import (
        Countable,
        Event,
        EventCount,
        EventFilter,
        EventPage,
        ReceivedEvent,
        TimeUnit,
    )

# how many event ids a subscriber remembers, to skip the ones a reconnection sends again
_SEEN_EVENTS = 10_000


class EventClientMixin(BaseClient):
    async def emit_events(self, events: Iterable[Event | dict[str, Any]]) -> None:
        """Store events (`POST /events`); ids the server already has are skipped."""
        from prefect.schemas.events import Event

        items = [Event.model_validate(e) if isinstance(e, dict) else e for e in events]
        if items:
            await self._post("/events", [item.model_dump(mode="json") for item in items])

    async def read_events(
        self, filter: EventFilter | None = None, limit: int | None = None
    ) -> EventPage:
        """The first page of matching events (at most 50; newest first unless the filter
        says `order: ASC`), with the total and the link to the next page."""
        from prefect.schemas.events import EventPage

        body: dict[str, Any] = {"filter": filter.model_dump(mode="json") if filter else None}
        if limit is not None:
            body["limit"] = limit
        return EventPage.model_validate(await self._post("/events/filter", body))

    async def read_next_events_page(self, next_page: str) -> EventPage:
        """The page a previous page's `next_page` link points at.

        Only the link's token is used, against this client's own API URL: the host in the
        link is the one the server saw, which a proxy may have changed.
        """
        from prefect.schemas.events import EventPage

        tokens = parse_qs(urlsplit(next_page).query).get("page-token")
        if not tokens:
            raise ValueError(f"Not a next-page link of /events/filter: {next_page!r}")
        data = await self._get("/events/filter/next", **{"page-token": tokens[0]})
        return EventPage.model_validate(data)

    async def count_events_by(
        self,
        countable: Countable | str,
        filter: EventFilter | None = None,
        time_unit: TimeUnit | str = "day",
        time_interval: float = 1.0,
    ) -> list[EventCount]:
        """Matching events counted per `countable`: `day`, `time` (buckets of
        `time_interval` `time_unit`s), `event` (name) or `resource`."""
        from prefect.schemas.events import Countable, EventCount, EventFilter, TimeUnit

        body = {
            "filter": (filter or EventFilter()).model_dump(mode="json"),
            "time_unit": TimeUnit(time_unit).value,
            "time_interval": time_interval,
        }
        data = await self._post(f"/events/count-by/{Countable(countable).value}", body)
        return [EventCount.model_validate(item) for item in data]


class EventStreamError(PrefectException):
    """The event stream refused the connection (authentication, filter)."""


def events_out_url(api_url: str) -> str:
    """The `/events/out` websocket URL of an API URL (`http://h:4200/api` -> `ws://...`)."""
    base = api_url.rstrip("/")
    if base.startswith("https://"):
        base = "wss://" + base[len("https://") :]
    elif base.startswith("http://"):
        base = "ws://" + base[len("http://") :]
    return f"{base}/events/out"


def _subscription_filter(flt: EventFilter | None) -> EventFilter:
    from prefect._time import now
    from prefect.schemas.events import EventFilter, EventOccurredFilter

    chosen = flt.model_copy(deep=True) if flt is not None else EventFilter()
    if "occurred" not in chosen.model_fields_set:
        # as Prefect's subscriber: from a minute ago, and open-ended, so that events that
        # occur later still match
        chosen.occurred = EventOccurredFilter(
            since=now() - timedelta(minutes=1), until=now() + timedelta(days=365)
        )
    return chosen


async def subscribe_events(
    api_url: str,
    filter: EventFilter | None = None,
    *,
    token: str | None = None,
    backfill: bool = True,
    reconnection_attempts: int = 10,
) -> AsyncGenerator[ReceivedEvent, None]:
    """Matching events as they happen, from an API server's `/events/out` websocket.

    `token` is sent in the auth message (default: PREFECT_API_KEY, else
    PREFECT_API_AUTH_STRING). With `backfill`, the server first sends the recent matching
    events. A dropped connection is reopened (up to `reconnection_attempts` times in a
    row); events already yielded are not yielded again.
    """
    import websockets
    from websockets.exceptions import ConnectionClosed, ConnectionClosedOK

    from prefect.schemas.events import ReceivedEvent
    from prefect.settings import get_current_settings

    if not api_url:
        raise ValueError("subscribe_events needs the URL of an API server")
    if token is None:
        settings = get_current_settings()
        token = settings.api_key or settings.api_auth_string
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    seen: dict[Any, None] = {}
    failures = 0
    while True:
        try:
            async with websockets.connect(
                events_out_url(api_url),
                subprotocols=[websockets.Subprotocol("prefect")],
                additional_headers=headers,
            ) as socket:
                await socket.send(json.dumps({"type": "auth", "token": token}))
                try:
                    answer = json.loads(await socket.recv())
                except ConnectionClosed as exc:
                    reason = exc.rcvd.reason if exc.rcvd else ""
                    refused = f"The event stream refused to authenticate: {reason}"
                    raise EventStreamError(refused) from exc
                if answer.get("type") != "auth_success":
                    raise EventStreamError(f"The event stream refused to authenticate: {answer}")
                flt = _subscription_filter(filter)
                subscription = {
                    "type": "filter",
                    "filter": flt.model_dump(mode="json"),
                    "backfill": backfill,
                }
                await socket.send(json.dumps(subscription))
                async for raw in socket:
                    data = json.loads(raw)
                    if data.get("type") != "event":
                        continue
                    event = ReceivedEvent.model_validate(data["event"])
                    failures = 0
                    if event.id in seen:
                        continue
                    seen[event.id] = None
                    if len(seen) > _SEEN_EVENTS:
                        del seen[next(iter(seen))]
                    yield event
                return
        except ConnectionClosedOK:
            return
        except ConnectionClosed as exc:
            reason = exc.rcvd.reason if exc.rcvd else ""
            if exc.rcvd is not None and exc.rcvd.code in (1002, 1008):
                raise EventStreamError(f"The event stream closed: {reason}") from exc
            failures += 1
            if failures > reconnection_attempts:
                raise
            if failures > 2:
                # the first retries are quick (a proxy's idle timeout); then take a beat
                await asyncio.sleep(1.0)
