"""`worker start --with-healthcheck`: `GET /health` on a small HTTP server in the worker.

200 `{"message": "OK"}` while the worker polls its pool, 503 when it has not polled for
a while (as Prefect's worker webserver answers), 404 for any other path. Served on the
worker's own event loop with asyncio streams: no web framework is loaded for one route.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable

__all__ = ["serve_health"]

_MAX_REQUEST = 8192


async def serve_health(host: str, port: int, healthy: Callable[[], bool]) -> asyncio.Server:
    """Start serving on `host:port`; close the returned server to stop."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            writer.close()
            return
        parts = head.split(b"\r\n", 1)[0].split()
        method, path = (parts[0], parts[1]) if len(parts) >= 2 else (b"", b"")
        if method in (b"GET", b"HEAD") and path.split(b"?", 1)[0] == b"/health":
            ok = healthy()
            status = "200 OK" if ok else "503 Service Unavailable"
            body = {"message": "OK" if ok else "Worker may be unresponsive at this time"}
        else:
            status, body = "404 Not Found", {"detail": "Not Found"}
        payload = json.dumps(body).encode()
        headers = (
            f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n"
        )
        writer.write(headers.encode() + (payload if method != b"HEAD" else b""))
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        writer.close()

    return await asyncio.start_server(handle, host, port, limit=_MAX_REQUEST)
