"""The orchestration client: Prefect 3's method names over our REST API.

`PrefectClient` is written once, async, from one mixin per resource over the transport in
`prefect.client._base`. `SyncPrefectClient` runs the same coroutines on the process's API
loop (`prefect.client._loop`) and waits for them, so sync code gets the same methods
without a second implementation.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any, Literal, overload

from prefect.client._artifacts import ArtifactClientMixin
from prefect.client._base import EMBEDDED_BASE_URL, BaseClient
from prefect.client._blocks import BlockClientMixin
from prefect.client._concurrency import ConcurrencyLimitClientMixin
from prefect.client._deployments import DeploymentClientMixin
from prefect.client._events import EventClientMixin
from prefect.client._flow_runs import FlowRunClientMixin
from prefect.client._flows import FlowClientMixin
from prefect.client._logs import LogClientMixin
from prefect.client._task_runs import TaskRunClientMixin
from prefect.client._variables import VariableClientMixin
from prefect.client._work_pools import WorkPoolClientMixin

__all__ = ["EMBEDDED_BASE_URL", "BaseClient", "PrefectClient", "SyncPrefectClient", "get_client"]


class PrefectClient(
    FlowRunClientMixin,
    FlowClientMixin,
    TaskRunClientMixin,
    LogClientMixin,
    WorkPoolClientMixin,
    DeploymentClientMixin,
    BlockClientMixin,
    VariableClientMixin,
    ArtifactClientMixin,
    ConcurrencyLimitClientMixin,
    EventClientMixin,
):
    """Async client of the orchestration API (use it as ``async with``)."""


class SyncPrefectClient:
    """The same methods as `PrefectClient`, synchronous (use it as ``with``).

    The async client lives on the process's API loop; each method call runs the matching
    coroutine there and waits for it.
    """

    def __init__(self, **kwargs: Any) -> None:
        self._async = PrefectClient(**kwargs)

    @property
    def api_url(self) -> str | None:
        return self._async.api_url

    @property
    def target(self) -> str:
        return self._async.target

    @property
    def is_embedded(self) -> bool:
        return self._async.is_embedded

    def __enter__(self) -> SyncPrefectClient:
        from prefect.client._loop import run_sync

        run_sync(self._async.__aenter__())
        return self

    def __exit__(self, *exc_info: Any) -> None:
        from prefect.client._loop import run_sync

        run_sync(self._async.__aexit__(None, None, None))

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._async, name)
        if not asyncio.iscoroutinefunction(method):
            return method
        return _syncify(method)


def _syncify(method: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
    from prefect.client._loop import run_sync

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        return run_sync(method(*args, **kwargs))  # type: ignore[arg-type]

    return call


@overload
def get_client(sync_client: Literal[False] = False, **kwargs: Any) -> PrefectClient: ...


@overload
def get_client(sync_client: Literal[True], **kwargs: Any) -> SyncPrefectClient: ...


def get_client(sync_client: bool = False, **kwargs: Any) -> PrefectClient | SyncPrefectClient:
    """A client for the configured API: HTTP with PREFECT_API_URL, else the embedded store."""
    if sync_client:
        return SyncPrefectClient(**kwargs)
    return PrefectClient(**kwargs)
