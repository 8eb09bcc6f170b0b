"""Log methods of the client."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from prefect.client._base import BaseClient, _batch_adapter, _json
from prefect.schemas.actions import LogCreate
from prefect.schemas.filters import LogFilter
from prefect.schemas.objects import Log
from prefect.schemas.sorting import LogSort


class LogClientMixin(BaseClient):
    async def create_logs(self, logs: Iterable[LogCreate | dict[str, Any]]) -> None:
        items = [LogCreate.model_validate(log) if isinstance(log, dict) else log for log in logs]
        if items:
            content = _batch_adapter(LogCreate).dump_json(items)
            await self.request("POST", "/logs/", content=content)

    async def read_logs(
        self,
        log_filter: LogFilter | None = None,
        limit: int | None = None,
        offset: int | None = None,
        sort: LogSort = LogSort.TIMESTAMP_ASC,
    ) -> list[Log]:
        body = {
            "logs": _json(log_filter),
            "limit": limit,
            "offset": offset or 0,
            "sort": sort.value,
        }
        return [Log.model_validate(entry) for entry in await self._post("/logs/filter", body)]
