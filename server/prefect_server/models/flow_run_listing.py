"""Listing flow runs (`POST /flow_runs/filter`, `/paginate`) straight to wire models.

A listing of a few hundred runs spent most of its time outside the database: building
ORM objects, converting each of a run's forty-odd values (UUIDs, timestamps, JSON
documents) in Python, then validating the objects attribute by attribute into wire
models. Here the runs and their current states come from one SELECT with a LEFT JOIN,
as plain values; on SQLite the database even renders each run as one JSON document
(`json_object`), which pydantic validates in one call, so no value passes through
Python on its own. Both paths give the same `FlowRun` models as `convert.flow_run`.
"""

from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa
from prefect.schemas.filters import FlowRunFilterRequest
from prefect.schemas.objects import FlowRun
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from prefect_server.database import filters, orm
from prefect_server.database.dialects import dialect_of
from prefect_server.database.types import JSONType, Timestamp

# aliased, so that a filter naming flow_run_state keeps its own meaning
_state = aliased(orm.FlowRunState, name="current_state")
_RUN = orm.FlowRun.__table__
_RUN_COLUMNS = tuple(_RUN.columns)
_STATE_COLUMNS = tuple(orm.FlowRunState.__table__.columns)
# SQLite's functions take at most 127 arguments (json_object takes two per value)
_SQLITE_MAX_ARGS = 127


async def list_flow_runs(session: AsyncSession, body: FlowRunFilterRequest) -> list[FlowRun]:
    """The runs matching `body`'s filters, in its order and page, with their states."""
    dialect = dialect_of(session)
    chosen = await filters.choose_related(session, body)
    if dialect == "sqlite" and 2 * len(_RUN_COLUMNS) + 2 <= _SQLITE_MAX_ARGS:
        document = _sqlite_document()
        documents = await session.execute(_page_first(sa.select(document), body, dialect, chosen))
        return [FlowRun.model_validate_json(text) for text in documents.scalars()]
    labels = [f"state__{column.key}" for column in _STATE_COLUMNS]
    stmt = sa.select(
        *_RUN_COLUMNS,
        *(
            getattr(_state, column.key).label(label)
            for column, label in zip(_STATE_COLUMNS, labels, strict=True)
        ),
    )
    paged = (
        _page_first(stmt, body, dialect, chosen)
        if dialect in ("postgresql", "sqlite")
        else _paged(stmt, body, dialect, chosen)
    )
    out: list[FlowRun] = []
    for row in await session.execute(paged):
        values = row._asdict()
        run = {column.key: values[column.key] for column in _RUN_COLUMNS}
        run["state"] = (
            None
            if values["state__id"] is None
            else {
                column.key: values[label]
                for column, label in zip(_STATE_COLUMNS, labels, strict=True)
            }
        )
        out.append(FlowRun.model_validate(run))
    return out


def _paged(
    stmt: sa.Select[Any], body: FlowRunFilterRequest, dialect: str, chosen: filters.Chosen
) -> sa.Select[Any]:
    return (
        stmt.select_from(_RUN.outerjoin(_state, _state.id == _RUN.c.state_id))
        .where(*filters.flow_runs_where(body, dialect, chosen))
        .order_by(*filters.flow_run_order(body.sort))
        .offset(body.offset)
        .limit(body.limit)
    )


