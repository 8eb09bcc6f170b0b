"""Flow methods of the client (Prefect 3 names)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from prefect.client._base import BaseClient, _filter_body, _json
from prefect.exceptions import ObjectNotFound
from prefect.schemas.actions import FlowCreate, FlowUpdate
from prefect.schemas.filters import FlowFilter, FlowRunFilter, TaskRunFilter
from prefect.schemas.objects import Flow
from prefect.schemas.responses import FlowPaginationResponse
from prefect.schemas.sorting import FlowSort


class FlowClientMixin(BaseClient):
    async def create_flow(self, flow: Any) -> uuid.UUID:
        """Register `flow` (anything with a ``name``) by name; returns its id."""
        return await self.create_flow_from_name(flow.name)

    async def create_flow_from_name(self, flow_name: str) -> uuid.UUID:
        data = await self._post("/flows/", _json(FlowCreate(name=flow_name)))
        return uuid.UUID(data["id"])

    async def read_flow(self, flow_id: uuid.UUID | str) -> Flow:
        return Flow.model_validate(await self._get(f"/flows/{flow_id}"))

    async def read_flow_by_name(self, flow_name: str) -> Flow:
        try:
            data = await self._get(f"/flows/name/{quote(flow_name, safe='')}")
        except ObjectNotFound:
            raise ObjectNotFound(f"Flow {flow_name!r} not found") from None
        return Flow.model_validate(data)

    async def update_flow(self, flow_id: uuid.UUID | str, *, tags: Iterable[str]) -> None:
        """Replace the flow's tags (the only field of Prefect's FlowUpdate)."""
        update = FlowUpdate(tags=list(tags))
        await self._patch(f"/flows/{flow_id}", update.model_dump(mode="json", exclude_unset=True))

    async def delete_flow(self, flow_id: uuid.UUID | str) -> None:
        """Delete the flow with all its runs, their task runs, states and logs."""
        await self._delete(f"/flows/{flow_id}")

    async def paginate_flows(
        self,
        *,
        flow_filter: FlowFilter | None = None,
        flow_run_filter: FlowRunFilter | None = None,
        task_run_filter: TaskRunFilter | None = None,
        sort: FlowSort | None = None,
        limit: int | None = None,
        page: int = 1,
    ) -> FlowPaginationResponse:
        body = _filter_body(flow_filter, flow_run_filter, task_run_filter, sort, limit)
        body["page"] = page
        return FlowPaginationResponse.model_validate(await self._post("/flows/paginate", body))

    async def read_flows(
        self,
        *,
        flow_filter: FlowFilter | None = None,
        flow_run_filter: FlowRunFilter | None = None,
        task_run_filter: TaskRunFilter | None = None,
        sort: FlowSort | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Flow]:
        body = _filter_body(flow_filter, flow_run_filter, task_run_filter, sort, limit, offset)
        return [Flow.model_validate(f) for f in await self._post("/flows/filter", body)]

    async def count_flows(self, *, flow_filter: FlowFilter | None = None) -> int:
        return int(await self._post("/flows/count", _filter_body(flow_filter)))
