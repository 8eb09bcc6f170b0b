"""One background event loop per process for API I/O.

Synchronous callers (the sync client facade, sync flows and tasks) hand coroutines to this
loop instead of starting an event loop of their own per call. The loop thread is a daemon;
work queued on it is drained by the atexit hooks that users of the loop register.
"""

from __future__ import annotations

import asyncio
import atexit
import gc
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_thread: threading.Thread | None = None
_shutdown_hooks: list[Callable[[], Coroutine[Any, Any, None]]] = []


def get_api_loop() -> asyncio.AbstractEventLoop:
    """The process-wide API loop, started on first use."""
    global _loop, _thread
    if _loop is not None:
        return _loop
    with _lock:
        if _loop is None:
            loop = asyncio.new_event_loop()
            ready = threading.Event()

            def _run() -> None:
                asyncio.set_event_loop(loop)
                loop.call_soon(ready.set)
                loop.run_forever()

            _thread = threading.Thread(target=_run, name="prefect-api-loop", daemon=True)
            _thread.start()
            ready.wait()
            _loop = loop
            atexit.register(_shutdown)
    return _loop


def in_api_loop() -> bool:
    return _thread is not None and threading.current_thread() is _thread


def submit(coro: Coroutine[Any, Any, T]) -> Future[T]:
    """Schedule `coro` on the API loop; returns a concurrent future."""
    return asyncio.run_coroutine_threadsafe(coro, get_api_loop())


def run_sync(coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
    """Run `coro` on the API loop and wait for its result from a synchronous caller."""
    if in_api_loop():
        coro.close()
        raise RuntimeError("run_sync() called from the API loop itself; await instead")
    return submit(coro).result(timeout)


async def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Await `coro` on the API loop from a coroutine running on another loop."""
    if in_api_loop():
        return await coro
    return await asyncio.wrap_future(submit(coro))


def on_shutdown(hook: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run `hook()` on the API loop at interpreter exit, last registered first."""
    _shutdown_hooks.append(hook)


def _shutdown() -> None:
    loop = _loop
    if loop is None or loop.is_closed():
        return

    async def _run_hooks() -> None:
        while _shutdown_hooks:
            hook = _shutdown_hooks.pop()
            try:
                await hook()
            except Exception:  # exit must go on; the hook logs its own errors
                pass

    try:
        asyncio.run_coroutine_threadsafe(_run_hooks(), loop).result(timeout=30)
    except Exception:  # best effort at exit
        pass
    loop.call_soon_threadsafe(loop.stop)
    # Everything is flushed. The interpreter's final garbage collections over the objects a
    # flow process holds (pydantic schemas, SQLAlchemy metadata, ...) take ~0.5 s here; frozen
    # objects are skipped by them.
    gc.freeze()