def _page_first(
    stmt: sa.Select[Any], body: FlowRunFilterRequest, dialect: str, chosen: filters.Chosen
) -> sa.Select[Any]:
    """`_paged`, the page's run ids first, then their rows and states.

    PostgreSQL joins before it sorts: when no index gives the order, or the page is deep,
    every run it passes gets its state looked up, and a million-run store then spent
    tens of thousands of lookups on one page. SQLite, sorting in a temporary B-tree,
    computes the selected values of every matching row first: a listing's JSON document
    for all of a flow's 10,000 runs to keep 200 (140 ms instead of 15). The ids alone can
    often be read from the sort's index without the table, and only the page's runs meet
    their states and become documents.
    """
    where = filters.flow_runs_where(body, dialect, chosen)
    order = filters.flow_run_order(body.sort)
    ids = sa.select(_RUN.c.id).where(*where)
    if dialect == "postgresql" and (split := _state_split(body)):
        # one ordered, limited branch per state, merged by the page's own sort
        column, values = split
        depth = body.offset + (body.limit or 0)
        branches = [ids.where(column == value).order_by(*order).limit(depth) for value in values]
        merged = sa.union_all(*branches).subquery("merged")
        ids = sa.select(_RUN.c.id).join(merged, merged.c.id == _RUN.c.id)
    page = ids.order_by(*order).offset(body.offset).limit(body.limit).subquery("page")
    joined = page.join(_RUN, _RUN.c.id == page.c.id).outerjoin(_state, _state.id == _RUN.c.state_id)
    return stmt.select_from(joined).order_by(*filters.flow_run_order(body.sort))


# a page is split by state for at most this many states, and this deep
_MAX_SPLIT_STATES = 5
_MAX_SPLIT_DEPTH = 1_000


def _state_split(body: FlowRunFilterRequest) -> tuple[Any, list[str]] | None:
    """The state column and values to read a page one state at a time, or None.

    A page of runs in any of a few states (Failed or Crashed, say) is not one range of
    the (state, sort key) indexes of 0011, so PostgreSQL walked the sort's index over
    every state, skipping the others (0.15 s for the newest 200 failed or crashed among a
    million runs). Read per state, each branch is one range. Only when the state list is
    a condition of its own (every operator up to it is AND), so the branches together
    hold exactly the matching runs.
    """
    runs = body.flow_runs
    if runs is None or runs.operator != "and_" or runs.state is None:
        return None
    state = runs.state
    if state.operator != "and_" and state.type is not None and state.name is not None:
        return None
    if body.limit is None or body.offset + body.limit > _MAX_SPLIT_DEPTH:
        return None
    for column, flt in ((_RUN.c.state_type, state.type), (_RUN.c.state_name, state.name)):
        if flt is None or flt.any_ is None:
            continue
        values = sorted({getattr(v, "value", v) for v in flt.any_})
        if 1 < len(values) <= _MAX_SPLIT_STATES:
            return column, values
    return None


def _json_value(column: Any) -> Any:
    """`column` as SQLite's json_object should render it for the wire model.

    Values are stored as `prefect_server.database.types` writes them on SQLite: UUIDs as
    32 hex digits, timestamps as naive UTC text ("2024-05-01 10:00:00.000000"), which
    becomes ISO 8601 with a Z here, JSON as text, which json() embeds as a document.
    Durations (float seconds), booleans (0 or 1), numbers and text validate as they are.
    """
    if isinstance(column.type, Timestamp):
        return sa.func.replace(column, " ", "T").concat("Z")
    if isinstance(column.type, JSONType):
        return sa.func.json(column)
    return column


def _json_object(pairs: list[tuple[str, Any]]) -> Any:
    arguments: list[Any] = []
    for key, value in pairs:
        arguments.extend((sa.literal(key), value))
    return sa.func.json_object(*arguments)


@functools.cache
def _sqlite_document() -> Any:
    """The json_object(...) expression of a run and its state, rendered once as SQL text:
    as an expression tree, building it and computing its cache key for every request
    cost more than running it."""
    from sqlalchemy.dialects import sqlite

    state = _json_object(
        [(column.key, _json_value(getattr(_state, column.key))) for column in _STATE_COLUMNS]
    )
    run = [(column.key, _json_value(column)) for column in _RUN_COLUMNS]
    run.append(("state", sa.case((_state.id.is_(None), sa.null()), else_=state)))
    sql = _json_object(run).compile(
        dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}
    )
    return sa.literal_column(str(sql), type_=sa.String()).label("document")
