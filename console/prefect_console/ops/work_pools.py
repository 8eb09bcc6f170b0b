"""Operations on work pools, their queues and workers: list, inspect, and their health.

A work queue is named by its id, or by its name within a pool (`--pool`; without one, the
API resolves the name on its own). Later verbs (create, pause, resume, delete, concurrency
limits) join here, resolving pools and queues with `read_work_pool_named` and
`read_work_queue_ref` first.

"Waiting" runs are Scheduled runs (Late and AwaitingRetry included) whose time has come
and that no worker has picked up yet. The API filters runs by deployment, not by pool, so
they are counted through the deployments of the pool.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from prefect_console.ops.errors import ConsoleError, NotFound

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.work_pools import Worker, WorkPool, WorkQueue, WorkQueueStatusDetail

PAGE = 200
# the API's largest page: a pool's workers are read in one request
WORKER_LIMIT = 1000
# deployment ids per counting request (bounded by the databases' parameter limits)
ID_CHUNK = 500


async def list_work_pools(client: PrefectClient, *, limit: int | None = None) -> list[WorkPool]:
    """Work pools by name; without `limit`, every one (read in pages)."""
    if limit is not None and limit < 0:
        raise ConsoleError("--limit must be 0 or more", usage=True)
    found: list[WorkPool] = []
    while limit is None or len(found) < limit:
        size = PAGE if limit is None else min(PAGE, limit - len(found))
        page = await client.read_work_pools(limit=size, offset=len(found))
        found.extend(page)
        if len(page) < size:
            break
    return found


async def read_work_pool_named(client: PrefectClient, name: str) -> WorkPool:
    from prefect.exceptions import ObjectNotFound

    if not name.strip():
        raise ConsoleError("A work pool name cannot be empty", usage=True)
    try:
        return await client.read_work_pool(name)
    except ObjectNotFound:
        raise NotFound(f"Work pool '{name}' not found") from None


async def read_workers(client: PrefectClient, pool_name: str) -> list[Worker]:
    """The pool's workers, most recent heartbeat first."""
    from prefect.exceptions import ObjectNotFound

    try:
        return await client.read_workers_for_work_pool(pool_name, limit=WORKER_LIMIT)
    except ObjectNotFound:
        raise NotFound(f"Work pool '{pool_name}' not found") from None


async def list_work_queues(
    client: PrefectClient, *, pool: str | None = None, limit: int | None = None
) -> list[WorkQueue]:
    """Queues of one pool (by priority), or of every pool (by name); without `limit`, all."""
    from prefect.exceptions import ObjectNotFound

    if limit is not None and limit < 0:
        raise ConsoleError("--limit must be 0 or more", usage=True)
    if pool is not None and not pool.strip():
        raise ConsoleError("A work pool name cannot be empty", usage=True)
    found: list[WorkQueue] = []
    while limit is None or len(found) < limit:
        size = PAGE if limit is None else min(PAGE, limit - len(found))
        try:
            page = await client.read_work_queues(work_pool_name=pool, limit=size, offset=len(found))
        except ObjectNotFound:
            raise NotFound(f"Work pool '{pool}' not found") from None
        found.extend(page)
        if len(page) < size:
            break
    return found


@dataclass
class WorkPoolDetail:
    pool: WorkPool
    queues: list[WorkQueue] = field(default_factory=list)
    workers: list[Worker] = field(default_factory=list)
    # Scheduled runs due by `now`, by queue id (filled only when asked for)
    waiting: dict[uuid.UUID, int] = field(default_factory=dict)

    @property
    def workers_online(self) -> int:
        return sum(1 for w in self.workers if _value(w.status) == "ONLINE")

    @property
    def waiting_total(self) -> int:
        return sum(self.waiting.values())


def _value(status: object) -> str:
    return str(getattr(status, "value", status) or "")


async def inspect_work_pool(
    client: PrefectClient, name: str, *, waiting_at: datetime | None = None
) -> WorkPoolDetail:
    """A pool with its queues and workers; with `waiting_at`, runs waiting in each queue."""
    pool = await read_work_pool_named(client, name)
    queues, workers = await asyncio.gather(
        list_work_queues(client, pool=pool.name), read_workers(client, pool.name)
    )
    detail = WorkPoolDetail(pool, queues, workers)
    if waiting_at is not None:
        detail.waiting = await waiting_runs(client, {pool.name: queues}, waiting_at)
    return detail


async def summarize_work_pools(
    client: PrefectClient, *, limit: int = PAGE, waiting_at: datetime | None = None
) -> list[WorkPoolDetail]:
    """Every pool (up to `limit`) with its queues and workers, in a few requests: the
    queues of all pools at once, the workers pool by pool."""
    pools = await list_work_pools(client, limit=limit)
    if not pools:
        return []
    queues = await list_work_queues(client)
    by_pool: dict[uuid.UUID, list[WorkQueue]] = {}
    for queue in sorted(queues, key=lambda q: (q.priority, q.name)):
        if queue.work_pool_id is not None:
            by_pool.setdefault(queue.work_pool_id, []).append(queue)
    workers = await asyncio.gather(*(_workers_or_none(client, p.name) for p in pools))
    details = [
        WorkPoolDetail(pool, by_pool.get(pool.id, []), found)
        for pool, found in zip(pools, workers, strict=True)
    ]
    if waiting_at is not None:
        waiting = await waiting_runs(client, {d.pool.name: d.queues for d in details}, waiting_at)
        for detail in details:
            detail.waiting = {q.id: waiting.get(q.id, 0) for q in detail.queues}
    return details


