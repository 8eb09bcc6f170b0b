"""Operations that change work queues: create, pause, resume, delete, concurrency limits.

A queue is named by its id, or by its name in `pool` (without one, as the API resolves
the name: Prefect's default agent pool first), as `work-queue inspect` reads it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from prefect_console.ops.errors import ConsoleError, NotFound
from prefect_console.ops.work_pools import (
    parse_work_queue_ref,
    read_work_pool_named,
    read_work_queue_ref,
)

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.work_pools import WorkQueue


@dataclass
class QueueChange:
    """A queue after a change, and whether anything changed."""

    queue: WorkQueue
    changed: bool = True


def _check_limit(limit: int | None) -> None:
    if limit is not None and limit < 0:
        raise ConsoleError("A concurrency limit must be 0 or more", usage=True)


async def create_work_queue(
    client: PrefectClient,
    name: str,
    *,
    pool: str | None = None,
    limit: int | None = None,
    priority: int | None = None,
    description: str | None = None,
) -> WorkQueue:
    """A new queue in `pool` (without one, in Prefect's default agent pool); priority 1 is
    served first, and a new queue without one comes after the pool's others."""
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
    from prefect.schemas.work_pools import BANNED_CHARACTERS

    if not name.strip():
        raise ConsoleError("A work queue name cannot be empty", usage=True)
    if any(c in name for c in BANNED_CHARACTERS):
        banned = " ".join(BANNED_CHARACTERS)
        raise ConsoleError(
            f"Work queue name {name!r} must not contain any of: {banned}", usage=True
        )
    _check_limit(limit)
    if priority is not None and priority < 1:
        raise ConsoleError("--priority must be 1 or more", usage=True)
    if pool is not None:
        await read_work_pool_named(client, pool)
    try:
        return await client.create_work_queue(
            name,
            description=description,
            concurrency_limit=limit,
            priority=priority,
            work_pool_name=pool,
        )
    except ObjectAlreadyExists:
        where = f" in work pool {pool!r}" if pool is not None else ""
        raise ConsoleError(f"Work queue {name!r} already exists{where}") from None
    except ObjectNotFound:  # the pool went away in between
        raise NotFound(f"Work pool {pool!r} not found") from None


async def _update(client: PrefectClient, queue: WorkQueue, **fields: Any) -> WorkQueue:
    from prefect.exceptions import ObjectNotFound

    try:
        await client.update_work_queue(queue.id, **fields)
        return await client.read_work_queue(queue.id)
    except ObjectNotFound:  # deleted in between
        raise NotFound(f"Work queue {queue.name!r} not found") from None


async def _set_paused(
    client: PrefectClient, ref: str | uuid.UUID, paused: bool, pool: str | None
) -> QueueChange:
    queue = await read_work_queue_ref(client, _ref(ref), pool=pool)
    if queue.is_paused == paused:
        return QueueChange(queue, changed=False)
    return QueueChange(await _update(client, queue, is_paused=paused))


def _ref(ref: str | uuid.UUID) -> str | uuid.UUID:
    return ref if isinstance(ref, uuid.UUID) else parse_work_queue_ref(ref)


async def pause_work_queue(
    client: PrefectClient, ref: str | uuid.UUID, *, pool: str | None = None
) -> QueueChange:
    """Stop handing the queue's runs to workers."""
    return await _set_paused(client, ref, True, pool)


async def resume_work_queue(
    client: PrefectClient, ref: str | uuid.UUID, *, pool: str | None = None
) -> QueueChange:
    return await _set_paused(client, ref, False, pool)


async def delete_work_queue(
    client: PrefectClient, ref: str | uuid.UUID, *, pool: str | None = None
) -> WorkQueue:
    """Delete the queue (its runs stay, in no queue); the queue that was deleted."""
    from prefect.exceptions import ObjectNotFound

    queue = await read_work_queue_ref(client, _ref(ref), pool=pool)
    try:
        await client.delete_work_queue_by_id(queue.id)
    except ObjectNotFound:
        raise NotFound(f"Work queue {queue.name!r} not found") from None
    return queue


async def read_queue_to_delete(
    client: PrefectClient, ref: str | uuid.UUID, *, pool: str | None = None
) -> WorkQueue:
    """The queue `delete_work_queue` would delete ("not found" before asking to confirm)."""
    return await read_work_queue_ref(client, _ref(ref), pool=pool)


async def set_work_queue_concurrency_limit(
    client: PrefectClient, ref: str | uuid.UUID, limit: int, *, pool: str | None = None
) -> WorkQueue:
    """At most `limit` runs of the queue at once (0 stops it handing out any)."""
    _check_limit(limit)
    queue = await read_work_queue_ref(client, _ref(ref), pool=pool)
    return await _update(client, queue, concurrency_limit=limit)


async def clear_work_queue_concurrency_limit(
    client: PrefectClient, ref: str | uuid.UUID, *, pool: str | None = None
) -> WorkQueue:
    queue = await read_work_queue_ref(client, _ref(ref), pool=pool)
    return await _update(client, queue, concurrency_limit=None)
