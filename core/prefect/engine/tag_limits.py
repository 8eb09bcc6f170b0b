"""Whether a task run's tags carry a v1 concurrency limit (looked up before each attempt).

A run whose tags carry one proposes its Running through the server (see
`prefect.engine.task_engine`); any other run enters Running locally. Which tags had no
limit when last looked up is remembered per flow run: the tasks of one flow usually
share their tags, and a lookup per task cost more than the task's own bookkeeping (about
12 ms against 2 on the embedded store). Entries live `TAG_LIMIT_LOOKUP_TTL` seconds, so a
limit created while a flow runs applies to its tasks soon after; outside a flow run
nothing is remembered.
"""

from __future__ import annotations

import asyncio
import time
import uuid

from prefect.schemas.objects import TaskRun

__all__ = ["TAG_LIMIT_LOOKUP_TTL", "any_tag_limited", "known_unlimited"]

TAG_LIMIT_LOOKUP_TTL = 5.0
_unlimited_tags: dict[tuple[uuid.UUID, str], float] = {}


def known_unlimited(run: TaskRun) -> bool:
    """Whether none of the run's tags had a limit at a recent lookup (no tags: True)."""
    if not run.tags:
        return True
    if run.flow_run_id is None:
        return False
    moment = time.monotonic()
    for tag in run.tags:
        seen = _unlimited_tags.get((run.flow_run_id, tag))
        if seen is None or moment - seen > TAG_LIMIT_LOOKUP_TTL:
            return False
    return True


async def any_tag_limited(run: TaskRun) -> bool:
    """Whether any of the run's tags has a v1 concurrency limit now (on the API loop).

    A limit created between this look and the Running that follows is not seen by this
    attempt: the window is one round trip (or `TAG_LIMIT_LOOKUP_TTL` within a flow run).
    """
    from prefect.engine.api import engine_client
    from prefect.exceptions import ObjectNotFound

    client = engine_client()

    async def limited(tag: str) -> bool:
        try:
            await client.read_concurrency_limit_by_tag(tag)
        except ObjectNotFound:
            return False
        return True

    found = await asyncio.gather(*(limited(tag) for tag in run.tags))
    if run.flow_run_id is not None:
        moment = time.monotonic()
        if len(_unlimited_tags) > 10_000:
            # runs come and go: forget what has expired rather than grow without end
            for key, seen in list(_unlimited_tags.items()):
                if moment - seen > TAG_LIMIT_LOOKUP_TTL:
                    del _unlimited_tags[key]
        for tag, is_limited in zip(run.tags, found, strict=True):
            if is_limited:
                _unlimited_tags.pop((run.flow_run_id, tag), None)
            else:
                _unlimited_tags[(run.flow_run_id, tag)] = moment
    return any(found)
