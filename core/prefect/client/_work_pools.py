"""Work pool, work queue and worker methods of the client (Prefect 3 names).

The schema module is imported inside the methods: most processes that import the client
(a flow run, a CLI verb about flows) never touch a work pool.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from prefect.client._base import BaseClient, _json
from prefect.exceptions import ObjectAlreadyExists

if TYPE_CHECKING:
    from prefect.schemas.objects import FlowRun
    from prefect.schemas.work_pools import (
        Worker,
        WorkerFilter,
        WorkerFlowRunResponse,
        WorkPool,
        WorkPoolCreate,
        WorkPoolFilter,
        WorkPoolUpdate,
        WorkQueue,
        WorkQueueFilter,
        WorkQueueStatusDetail,
    )


def _name(name: str) -> str:
    return quote(name, safe="")


def _filter(model: Any) -> Any:
    return None if model is None else model.model_dump(mode="json", exclude_unset=True)


class WorkPoolClientMixin(BaseClient):
    # -- pools --------------------------------------------------------------------------------

    async def create_work_pool(
        self, work_pool: WorkPoolCreate, overwrite: bool = False
    ) -> WorkPool:
        """Create the pool; with `overwrite`, an existing pool of that name takes this one's
        settings instead (all but its type, as in Prefect)."""
        from prefect.schemas.work_pools import WorkPool, WorkPoolUpdate

        body = work_pool.model_dump(mode="json", exclude_unset=True)
        try:
            return WorkPool.model_validate(await self._post("/work_pools/", body))
        except ObjectAlreadyExists:
            if not overwrite:
                raise
        update = WorkPoolUpdate.model_validate(work_pool.model_dump(exclude={"name", "type"}))
        await self.update_work_pool(work_pool.name, update)
        return await self.read_work_pool(work_pool.name)

    async def read_work_pool(self, work_pool_name: str) -> WorkPool:
        from prefect.schemas.work_pools import WorkPool

        return WorkPool.model_validate(await self._get(f"/work_pools/{_name(work_pool_name)}"))

    async def read_work_pools(
        self,
        limit: int | None = None,
        offset: int = 0,
        work_pool_filter: WorkPoolFilter | None = None,
    ) -> list[WorkPool]:
        from prefect.schemas.work_pools import WorkPool

        body = {"limit": limit, "offset": offset, "work_pools": _filter(work_pool_filter)}
        return [WorkPool.model_validate(p) for p in await self._post("/work_pools/filter", body)]

    async def count_work_pools(self, work_pool_filter: WorkPoolFilter | None = None) -> int:
        return int(await self._post("/work_pools/count", {"work_pools": _filter(work_pool_filter)}))

    async def update_work_pool(self, work_pool_name: str, work_pool: WorkPoolUpdate) -> None:
        body = work_pool.model_dump(mode="json", exclude_unset=True)
        await self._patch(f"/work_pools/{_name(work_pool_name)}", body)

    async def delete_work_pool(self, work_pool_name: str) -> None:
        await self._delete(f"/work_pools/{_name(work_pool_name)}")

    async def get_scheduled_flow_runs_for_work_pool(
        self,
        work_pool_name: str,
        work_queue_names: list[str] | None = None,
        scheduled_before: datetime | None = None,
        *,
        limit: int | None = None,
        wait_seconds: float | None = None,
    ) -> list[WorkerFlowRunResponse]:
        """The runs a worker of the pool may start now (and a poll of its queues).

        `wait_seconds` (this server's addition) holds the request until there is work,
        at most that long; `limit` caps how many runs come back."""
        from prefect.schemas.work_pools import WorkerFlowRunResponse

        body: dict[str, Any] = {}
        if work_queue_names is not None:
            body["work_queue_names"] = list(work_queue_names)
        if scheduled_before is not None:
            body["scheduled_before"] = scheduled_before.isoformat()
        if limit is not None:
            body["limit"] = limit
        if wait_seconds:
            body["wait_seconds"] = wait_seconds
        path = f"/work_pools/{_name(work_pool_name)}/get_scheduled_flow_runs"
        return [WorkerFlowRunResponse.model_validate(r) for r in await self._post(path, body)]

    # -- workers ------------------------------------------------------------------------------

    async def send_worker_heartbeat(
        self,
        work_pool_name: str,
        worker_name: str,
        heartbeat_interval_seconds: float | None = None,
        get_worker_id: bool = False,
        worker_metadata: Any = None,
    ) -> uuid.UUID | None:
        """Record that the worker is alive; None (this server does not hand out worker ids)."""
        del get_worker_id, worker_metadata  # accepted for Prefect's signature
        interval = None if heartbeat_interval_seconds is None else int(heartbeat_interval_seconds)
        body = {"name": worker_name, "heartbeat_interval_seconds": interval}
        await self._post(f"/work_pools/{_name(work_pool_name)}/workers/heartbeat", body)
        return None

    async def read_workers_for_work_pool(
        self,
        work_pool_name: str,
        worker_filter: WorkerFilter | None = None,
        offset: int | None = None,
        limit: int | None = None,
    ) -> list[Worker]:
        from prefect.schemas.work_pools import Worker

        body = {"workers": _filter(worker_filter), "offset": offset, "limit": limit}
        path = f"/work_pools/{_name(work_pool_name)}/workers/filter"
        return [Worker.model_validate(w) for w in await self._post(path, body)]

    async def delete_worker(self, work_pool_name: str, worker_name: str) -> None:
        await self._delete(f"/work_pools/{_name(work_pool_name)}/workers/{_name(worker_name)}")

    # -- queues -------------------------------------------------------------------------------

    async def create_work_queue(
        self,
        name: str,
        description: str | None = None,
        is_paused: bool | None = None,
        concurrency_limit: int | None = None,
        priority: int | None = None,
        work_pool_name: str | None = None,
    ) -> WorkQueue:
        """A queue of `work_pool_name`, or of the default agent pool when none is named."""
        from prefect.schemas.work_pools import WorkQueue, WorkQueueCreate

        fields: dict[str, Any] = {
            "description": description,
            "is_paused": is_paused,
            "concurrency_limit": concurrency_limit,
            "priority": priority,
        }
        create = WorkQueueCreate(name=name, **{k: v for k, v in fields.items() if v is not None})
        body = _json(create)
        if work_pool_name is not None:
            data = await self._post(f"/work_pools/{_name(work_pool_name)}/queues", body)
        else:
            data = await self._post("/work_queues/", body)
        return WorkQueue.model_validate(data)

    async def read_work_queue(self, id: uuid.UUID | str) -> WorkQueue:
        from prefect.schemas.work_pools import WorkQueue

        return WorkQueue.model_validate(await self._get(f"/work_queues/{id}"))

    async def read_work_queue_by_name(
        self, name: str, work_pool_name: str | None = None
    ) -> WorkQueue:
        from prefect.schemas.work_pools import WorkQueue

        if work_pool_name is not None:
            path = f"/work_pools/{_name(work_pool_name)}/queues/{_name(name)}"
        else:
            path = f"/work_queues/name/{_name(name)}"
        return WorkQueue.model_validate(await self._get(path))

    async def update_work_queue(self, id: uuid.UUID | str, **kwargs: Any) -> None:
        """Change the given fields of the queue (names of Prefect's WorkQueueUpdate)."""
        from prefect.schemas.work_pools import WorkQueueUpdate

        if not kwargs:
            raise ValueError("No fields provided to update.")
        body = WorkQueueUpdate(**kwargs).model_dump(mode="json", exclude_unset=True)
        await self._patch(f"/work_queues/{id}", body)

    async def delete_work_queue_by_id(self, id: uuid.UUID | str) -> None:
        await self._delete(f"/work_queues/{id}")

    async def read_work_queues(
        self,
        work_pool_name: str | None = None,
        work_queue_filter: WorkQueueFilter | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> list[WorkQueue]:
        """Queues of one pool (by priority), or of every pool (by name)."""
        from prefect.schemas.work_pools import WorkQueue

        body = {"work_queues": _filter(work_queue_filter), "limit": limit, "offset": offset}
        if work_pool_name:
            path = f"/work_pools/{_name(work_pool_name)}/queues/filter"
        else:
            path = "/work_queues/filter"
        return [WorkQueue.model_validate(q) for q in await self._post(path, body)]

    async def match_work_queues(
        self, prefixes: list[str], work_pool_name: str | None = None
    ) -> list[WorkQueue]:
        """Every queue whose name starts with one of `prefixes` (case-insensitive)."""
        from prefect.schemas.work_pools import WorkQueueFilter

        flt = WorkQueueFilter.model_validate({"name": {"startswith_": prefixes}})
        found: list[WorkQueue] = []
        page = 100
        while batch := await self.read_work_queues(
            work_pool_name=work_pool_name, work_queue_filter=flt, limit=page, offset=len(found)
        ):
            found.extend(batch)
            if len(batch) < page:
                break
        return found

    async def get_runs_in_work_queue(
        self, id: uuid.UUID | str, limit: int = 10, scheduled_before: datetime | None = None
    ) -> list[FlowRun]:
        """The queue's runs due before `scheduled_before` (default: now); a poll of it."""
        from prefect.schemas.objects import FlowRun

        before = scheduled_before if scheduled_before is not None else datetime.now(UTC)
        body = {"limit": limit, "scheduled_before": before.isoformat()}
        return [
            FlowRun.model_validate(r) for r in await self._post(f"/work_queues/{id}/get_runs", body)
        ]

    async def read_work_queue_status(self, id: uuid.UUID | str) -> WorkQueueStatusDetail:
        from prefect.schemas.work_pools import WorkQueueStatusDetail

        return WorkQueueStatusDetail.model_validate(await self._get(f"/work_queues/{id}/status"))
