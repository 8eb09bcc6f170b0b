"""Time helpers shared by the SDK and the server: one notion of "now", always UTC-aware."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
