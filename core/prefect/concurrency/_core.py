"""Acquiring and releasing slots of global concurrency limits, on the API loop.

Slots taken by `concurrency()` are held by a lease: the server frees them by itself if the
process dies. While the block runs, the lease is renewed every three quarters of its
duration, so a block may run longer than `lease_duration`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient

__all__ = [
    "AcquireConcurrencySlotTimeoutError",
    "ConcurrencySlotAcquisitionError",
    "acquire",
    "release",
    "renew_until_cancelled",
]

logger = logging.getLogger("prefect.concurrency")


class ConcurrencySlotAcquisitionError(Exception):
    """Slots cannot be taken: a limit is missing (with `strict=True`) or can never fit."""


class AcquireConcurrencySlotTimeoutError(TimeoutError):
    """The slots were not free within `timeout_seconds`."""


def as_names(names: str | list[str]) -> list[str]:
    return [names] if isinstance(names, str) else list(names)


async def acquire(
    client: PrefectClient,
    names: list[str],
    occupy: int,
    mode: Literal["concurrency", "rate_limit"],
    timeout_seconds: float | None,
    max_retries: int | None,
    lease_duration: float,
    strict: bool,
    holder: Mapping[str, Any] | None = None,
) -> str | None:
    """Take `occupy` slots on every limit in `names`, waiting as the server says; the
    lease id (concurrency mode) or None (rate limit)."""
    from prefect.client._concurrency import ConcurrencySlotsLocked

    deadline = None if timeout_seconds is None else time.monotonic() + timeout_seconds
    retries = 0
    while True:
        try:
            if mode == "concurrency":
                response = await client.increment_concurrency_slots_with_lease(
                    names, occupy, mode, lease_duration, holder=holder
                )
                body = response.json()
                _check_found(names, body.get("limits", []), strict)
                return str(body["lease_id"])
            response = await client.increment_concurrency_slots(names, occupy, mode)
            _check_found(names, response.json(), strict)
            return None
        except ConcurrencySlotsLocked as exc:
            if exc.retry_after is None:
                raise ConcurrencySlotAcquisitionError(
                    f"Slots of {names} can never be taken: {exc.detail or exc}"
                ) from None
            retries += 1
            if max_retries is not None and retries > max_retries:
                raise ConcurrencySlotAcquisitionError(
                    f"Slots of {names} were not free after {max_retries} retries"
                ) from None
            wait = exc.retry_after
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AcquireConcurrencySlotTimeoutError(
                        f"Attempt to acquire concurrency slots of {names} timed out after "
                        f"{timeout_seconds:g} second(s)"
                    ) from None
                wait = min(wait, left)
            await asyncio.sleep(max(wait, 0.01))


def _check_found(names: list[str], limits: list[dict[str, Any]], strict: bool) -> None:
    found = {limit.get("name") for limit in limits}
    missing = [n for n in names if n not in found]
    if not missing:
        return
    if strict:
        raise ConcurrencySlotAcquisitionError(
            f"Concurrency limits {missing} must be created before acquiring slots"
        )
    logger.warning(
        "Concurrency limits %s do not exist (or are inactive); not waiting for them", missing
    )


async def release(client: PrefectClient, lease_id: str) -> None:
    await client.release_concurrency_slots_with_lease(lease_id)


async def renew_until_cancelled(
    client: PrefectClient, lease_id: str, lease_duration: float
) -> None:
    """Renew the lease every 3/4 of its duration until cancelled (when the block ends)."""
    while True:
        await asyncio.sleep(lease_duration * 0.75)
        try:
            await client.renew_concurrency_lease(lease_id, lease_duration)
        except Exception as exc:
            # the block goes on; if the lease lapses the server frees its slots
            logger.warning("Could not renew concurrency lease %s: %r", lease_id, exc)
