"""Running the API server in the foreground (`prefect server start`).

Startup problems a person can fix (the port is taken, the database cannot be reached) are
raised as `ServerStartError` with a one-line message, before uvicorn starts, so the CLI
can print that line instead of a traceback.
"""

from __future__ import annotations

import asyncio
import socket

from prefect.settings import get_current_settings


class ServerStartError(Exception):
    """The server cannot start; the message is one line saying why."""


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or ServerStartError when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
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


def run_server(host: str, port: int, *, log_level: str = "warning") -> None:
    """Serve the API on host:port until interrupted (blocking)."""
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

        config = uvicorn.Config(create_app(settings), log_level=log_level.lower(), lifespan="on")
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
