"""Concurrency limit methods (v1 and v2) of the client (Prefect 3 names).

As in Prefect 3, the slot methods (`increment_*`, `decrement_*`, `release_*`, `renew_*`)
and the v2 update/delete return the HTTP response, so code written for Prefect that
reads `response.json()` keeps working. Slots that are not free raise
`ConcurrencySlotsLocked`, which carries the server's Retry-After (None when waiting would
never help, e.g. a tag limited to 0).

    async with get_client() as client:
        await client.create_global_concurrency_limit(
            GlobalConcurrencyLimitCreate(name="db", limit=5)
        )
        response = await client.increment_concurrency_slots_with_lease(
            ["db"], slots=1, mode="concurrency", lease_duration=300
        )
        lease_id = response.json()["lease_id"]
        ...
        await client.release_concurrency_slots_with_lease(lease_id)
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from prefect.client._base import BaseClient, _detail, _raise_for_status
from prefect.client._httpx import import_httpx
from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError

if TYPE_CHECKING:
    import httpx

    from prefect.schemas.concurrency import (
        ConcurrencyLimit,
        ConcurrencyLimitV2Create,
        ConcurrencyLimitV2Update,
        GlobalConcurrencyLimitResponse,
    )

_RETRIED = frozenset({429, 502, 503})


class ConcurrencySlotsLocked(PrefectHTTPStatusError):
    """The API answered 423: the slots asked for are not free now.

    `retry_after` is the server's estimate in seconds of when to ask again; None means
    asking again will not help (a tag limited to 0).
    """

    def __init__(self, message: str, *, retry_after: float | None, detail: Any = None) -> None:
        super().__init__(message, status_code=423, detail=detail)
        self.retry_after = retry_after


def _tag_path(tag: str) -> str:
    return f"/concurrency_limits/tag/{quote(tag, safe='')}"


def _v2_path(id_or_name: str | uuid.UUID) -> str:
    return f"/v2/concurrency_limits/{quote(str(id_or_name), safe='')}"


def _body(model: Any) -> Any:
    if isinstance(model, Mapping):
        return dict(model)
    return model.model_dump(mode="json", exclude_unset=True)


class ConcurrencyLimitClientMixin(BaseClient):
    # -- transport for the slot routes ------------------------------------------------------

    async def _slots_request(self, path: str, body: Any) -> httpx.Response:
        """POST `body`; a 423 becomes `ConcurrencySlotsLocked` with its Retry-After.

        The shared `request` keeps only the reason of an error answer, and these callers
        need the Retry-After header; connection errors and 429/502/503 are left to
        `request`, which retries them.
        """
        httpx = import_httpx()
        if self._http is None:
            raise RuntimeError("The client is not open; use it as `async with get_client()`.")
        try:
            response = await self._http.request("POST", path, json=body)
        except httpx.TransportError:
            return await self.request("POST", path, json=body)
        if response.status_code in _RETRIED:
            return await self.request("POST", path, json=body)
        if response.status_code == 423:
            header = response.headers.get("Retry-After")
            try:
                retry_after = float(header) if header is not None else None
            except ValueError:
                retry_after = None
            detail = _detail(response)
            raise ConcurrencySlotsLocked(
                f"POST {path} answered 423: {detail}", retry_after=retry_after, detail=detail
            )
        _raise_for_status(response)
        return response

    # -- v1: limits by tag ----------------------------------------------------------------

    async def create_concurrency_limit(self, tag: str, concurrency_limit: int) -> uuid.UUID:
        """Limit how many task runs carrying `tag` may run at once (updates an existing one)."""
        # the server validates (a bad value is a 422 like any other bad request)
        body = {"tag": tag, "concurrency_limit": concurrency_limit}
        data = await self._post("/concurrency_limits/", body)
        return uuid.UUID(data["id"])

    async def read_concurrency_limit_by_tag(self, tag: str) -> ConcurrencyLimit:
        from prefect.schemas.concurrency import ConcurrencyLimit

        try:
            data = await self._get(_tag_path(tag))
        except ObjectNotFound:
            raise ObjectNotFound(f"Concurrency limit for tag {tag!r} not found") from None
        return ConcurrencyLimit.model_validate(data)

    async def read_concurrency_limits(self, limit: int, offset: int) -> list[ConcurrencyLimit]:
        from prefect.schemas.concurrency import ConcurrencyLimit

        data = await self._post("/concurrency_limits/filter", {"limit": limit, "offset": offset})
        return [ConcurrencyLimit.model_validate(item) for item in data]

    async def reset_concurrency_limit_by_tag(
        self, tag: str, slot_override: list[uuid.UUID | str] | None = None
    ) -> None:
        """Free the tag's slots, or make exactly `slot_override` (task run ids) the holders."""
        override = [str(s) for s in slot_override] if slot_override is not None else None
        try:
            await self._post(f"{_tag_path(tag)}/reset", {"slot_override": override})
        except ObjectNotFound:
            raise ObjectNotFound(f"Concurrency limit for tag {tag!r} not found") from None

    async def delete_concurrency_limit_by_tag(self, tag: str) -> None:
        try:
            await self._delete(_tag_path(tag))
        except ObjectNotFound:
            raise ObjectNotFound(f"Concurrency limit for tag {tag!r} not found") from None

    async def increment_v1_concurrency_slots(
        self, names: list[str], task_run_id: uuid.UUID | str
    ) -> httpx.Response:
        """Take a slot of each tag in `names` for the task run, all or none."""
        body = {"names": list(names), "task_run_id": str(task_run_id)}
        return await self._slots_request("/concurrency_limits/increment", body)

    async def decrement_v1_concurrency_slots(
        self, names: list[str], task_run_id: uuid.UUID | str, occupancy_seconds: float
    ) -> httpx.Response:
        body = {
            "names": list(names),
            "task_run_id": str(task_run_id),
            "occupancy_seconds": occupancy_seconds,
        }
        return await self._slots_request("/concurrency_limits/decrement", body)

    # -- v2: global limits ------------------------------------------------------------------

    async def create_global_concurrency_limit(
        self, concurrency_limit: ConcurrencyLimitV2Create | Mapping[str, Any]
    ) -> uuid.UUID:
        """Create a global limit; `ObjectAlreadyExists` when the name is taken."""
        data = await self._post("/v2/concurrency_limits/", _body(concurrency_limit))
        return uuid.UUID(data["id"])

    async def update_global_concurrency_limit(
        self, name: str, concurrency_limit: ConcurrencyLimitV2Update | Mapping[str, Any]
    ) -> httpx.Response:
        try:
            return await self.request("PATCH", _v2_path(name), json=_body(concurrency_limit))
        except ObjectNotFound:
            raise ObjectNotFound(f"Global concurrency limit {name!r} not found") from None

    async def delete_global_concurrency_limit_by_name(self, name: str) -> httpx.Response:
        try:
            return await self.request("DELETE", _v2_path(name))
        except ObjectNotFound:
            raise ObjectNotFound(f"Global concurrency limit {name!r} not found") from None

    async def read_global_concurrency_limit_by_name(
        self, name: str
    ) -> GlobalConcurrencyLimitResponse:
        from prefect.schemas.concurrency import GlobalConcurrencyLimitResponse

        try:
            data = await self._get(_v2_path(name))
        except ObjectNotFound:
            raise ObjectNotFound(f"Global concurrency limit {name!r} not found") from None
        return GlobalConcurrencyLimitResponse.model_validate(data)

    async def upsert_global_concurrency_limit_by_name(self, name: str, limit: int) -> None:
        """Create the limit, or set its `limit` if it exists (two calls, not atomic)."""
        try:
            existing = await self.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            await self.create_global_concurrency_limit({"name": name, "limit": limit})
            return
        if existing.limit != limit:
            await self.update_global_concurrency_limit(name, {"limit": limit})

    async def read_global_concurrency_limits(
        self, limit: int = 10, offset: int = 0
    ) -> list[GlobalConcurrencyLimitResponse]:
        from prefect.schemas.concurrency import GlobalConcurrencyLimitResponse

        body = {"limit": limit, "offset": offset}
        data = await self._post("/v2/concurrency_limits/filter", body)
        return [GlobalConcurrencyLimitResponse.model_validate(item) for item in data]

    # -- v2: slots and leases ---------------------------------------------------------------

    async def increment_concurrency_slots(
        self,
        names: list[str],
        slots: int,
        mode: Literal["concurrency", "rate_limit"],
        create_if_missing: bool | None = None,
    ) -> httpx.Response:
        """Take `slots` on every active limit named, all or none."""
        body: dict[str, Any] = {"names": list(names), "slots": slots, "mode": mode}
        if create_if_missing is not None:
            body["create_if_missing"] = create_if_missing
        return await self._slots_request("/v2/concurrency_limits/increment", body)

    async def increment_concurrency_slots_with_lease(
        self,
        names: list[str],
        slots: int,
        mode: Literal["concurrency", "rate_limit"],
        lease_duration: float,
        holder: Mapping[str, Any] | None = None,
    ) -> httpx.Response:
        """As `increment_concurrency_slots`, held by a lease (`lease_id` in the answer)."""
        body: dict[str, Any] = {
            "names": list(names),
            "slots": slots,
            "mode": mode,
            "lease_duration": lease_duration,
        }
        if holder is not None:
            body["holder"] = {k: str(v) for k, v in holder.items()}
        return await self._slots_request("/v2/concurrency_limits/increment-with-lease", body)

    async def release_concurrency_slots(
        self, names: list[str], slots: int, occupancy_seconds: float
    ) -> httpx.Response:
        body = {"names": list(names), "slots": slots, "occupancy_seconds": occupancy_seconds}
        return await self._slots_request("/v2/concurrency_limits/decrement", body)

    async def release_concurrency_slots_with_lease(
        self, lease_id: uuid.UUID | str
    ) -> httpx.Response:
        body = {"lease_id": str(lease_id)}
        return await self._slots_request("/v2/concurrency_limits/decrement-with-lease", body)

    async def renew_concurrency_lease(
        self, lease_id: uuid.UUID | str, lease_duration: float
    ) -> httpx.Response:
        """Keep the lease's slots `lease_duration` seconds more; `ObjectNotFound` if gone."""
        path = f"/v2/concurrency_limits/leases/{quote(str(lease_id), safe='')}/renew"
        try:
            return await self._slots_request(path, {"lease_duration": lease_duration})
        except ObjectNotFound:
            raise ObjectNotFound(f"Concurrency lease {lease_id} not found") from None
