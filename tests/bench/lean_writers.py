"""The writers of `writers.py` on a lean HTTP/1.1 client, so that the client is not what
the benchmark measures.

httpx spends a few milliseconds of CPU on each request (on a loaded two-core machine),
as much as the server spends creating a run; eight such writers in one process took a
third of a core from the server they measured. Here each writer keeps one connection
and writes each request in one piece on asyncio streams; responses are parsed only as
far as the workload needs (status line, Content-Length, JSON body). Same routes and
bodies as `writers.py`, so the figures compare with any Prefect 3 API.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from urllib.parse import urlsplit

from tests.bench.writers import WriterFigures, run_writers, workload


class LeanConnection:
    """One kept-alive HTTP/1.1 connection to the API (JSON in, JSON out)."""

    def __init__(self, api_url: str) -> None:
        parts = urlsplit(api_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.prefix = parts.path.rstrip("/")
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: object) -> tuple[int, bytes]:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        assert self._reader is not None
        payload = json.dumps(body).encode()
        head = (
            f"POST {self.prefix}{path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
        )
        self._writer.write(head.encode() + payload)
        try:
            # the status line and the headers in one read: each await costs the client
            # CPU, and the client's time adds to every sequential request's
            head_bytes = await self._reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            if not exc.partial:  # the server closed the connection (after an error, say)
                raise ConnectionResetError("connection closed by the server") from None
            raise
        lines = head_bytes.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return status, await self._reader.readexactly(length)

    async def close(self) -> None:
        """Close the connection (the next request opens another)."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def _writer(
    api_url: str, flow_id: str, deadline: float, *, walk_states: bool, runs: int | None
) -> WriterFigures:
    figures = WriterFigures()
    conn = LeanConnection(api_url)

    async def call(path: str, body: dict[str, object]) -> dict[str, object] | None:
        figures.requests += 1
        try:
            status, raw = await conn.post(path, body)
        except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
            figures.errors += 1
            figures.error_samples.append(f"{type(exc).__name__}: {exc}")
            await conn.close()
            return None
        if status >= 300:
            figures.errors += 1
            if len(figures.error_samples) < 5:
                figures.error_samples.append(f"{status} {raw[:200]!r}")
            return None
        result: dict[str, object] = json.loads(raw)
        return result

    try:
        await workload(call, figures, flow_id, deadline, walk_states=walk_states, runs=runs)
    finally:
        await conn.close()
    return figures


async def run_lean_writers(
    api_url: str,
    *,
    clients: int,
    seconds: float,
    walk_states: bool = True,
    runs_per_client: int | None = None,
    flow_name: str = "bench-writers",
) -> tuple[WriterFigures, float]:
    """`writers.run_writers` on lean connections."""
    return await run_writers(
        api_url,
        clients=clients,
        seconds=seconds,
        walk_states=walk_states,
        runs_per_client=runs_per_client,
        flow_name=flow_name,
        writer=_writer,
    )
