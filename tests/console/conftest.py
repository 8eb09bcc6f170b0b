"""Fixtures for the console's tests: a seeded store on each backend, local time in UTC."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.console.seed import Seeded, pin_times, seed_runs


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # tables show local times: pin the zone so expectations do not depend on the machine
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def store(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The embedded store on `database_url` (SQLite and PostgreSQL), empty."""
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", database_url)
    return database_url


@pytest.fixture
def seeded(store: str) -> Seeded:
    """Four runs (Completed, Failed, Running, Scheduled) with task runs and logs."""
    seeded = seed_runs()
    pin_times(store)
    return seeded


@pytest.fixture
def sqlite_seeded(prefect_home: object, monkeypatch: pytest.MonkeyPatch) -> Seeded:
    """The same runs on the default SQLite store only (for the TUI and its snapshots)."""
    from prefect.settings import get_current_settings

    seeded = seed_runs()
    pin_times(get_current_settings().server_database_connection_url)
    return seeded
