"""Find the embedded store by name.

The SDK never imports the server: the server package registers a factory under the entry
point group ``prefect.embedded_store`` (name ``default``). The factory is an async context
manager ``open_embedded_app(database_url)`` yielding an ASGI app that is ready to serve.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from functools import lru_cache
from typing import Any

from prefect.exceptions import ServerUnreachable

ENTRY_POINT_GROUP = "prefect.embedded_store"

EmbeddedFactory = Callable[..., AbstractAsyncContextManager[Any]]


@lru_cache(maxsize=1)
def load_embedded_factory(name: str = "default") -> EmbeddedFactory:
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            factory: EmbeddedFactory = ep.load()
            return factory
    raise ServerUnreachable(
        "PREFECT_API_URL is not set and no embedded store is installed "
        f"(entry point group {ENTRY_POINT_GROUP!r}); set PREFECT_API_URL or reinstall "
        "prefect-console"
    )
