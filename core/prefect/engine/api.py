"""The engine's client: one per process, open on the API loop, shared by every run.

Opening a client (above all the embedded store) costs far more than a run, so it is kept
open and reused. It is keyed by where it points (API URL or database URL, read in the
caller's thread, where `temporary_settings` apply): when a top-level flow run finds the
settings pointing elsewhere, queued reports go to the old target first, then the client
is replaced. At exit, queued reports and logs are flushed and the client is closed.
"""

from __future__ import annotations

import contextlib
import gc
import threading
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prefect.client._loop import on_shutdown

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.engine.reporter import LogSender, SendGate, TaskRunReporter
    from prefect.schemas.actions import LogCreate, TaskRunReport

__all__ = [
    "close_engine_client",
    "engine_client",
    "ensure_engine_client",
    "flush_all",
    "log_sender",
    "reporter",
    "target_key",
]

_client: PrefectClient | None = None
_client_key: tuple[str | None, str | None] | None = None
_flow_ids: dict[str, uuid.UUID] = {}
_reporter: TaskRunReporter | None = None
_log_sender: LogSender | None = None
_gate: SendGate | None = None
_init_lock = threading.Lock()
_hook_registered = False


def target_key() -> tuple[str | None, str | None]:
    """Where the engine should talk to, as the current thread's settings say."""
    from prefect.settings import get_current_settings

    settings = get_current_settings()
    if settings.api_url:
        return (settings.api_url, None)
    return (None, settings.server_database_connection_url)


async def ensure_engine_client(key: tuple[str | None, str | None]) -> PrefectClient:
    """The open client for `key`, replacing one that points elsewhere. On the API loop."""
    global _client, _client_key, _hook_registered
    if _client is not None and _client_key == key:
        return _client
    if _client is not None:
        await _drain_all()
        await close_engine_client()
    from prefect.client.orchestration import PrefectClient

    client = PrefectClient(api=key[0], database_url=key[1])
    await client.__aenter__()
    _client, _client_key = client, key
    _flow_ids.clear()
    if not _hook_registered:
        on_shutdown(_at_exit)
        _hook_registered = True
        # What is loaded by now (the SDK, and with the embedded store the whole server:
        # SQLAlchemy metadata, routes, pydantic schemas) lives as long as the process.
        # Moved out of the collector's reach, the full collections that a run's
        # allocations trigger no longer walk it: they were a quarter of the time of a
        # flow of 1,000 small tasks. (No collection first: that would cost the first run
        # ~0.1 s; the few cycles that are garbage right now are simply never freed.)
        gc.freeze()
    return client


def engine_client() -> PrefectClient:
    if _client is None:
        raise RuntimeError("The engine client is not open")
    return _client


async def close_engine_client() -> None:
    """Close the engine's client (tests call it between databases). On the API loop."""
    global _client, _client_key
    client, _client, _client_key = _client, None, None
    if client is not None:
        await client.__aexit__(None, None, None)


async def flow_id_for(name: str) -> uuid.UUID:
    flow_id = _flow_ids.get(name)
    if flow_id is None:
        flow_id = _flow_ids[name] = await engine_client().create_flow_from_name(name)
    return flow_id


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Hold off the cyclic garbage collector while the embedded store takes a batch.

    Serializing a batch, and the store parsing and writing it in this process, allocate
    tens of thousands of short-lived objects that reference counting frees; left on, the
    collector ran young and full passes over every run the flow still holds meanwhile
    (a tenth of the CPU of a flow of small tasks). With a remote API the batch is mostly
    waiting on the network, so the collector is left alone.
    """
    if not _embedded() or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def _send_reports(reports: list[TaskRunReport]) -> None:
    with _collector_paused():
        await engine_client().report_task_runs(reports)


async def _send_logs(logs: list[LogCreate]) -> None:
    with _collector_paused():
        await engine_client().create_logs(logs)


def _embedded() -> bool:
    """Whether the engine's client is the embedded store (its API runs in this process)."""
    return _client_key is not None and _client_key[0] is None


def _send_gate() -> SendGate:
    global _gate
    if _gate is None:
        from prefect.engine.reporter import SendGate

        _gate = SendGate(_embedded)
    return _gate


def reporter() -> TaskRunReporter:
    global _reporter
    if _reporter is None:
        with _init_lock:
            if _reporter is None:
                from prefect.engine.reporter import TaskRunReporter

                _reporter = TaskRunReporter(_send_reports, gate=_send_gate())
    return _reporter


def log_sender() -> LogSender:
    global _log_sender
    if _log_sender is None:
        with _init_lock:
            if _log_sender is None:
                from prefect.engine.reporter import LogSender

                _log_sender = LogSender(_send_logs, gate=_send_gate())
    return _log_sender


async def _drain_all() -> None:
    if _client is None:
        return
    await reporter().drain()
    await log_sender().drain()


def flush_all() -> None:
    """Send every queued report and log now (from a synchronous caller)."""
    reporter().flush()
    log_sender().flush()


async def _at_exit() -> None:
    await _drain_all()
    await close_engine_client()
