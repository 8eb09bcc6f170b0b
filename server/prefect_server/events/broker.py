"""In-process delivery of events to websocket subscribers, after their rows commit.

Writers queue event rows on the session (`publish_after_commit`); when that session's
transaction commits, the events go to every subscriber whose filter they match, and a
rolled-back transaction publishes nothing. Delivery is in-process only: a subscriber sees
the events this process writes at once, and events that other processes (API replicas,
flows on the embedded store) write through its database catch-up (see `stream`).

A subscriber's queue is bounded; when it is full, further events are dropped for it
(the catch-up query finds them again).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from prefect_server.events import pool_wakeups

if TYPE_CHECKING:
    from prefect.schemas.events import EventFilter, ReceivedEvent

_log = logging.getLogger("prefect_server.events")

_PENDING = "prefect_events_pending"
# as Prefect: how many events may wait for one subscriber before new ones are dropped
SUBSCRIPTION_BACKLOG = 256


@dataclass(eq=False)
class Subscription:
    filter: EventFilter
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[ReceivedEvent] = field(
        default_factory=lambda: asyncio.Queue(maxsize=SUBSCRIPTION_BACKLOG)
    )
    dropped: int = 0

    def offer(self, event: ReceivedEvent) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped += 1


_subscriptions: set[Subscription] = set()
_lock = threading.Lock()


@contextlib.contextmanager
def subscribe(flt: EventFilter) -> Iterator[Subscription]:
    """Receive the matching events this process publishes while the block runs."""
    subscription = Subscription(filter=flt, loop=asyncio.get_running_loop())
    with _lock:
        _subscriptions.add(subscription)
    try:
        yield subscription
    finally:
        with _lock:
            _subscriptions.discard(subscription)


def has_subscribers() -> bool:
    return bool(_subscriptions)


def publish(events: list[ReceivedEvent]) -> None:
    """Hand `events` to the subscribers whose filters they match."""
    from prefect_server.events.matching import includes

    with _lock:
        subscriptions = list(_subscriptions)
    if not subscriptions or not events:
        return
    try:
        running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    for subscription in subscriptions:
        matching = [event for event in events if includes(subscription.filter, event)]
        if not matching:
            continue
        if subscription.loop is running:
            for event in matching:
                subscription.offer(event)
        else:
            # asyncio queues belong to their loop's thread
            for event in matching:
                subscription.loop.call_soon_threadsafe(subscription.offer, event)


def publish_after_commit(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Publish the events of these `events` rows once `session` commits.

    Rows are kept as they were inserted; they become `ReceivedEvent`s only if someone is
    subscribed when the commit happens, so writers without listeners (the embedded store
    inside a flow process) pay nothing for it.
    """
    session.sync_session.info.setdefault(_PENDING, []).extend(rows)


def _after_commit(session: Session) -> None:
    rows: list[dict[str, Any]] | None = session.info.pop(_PENDING, None)
    if rows:
        publish_rows(rows)


def publish_rows(rows: list[dict[str, Any]]) -> None:
    """Publish the events of these committed `events` rows, if anyone listens."""
    pool_wakeups.notify(rows)
    if not has_subscribers():
        return
    try:
        publish([event_from_row(row) for row in rows])
    except Exception:  # a subscriber's trouble must not fail the writer's request
        _log.exception("Could not publish %d events to subscribers", len(rows))


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def event_from_row(row: dict[str, Any]) -> ReceivedEvent:
    # imported here: writers that nobody listens to never need the event models
    from prefect.schemas.events import ReceivedEvent

    return ReceivedEvent.model_validate(
        {
            "id": row["id"],
            "occurred": row["occurred"],
            "event": row["event"],
            "resource": row["resource"],
            "related": row["related"],
            "payload": row["payload"],
            "received": row["received"],
            "follows": row["follows"],
        }
    )


sa.event.listen(Session, "after_commit", _after_commit)
sa.event.listen(Session, "after_rollback", _after_rollback)
