"""Waking the long polls of workers when something happens to their pool's runs.

A worker waiting in `get_scheduled_flow_runs` (`wait_seconds`) must learn at once that a
run was scheduled in its pool, or that a run finished and freed a concurrency slot. Both
are state changes of flow runs, whose events name the run's work pool as a related
resource; the broker hands every committed batch of event rows here, so nothing else
has to remember to notify. Only this process's writes arrive this way: the long poll
also re-checks the store at a bounded interval for writes of other processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterable, Iterator
from typing import Any

_POOL_PREFIX = "prefect.work-pool."
_RUN_EVENT_PREFIX = "prefect.flow-run."

# pool id (text, as in resource ids) -> the waiters' events, with the loop of each
_waiters: dict[str, set[tuple[asyncio.Event, asyncio.AbstractEventLoop]]] = {}
_lock = threading.Lock()
_closing = False


def closing() -> bool:
    """Whether the server is shutting down: a waiting poll answers at once then."""
    return _closing


def release_all() -> None:
    """Wake every waiting poll for good (the server stops: it waits for requests in
    flight, and a held poll would hold its shutdown for as long as it may wait)."""
    global _closing
    _closing = True
    with _lock:
        entries = [entry for found in _waiters.values() for entry in found]
    for event, loop in entries:
        loop.call_soon_threadsafe(event.set)


@contextlib.contextmanager
def waiting(pool_id: Any) -> Iterator[asyncio.Event]:
    """An event set whenever a run of `pool_id` changes state, while the block runs."""
    entry = (asyncio.Event(), asyncio.get_running_loop())
    key = str(pool_id)
    with _lock:
        _waiters.setdefault(key, set()).add(entry)
    try:
        yield entry[0]
    finally:
        with _lock:
            found = _waiters.get(key)
            if found is not None:
                found.discard(entry)
                if not found:
                    del _waiters[key]


def notify(rows: Iterable[dict[str, Any]]) -> None:
    """Wake the waiters of every pool named by these committed flow-run event rows."""
    if not _waiters:
        return
    pools: set[str] = set()
    for row in rows:
        if not str(row.get("event", "")).startswith(_RUN_EVENT_PREFIX):
            continue
        for labels in row.get("related") or ():
            resource = labels.get("prefect.resource.id", "")
            if resource.startswith(_POOL_PREFIX):
                pools.add(resource[len(_POOL_PREFIX) :])
    if not pools:
        return
    with _lock:
        entries = [entry for pool in pools for entry in _waiters.get(pool, ())]
    try:
        running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    for event, loop in entries:
        if loop is running:
            event.set()
        else:  # asyncio events belong to their loop's thread
            loop.call_soon_threadsafe(event.set)