async def _workers_or_none(client: PrefectClient, pool_name: str) -> list[Worker]:
    # a pool deleted between the two reads simply shows no workers
    try:
        return await read_workers(client, pool_name)
    except NotFound:
        return []


async def waiting_runs(
    client: PrefectClient, queues_by_pool: dict[str, list[WorkQueue]], now: datetime
) -> dict[uuid.UUID, int]:
    """How many Scheduled runs are due by `now` in each queue, by queue id."""
    from prefect.schemas.work_pools import WorkPoolFilter, WorkPoolFilterName

    pool_names = sorted(name for name, queues in queues_by_pool.items() if queues)
    if not pool_names:
        return {}
    # which deployments send runs to each pool, read in pages
    deployment_ids: dict[str, list[uuid.UUID]] = {}
    offset = 0
    while True:
        page = await client.read_deployments(
            work_pool_filter=WorkPoolFilter(name=WorkPoolFilterName(any_=pool_names)),
            limit=PAGE,
            offset=offset,
        )
        for deployment in page:
            if deployment.work_pool_name:
                deployment_ids.setdefault(deployment.work_pool_name, []).append(deployment.id)
        offset += len(page)
        if len(page) < PAGE:
            break

    async def count(pool_name: str, queue: WorkQueue) -> tuple[uuid.UUID, int]:
        ids = deployment_ids.get(pool_name, [])
        total = 0
        for start in range(0, len(ids), ID_CHUNK):
            total += await _count_due(client, ids[start : start + ID_CHUNK], queue.name, now)
        return queue.id, total

    counted = await asyncio.gather(
        *(count(name, queue) for name in pool_names for queue in queues_by_pool[name])
    )
    return dict(counted)


async def _count_due(
    client: PrefectClient, deployment_ids: list[uuid.UUID], queue_name: str, now: datetime
) -> int:
    from prefect.schemas.filters import (
        FlowRunFilter,
        NullableIdFilter,
        StateFilter,
        StateTypeFilter,
        StringAnyFilter,
        TimeFilter,
    )
    from prefect.schemas.objects import StateType

    return await client.count_flow_runs(
        flow_run_filter=FlowRunFilter(
            deployment_id=NullableIdFilter(any_=deployment_ids),
            work_queue_name=StringAnyFilter(any_=[queue_name]),
            state=StateFilter(type=StateTypeFilter(any_=[StateType.SCHEDULED])),
            expected_start_time=TimeFilter(before_=now),
        )
    )


# -- queues ----------------------------------------------------------------------------


def parse_work_queue_ref(value: str) -> uuid.UUID | str:
    """A queue id, or a name (exit code 2 for an empty one)."""
    text = value.strip()
    if not text:
        raise ConsoleError("A work queue name cannot be empty", usage=True)
    try:
        return uuid.UUID(text)
    except ValueError:
        return text


async def read_work_queue_ref(
    client: PrefectClient, ref: str | uuid.UUID, *, pool: str | None = None
) -> WorkQueue:
    """The queue with this id, or of this name in `pool` (without one, as the API finds it)."""
    from prefect.exceptions import ObjectNotFound

    parsed = ref if isinstance(ref, uuid.UUID) else parse_work_queue_ref(ref)
    if pool is not None and not pool.strip():
        raise ConsoleError("A work pool name cannot be empty", usage=True)
    try:
        if isinstance(parsed, uuid.UUID):
            queue = await client.read_work_queue(parsed)
        else:
            queue = await client.read_work_queue_by_name(parsed, work_pool_name=pool)
    except ObjectNotFound:
        if pool is not None:
            await read_work_pool_named(client, pool)  # says so when the pool is missing
        where = f" in work pool '{pool}'" if pool is not None else ""
        raise NotFound(f"Work queue '{parsed}' not found{where}") from None
    if isinstance(parsed, uuid.UUID) and pool is not None and queue.work_pool_name != pool:
        raise NotFound(f"Work queue '{parsed}' not found in work pool '{pool}'")
    return queue


@dataclass
class WorkQueueDetail:
    queue: WorkQueue
    status: WorkQueueStatusDetail | None


async def inspect_work_queue(
    client: PrefectClient, ref: str | uuid.UUID, *, pool: str | None = None
) -> WorkQueueDetail:
    """A queue with its status (healthy, late runs, last polled)."""
    from prefect.exceptions import ObjectNotFound

    queue = await read_work_queue_ref(client, ref, pool=pool)
    try:
        status: WorkQueueStatusDetail | None = await client.read_work_queue_status(queue.id)
    except ObjectNotFound:  # deleted in between
        status = None
    return WorkQueueDetail(queue, status)


def queue_names(queues: Iterable[WorkQueue]) -> str:
    return ", ".join(q.name for q in queues)
