"""`concurrency()` and `rate_limit()` for async code (see `prefect.concurrency`)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from prefect.concurrency._core import (
    AcquireConcurrencySlotTimeoutError,
    ConcurrencySlotAcquisitionError,
    acquire,
    as_names,
    release,
    renew_until_cancelled,
)

__all__ = [
    "AcquireConcurrencySlotTimeoutError",
    "ConcurrencySlotAcquisitionError",
    "concurrency",
    "rate_limit",
]


@contextlib.asynccontextmanager
async def concurrency(
    names: str | list[str],
    occupy: int = 1,
    timeout_seconds: float | None = None,
    max_retries: int | None = None,
    lease_duration: float = 300,
    strict: bool = False,
    holder: Any = None,
    suppress_warnings: bool = False,
) -> AsyncIterator[None]:
    """Hold `occupy` slots of each named limit for the duration of the block."""
    import asyncio as aio

    from prefect.client._loop import get_api_loop
    from prefect.engine import api
    from prefect.engine.user_api import call_async

    listed = as_names(names)
    if not listed:
        yield
        return
    lease_id = await call_async(
        lambda client: acquire(
            client,
            listed,
            occupy,
            "concurrency",
            timeout_seconds,
            max_retries,
            lease_duration,
            strict,
            holder,
        )
    )
    assert lease_id is not None
    renewal = aio.run_coroutine_threadsafe(
        renew_until_cancelled(api.engine_client(), lease_id, lease_duration), get_api_loop()
    )
    try:
        yield
    finally:
        renewal.cancel()
        await call_async(lambda client: release(client, lease_id))


async def rate_limit(
    names: str | list[str],
    occupy: int = 1,
    timeout_seconds: float | None = None,
    strict: bool = False,
) -> None:
    """Wait until `occupy` slots of each named rate limit are free and take them."""
    from prefect.engine.user_api import call_async

    listed = as_names(names)
    if listed:
        await call_async(
            lambda client: acquire(
                client, listed, occupy, "rate_limit", timeout_seconds, None, 0, strict
            )
        )
