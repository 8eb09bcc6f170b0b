"""Migrations: applied on an empty store, a no-op on a migrated one, equal to the ORM."""

from __future__ import annotations

import asyncio
from pathlib import Path

import sqlalchemy as sa
from prefect_server.database.admin import reset_database, upgrade_database
from prefect_server.database.engine import Database
from prefect_server.database.migrate import MIGRATIONS_DIR, current_revision, migrate
from prefect_server.database.migrations import HEAD
from prefect_server.database.orm import Base


async def _drop_everything(db: Database) -> None:
    async with db.write_engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


async def _tables(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        return set(await conn.run_sync(lambda c: sa.inspect(c).get_table_names()))


def test_head_constant_matches_scripts() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD


async def test_migrate_empty_then_noop(database_url: str) -> None:
    db = Database(database_url)
    try:
        await _drop_everything(db)
        assert await current_revision(db) is None
        assert await migrate(db) is True
        assert await current_revision(db) == HEAD
        assert {"flow", "flow_run", "flow_run_state", "task_run", "task_run_state", "log"} <= (
            await _tables(db)
        )
        assert await migrate(db) is False
    finally:
        await db.dispose()


def _not_pg_sort_index(name: str | None, type_: str, parent_names: object) -> bool:
    # PostgreSQL-only expression indexes that the ORM does not declare (migration 0002)
    return not (type_ == "index" and name is not None and name.startswith("ix_pg_sort_"))


async def test_schema_matches_orm(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    assert await upgrade_database(database_url) in (True, False)
    db = Database(database_url)
    try:
        async with db.engine.connect() as conn:
            diff = await conn.run_sync(
                lambda c: compare_metadata(
                    MigrationContext.configure(
                        c, opts={"compare_type": True, "include_name": _not_pg_sort_index}
                    ),
                    Base.metadata,
                )
            )
        assert diff == []
    finally:
        await db.dispose()


async def test_reset_and_upgrade(api, database_url: str) -> None:
    assert (await api.post("/flows/", json={"name": "x"})).status_code == 201
    await reset_database(database_url)
    assert (await api.post("/flows/count", json={})).json() == 0
    assert await upgrade_database(database_url) is False


async def test_concurrent_first_start_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    dbs = [Database(url) for _ in range(5)]
    try:
        applied = await asyncio.gather(*(migrate(db) for db in dbs))
        assert applied.count(True) == 1
        assert await current_revision(dbs[0]) == HEAD
    finally:
        for db in dbs:
            await db.dispose()
