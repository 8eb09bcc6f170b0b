"""`prefect.concurrency.sync` / `.asyncio`: `concurrency()` and `rate_limit()` against the
global concurrency limits of the embedded store (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest
from prefect import flow, task
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.concurrency import asyncio as aconcurrency
from prefect.concurrency.sync import (
    AcquireConcurrencySlotTimeoutError,
    ConcurrencySlotAcquisitionError,
    concurrency,
    rate_limit,
)
from prefect.exceptions import PrefectHTTPStatusError
from prefect.schemas.concurrency import GlobalConcurrencyLimitCreate

from tests.integration._engine_helpers import store  # noqa: F401


@pytest.fixture
def limits(store: str) -> Iterator[SyncPrefectClient]:  # noqa: F811
    with get_client(sync_client=True) as client:
        client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name="db", limit=2))
        client.create_global_concurrency_limit(
            GlobalConcurrencyLimitCreate(name="api", limit=1, slot_decay_per_second=20)
        )
        yield client


def _active(client: SyncPrefectClient, name: str) -> int:
    return int(client.read_global_concurrency_limit_by_name(name).active_slots)


def test_slots_are_held_for_the_block_and_released(limits: SyncPrefectClient) -> None:
    with concurrency("db", occupy=2):
        assert _active(limits, "db") == 2
        with (
            pytest.raises(AcquireConcurrencySlotTimeoutError, match=r"timed out after 0\.2"),
            concurrency("db", timeout_seconds=0.2),
        ):
            pass
    assert _active(limits, "db") == 0
    # released even when the block raises
    with pytest.raises(RuntimeError), concurrency(["db"]):
        raise RuntimeError("inside")
    assert _active(limits, "db") == 0


def test_a_waiter_gets_the_slot_when_it_is_released(limits: SyncPrefectClient) -> None:
    holding = threading.Event()
    release = threading.Event()
    order: list[str] = []

    def holder() -> None:
        with concurrency("db", occupy=2):
            order.append("holder in")
            holding.set()
            release.wait(10)
            order.append("holder out")

    thread = threading.Thread(target=holder)
    thread.start()
    assert holding.wait(10)

    @task
    def guarded() -> None:
        with concurrency("db"):
            order.append("task in")

    @flow
    def pipeline() -> None:
        future = guarded.submit()
        release.set()
        future.wait()

    pipeline()
    thread.join(10)
    assert order == ["holder in", "holder out", "task in"]


def test_missing_limits(limits: SyncPrefectClient) -> None:
    with concurrency("no-such-limit"):
        pass  # not waited for, only a warning
    with (
        pytest.raises(ConcurrencySlotAcquisitionError, match="must be created"),
        concurrency("no-such-limit", strict=True),
    ):
        pass
    # more slots than the limit has can never be taken: the API refuses at once
    with (
        pytest.raises(PrefectHTTPStatusError, match="greater than the limit") as info,
        concurrency("db", occupy=5, timeout_seconds=5),
    ):
        pass
    assert info.value.status_code == 422


def test_rate_limit_waits_for_decay(limits: SyncPrefectClient) -> None:
    rate_limit("api")
    assert _active(limits, "api") == 1
    with pytest.raises(AcquireConcurrencySlotTimeoutError):
        rate_limit("api", timeout_seconds=0.0)
    rate_limit("api")  # decays at 20 slots/s: soon free again


def test_async_spellings(limits: SyncPrefectClient) -> None:
    async def main() -> int:
        async with aconcurrency.concurrency("db", occupy=2):
            held = _active(limits, "db")
        await aconcurrency.rate_limit("api")
        return held

    assert asyncio.run(main()) == 2
    assert _active(limits, "db") == 0
