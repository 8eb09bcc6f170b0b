"""Operations on flows: list them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prefect_console.ops.errors import ConsoleError

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.objects import Flow


async def list_flows(
    client: PrefectClient, *, limit: int = 15, name: str | None = None
) -> list[Flow]:
    """Flows, newest first; `name` keeps those whose name contains it."""
    from prefect.schemas.filters import FlowFilter, NameFilter
    from prefect.schemas.sorting import FlowSort

    if limit < 0:
        raise ConsoleError("--limit must be 0 or more", usage=True)
    return await client.read_flows(
        flow_filter=FlowFilter(name=NameFilter(like_=name)) if name else None,
        sort=FlowSort.CREATED_DESC,
        limit=limit,
    )
