"""API calls made by user-facing helpers (`Variable`, `emit_event`, artifacts, ...).

They share the engine's client on the API loop instead of opening one per call: opening a
client (above all on the embedded store) costs far more than the call itself. The target
(API URL or database URL) is read in the caller's thread, where `temporary_settings`
apply, as for flow runs.

    value = call_sync(lambda client: client.read_variable_by_name("x"))
    value = await call_async(lambda client: client.read_variable_by_name("x"))
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient

__all__ = ["call_async", "call_sync"]

T = TypeVar("T")


async def _on_loop(
    key: tuple[str | None, str | None], call: Callable[[PrefectClient], Awaitable[T]]
) -> T:
    from prefect.engine import api

    client = await api.ensure_engine_client(key)
    return await call(client)


def call_sync(call: Callable[[PrefectClient], Awaitable[T]]) -> T:
    """Run `call(client)` on the API loop and wait for it (from a synchronous caller)."""
    from prefect.client._loop import run_sync
    from prefect.engine.api import target_key

    return run_sync(_on_loop(target_key(), call))


async def call_async(call: Callable[[PrefectClient], Awaitable[T]]) -> T:
    """Await `call(client)` on the API loop from a coroutine on any loop."""
    from prefect.client._loop import run_async
    from prefect.engine.api import target_key

    return await run_async(_on_loop(target_key(), call))
