"""Counts of runs that cost the same on a store of a thousand runs or of ten million.

`/flow_runs/count`, `/task_runs/count` and the `/paginate` routes answer an int, as in
Prefect. An exact `count(*)` visits every matching row: a second or more for the task
runs of a large PostgreSQL store, and it grows with the store until it meets the
statement timeout. So a count is exact up to `PREFECT_SERVER_API_EXACT_COUNT_LIMIT`
(default 10,000) matching runs, found by reading at most that many plus one; past it,
PostgreSQL answers with its planner's estimate of the matching rows (from the table
statistics that autovacuum keeps, and never less than the limit plus one), so a caller
learns that there are "about N, more than the limit" for the cost of planning one
query. SQLite has no such estimate and counts exactly: it is the single-machine store.
The console only counts small sets (runs per state per hour, a queue's due runs), which
stay exact; a 0 limit makes every count exact.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles

from prefect_server.database.dialects import dialect_of

EXACT_COUNT_SETTING = "PREFECT_SERVER_API_EXACT_COUNT_LIMIT"


def exact_count_limit() -> int:
    from prefect.settings import get_current_settings

    return int(get_current_settings().value_of(EXACT_COUNT_SETTING))


async def bounded_count(session: AsyncSession, table: Any, where: list[Any]) -> int:
    """How many rows of `table` match `where`: exact up to the limit, then estimated."""
    limit = exact_count_limit()
    matching = sa.select(sa.literal(1)).select_from(table).where(*where)
    if limit <= 0 or dialect_of(session) != "postgresql":
        stmt = sa.select(sa.func.count()).select_from(table).where(*where)
        return int((await session.execute(stmt)).scalar_one())
    capped = sa.select(sa.func.count()).select_from(matching.limit(limit + 1).subquery())
    found = int((await session.execute(capped)).scalar_one())
    if found <= limit:
        return found
    return max(limit + 1, await _estimate(session, matching))


class _Explain(sa.sql.expression.Executable, sa.sql.expression.ClauseElement):
    """`EXPLAIN (FORMAT JSON)` of a statement, with the statement's own bound values."""

    inherit_cache = False

    def __init__(self, stmt: sa.Select[Any]) -> None:
        self.stmt = stmt


@compiles(_Explain, "postgresql")
def _compile_explain(element: _Explain, compiler: Any, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + str(compiler.process(element.stmt, **kw))


async def _estimate(session: AsyncSession, stmt: sa.Select[Any]) -> int:
    """The planner's estimate of the rows `stmt` returns (no row is read)."""
    plan = (await session.execute(_Explain(stmt))).scalar_one()
    document = json.loads(plan) if isinstance(plan, str) else plan
    return int(document[0]["Plan"]["Plan Rows"])
