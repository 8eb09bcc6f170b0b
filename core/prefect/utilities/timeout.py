"""Time limits for synchronous code.

A blocking call can only be interrupted from outside by a signal, so the limit is enforced
with SIGALRM when the run executes in the main thread of a Unix process. Elsewhere (worker
threads, Windows) the limit is not enforced for sync code; async code is limited with
`asyncio.wait_for` and does not need this.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any

__all__ = ["sync_timeout"]


@contextlib.contextmanager
def sync_timeout(seconds: float, kind: str = "Run") -> Iterator[None]:
    """Raise TimeoutError in this block after `seconds` (main thread, Unix only)."""
    usable = (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and seconds > 0
    )
    if not usable:
        yield
        return

    def _expire(signum: int, frame: Any) -> None:
        raise TimeoutError(f"{kind} run exceeded timeout of {seconds:g} second(s)")

    previous = signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
