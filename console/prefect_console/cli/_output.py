"""Printing results: JSON for scripts, tables sized to the terminal for people."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from prefect.client.orchestration import PrefectClient
    from rich.console import Console

T = TypeVar("T")


def print_json(data: Any) -> None:
    import json

    sys.stdout.write(json.dumps(data, indent=2, sort_keys=False) + "\n")


def console() -> Console:
    from rich.console import Console

    # no highlighting or markup: values are data (a run may be named "[bold]x")
    return Console(highlight=False, markup=False, emoji=False, soft_wrap=False)


def run_with_client(fn: Callable[[PrefectClient], Awaitable[T]]) -> T:
    """Open a client (embedded store or PREFECT_API_URL), run `fn` with it, close it."""

    import asyncio

    async def go() -> T:
        from prefect.client.orchestration import get_client

        async with get_client() as client:
            return await fn(client)

    return asyncio.run(go())
