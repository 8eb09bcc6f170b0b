"""Running the API server in the foreground (`prefect server start`).

Startup problems a person can fix (the port is taken, the database cannot be reached) are
raised as `ServerStartError` with a one-line message, before uvicorn starts, so the CLI
can print that line instead of a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import socket
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from prefect.settings import get_current_settings

if TYPE_CHECKING:
    from fastapi import FastAPI
    from prefect.settings import Settings


class ServerStartError(Exception):
    """The server cannot start; the message is one line saying why."""


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or ServerStartError when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named, not left 0: asyncio turns Nagle's algorithm off only on sockets
    # that say they are TCP, and with it on, a response written in two parts (headers,
    # then body) waited for the client's delayed ACK: 40 ms on every kept-alive request
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    # SO_REUSEADDR only skips TIME_WAIT leftovers; a live listener still makes bind fail
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        reason = exc.strerror or str(exc)
        raise ServerStartError(f"Cannot listen on {host}:{port}: {reason}") from None
    sock.set_inheritable(True)
    return sock


def _one_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


async def check_database(url: str, timeout: float) -> None:
    """Connect to the store and migrate it; ServerStartError if that fails."""
    from prefect_server.app import open_database

    try:
        db = await asyncio.wait_for(open_database(url, timeout=timeout), timeout=timeout + 5)
    except Exception as exc:
        raise ServerStartError(f"Cannot open the database: {_one_line(exc)}") from None
    await db.dispose()


def with_services(app: FastAPI, settings: Settings) -> FastAPI:
    """`app` whose lifespan also runs the enabled background services on its store."""
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from prefect_server.services.runner import ServiceRunner

        # the store is open once `inner` is entered; the services share it and stop first
        async with inner(app), ServiceRunner(app.state.database, settings):
            yield

    app.router.lifespan_context = lifespan
    return app


def _show_service_logs(level: str) -> None:
    # uvicorn configures only its own loggers; service lines go to stderr beside them
    services = logging.getLogger("prefect_server.services")
    if not services.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        services.addHandler(handler)
    services.setLevel(level.upper())


def _server_class() -> type:
    import uvicorn

    from prefect_server.events import pool_wakeups

    class Server(uvicorn.Server):
        """uvicorn's server, releasing workers' held polls as soon as it is asked to stop
        (it waits for the requests in flight before it stops)."""

        def handle_exit(self, sig: int, frame: Any) -> None:
            pool_wakeups.release_all()
            super().handle_exit(sig, frame)

    return Server


def run_server(host: str, port: int, *, log_level: str = "warning", services: bool = True) -> None:
    """Serve the API on host:port until interrupted (blocking).

    With `services` (the default) the enabled background services run in this process
    too; `prefect server start --no-services` leaves them to another process.
    """
    settings = get_current_settings()
    sock = bind_socket(host, port)
    try:
        asyncio.run(
            check_database(
                settings.server_database_connection_url, settings.server_database_timeout
            )
        )
        import uvicorn

        from prefect_server.app import create_app

        server_class = _server_class()

        app = create_app(settings)
        if services:
            _show_service_logs(log_level)
            app = with_services(app, settings)
        config = uvicorn.Config(app, log_level=log_level.lower(), lifespan="on")
        # what is loaded by now (modules, routes, models: hundreds of thousands of
        # objects) lives as long as the process; moved out of the collector's reach, a
        # full collection no longer walks it all: those walks were the ~100 ms p95
        # spikes of run listings on a large store (tests/bench/bench_scale.py --freeze-gc)
        gc.collect()
        gc.freeze()
        server_class(config).run(sockets=[sock])
    finally:
        sock.close()
