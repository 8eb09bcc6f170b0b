"""The few statements that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def insert(session: AsyncSession, table: Any) -> Any:
    """An INSERT that supports `on_conflict_do_nothing` on this session's backend."""
    # imported here: only the dialect in use is loaded
    if dialect_of(session) == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)


def seconds_between(dialect: str, later: Any, earlier: Any) -> Any:
    """SQL for `later - earlier` in seconds (float), for two timestamp expressions."""
    import sqlalchemy as sa

    if dialect == "postgresql":
        return sa.cast(sa.func.extract("epoch", later - earlier), sa.Float())
    # SQLite stores UTC text that julianday() reads; a day is 86400 s
    return (sa.func.julianday(later) - sa.func.julianday(earlier)) * 86400.0
