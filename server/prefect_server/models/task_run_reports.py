"""`POST /task_runs/report`: task runs orchestrated in the flow process, stored in bulk.

A batch holds up to about a thousand runs and a few states each. It is written with a
fixed number of statements whatever its size: one lookup of the runs already stored (and
of the states of those runs), one multi-row INSERT and one executemany UPDATE for the
runs, one multi-row INSERT for the new states.

On SQLite (the embedded store, where this route's CPU is the flow process's own) the rows
go to the driver as plain tuples, encoded here the way the columns' types would encode
them: SQLAlchemy's per-row parameter processing was half the cost of the writes. On
PostgreSQL the Core statements are used as they are.
"""

from __future__ import annotations

import operator
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from prefect._time import now
from prefect.schemas.actions import TaskRunReport
from prefect.schemas.objects import State, TaskRun
from pydantic_core import to_json
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database import orm
from prefect_server.database.types import JSONType, Seconds, Timestamp
from prefect_server.events.reports import task_runs_reported
from prefect_server.orchestration.transition import state_row_values

# the run fields the flow process computes and the server stores as sent
_RUN_FIELDS = (
    "name",
    "flow_run_id",
    "task_key",
    "dynamic_key",
    "cache_key",
    "cache_expiration",
    "task_version",
    "tags",
    "labels",
    "state_type",
    "state_name",
    "run_count",
    "flow_run_run_count",
    "expected_start_time",
    "next_scheduled_start_time",
    "start_time",
    "end_time",
    "total_run_time",
)
# bound-parameter lists stay well under SQLite's and asyncpg's limits
_CHUNK = 2000


def _run_values(run: TaskRun) -> dict[str, Any]:
    d = run.__dict__
    values: dict[str, Any] = {name: d[name] for name in _RUN_FIELDS}
    values["id"] = run.id
    state = run.state
    if state is not None:
        values["state_type"] = state.type.value
        values["state_name"] = state.name
        values["state_id"] = state.id
    else:
        values["state_type"] = run.state_type.value if run.state_type else None
        values["state_id"] = run.state_id
    values["empirical_policy"] = run.empirical_policy.model_dump(mode="json")
    values["task_inputs"] = {
        key: [item.model_dump(mode="json") for item in items]
        for key, items in run.task_inputs.items()
    }
    return values


def _core_insert(model: type[orm.Base]) -> sa.Insert:
    # a Core INSERT of plain rows skips the ORM's per-row bookkeeping, which a batch of a
    # thousand task runs and their states would otherwise pay on every report
    return sa.insert(cast(sa.Table, model.__table__))


async def _existing_ids(
    session: AsyncSession, column: Any, ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    found: set[uuid.UUID] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        found.update((await session.execute(sa.select(column).where(column.in_(chunk)))).scalars())
    return found


async def store_reports(session: AsyncSession, reports: Sequence[TaskRunReport]) -> tuple[int, int]:
    """Upsert the runs and append unseen states; returns (runs written, states added)."""
    runs: dict[uuid.UUID, TaskRun] = {}
    states: dict[uuid.UUID, tuple[uuid.UUID, State]] = {}
    for report in reports:
        run = report.task_run
        # a later report of the same run in one batch wins
        runs[run.id] = run
        for state in report.states:
            states.setdefault(state.id, (run.id, state))
        if run.state is not None:
            states.setdefault(run.state.id, (run.id, run.state))
    if not runs:
        return 0, 0

    sqlite = session.get_bind().dialect.name == "sqlite"
    lookup = _existing_ids_sqlite if sqlite else _existing_ids
    known_runs = await lookup(session, orm.TaskRun.id, list(runs))
    # a state is only ever stored together with its run (here, or by set_state on a run
    # that exists), so only the states of runs stored before can be known already
    maybe_known = [state_id for state_id, (run_id, _) in states.items() if run_id in known_runs]
    known_states = await lookup(session, orm.TaskRunState.id, maybe_known) if maybe_known else set()

    new_runs = [_run_values(run) for run_id, run in runs.items() if run_id not in known_runs]
    old_runs = [_run_values(run) for run_id, run in runs.items() if run_id in known_runs]
    new_states = [
        {**state_row_values(state), "task_run_id": run_id}
        for state_id, (run_id, state) in states.items()
        if state_id not in known_states
    ]
    if sqlite:
        await _write_sqlite(session, new_runs, old_runs, new_states)
    else:
        if new_runs:
            await session.execute(_core_insert(orm.TaskRun), new_runs)
        if old_runs:
            await session.execute(sa.update(orm.TaskRun), old_runs)
        if new_states:
            await session.execute(_core_insert(orm.TaskRunState), new_states)
    if new_states:
        await task_runs_reported(session, reports, new_states, known_run_ids=known_runs)
    return len(runs), len(new_states)


# -- SQLite: rows straight to the driver ---------------------------------------------------


_ZERO = timedelta(0)


def _sqlite_time(value: datetime | None) -> str | None:
    # Timestamp's storage on SQLite: naive UTC in SQLAlchemy's DATETIME text format
    # ("2026-01-02 03:04:05.000006"; isoformat is several times cheaper than strftime)
    if value is None:
        return None
    offset = value.utcoffset()
    if offset is not None and offset != _ZERO:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_uuid(value: uuid.UUID | None) -> str | None:
    return None if value is None else value.hex


_EMPTY_JSON: dict[type, str] = {dict: "{}", list: "[]"}


def _sqlite_json(value: Any) -> str:
    # None too: a JSON column stores Python None as the JSON text `null`
    if value is None:
        return "null"
    if not value:
        empty = _EMPTY_JSON.get(type(value))
        if empty is not None:
            return empty  # tags, labels, ...: mostly empty
    encoded: str = to_json(value).decode()
    return encoded


def _sqlite_seconds(value: timedelta | float | None) -> float | None:
    if value is None:
        return None
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


Encoder = Callable[[Any], Any] | None


def sqlite_encoder(column: sa.Column[Any]) -> Encoder:
    """How the driver receives `column`'s values on SQLite (None: as they are)."""
    kind = column.type
    if isinstance(kind, Timestamp):
        return _sqlite_time
    if isinstance(kind, sa.Uuid):
        return _sqlite_uuid
    if isinstance(kind, JSONType):
        return _sqlite_json
    if isinstance(kind, Seconds):
        return _sqlite_seconds
    if isinstance(kind, sa.String | sa.Integer | sa.Float):
        return None
    raise TypeError(f"no SQLite encoding for column {column.key} of type {kind!r}")


def _called(wrapped: Callable[[Any], Any]) -> Callable[[], Any]:
    # SQLAlchemy hands a callable default the execution context; ours ignore it
    return lambda: wrapped(None)


class SqliteRows:
    """A table's INSERT, and UPDATE by id, as driver statements with encoded tuples.

    A column missing from the rows gets its default, as a Core INSERT would give it
    (`updated` is stamped on UPDATE, as its `onupdate` says). The rows of one call share
    their keys (they come from one function), so what to do with each column is worked
    out once per call: a row is one C-level `itemgetter` and the encoders of the columns
    whose values need one.
    """

    def __init__(self, table: sa.Table) -> None:
        self.columns = [column.key for column in table.columns]
        self.encoders = [sqlite_encoder(column) for column in table.columns]
        # column -> (a callable default, or None; a scalar default)
        self.defaults: dict[str, tuple[Callable[[], Any] | None, Any]] = {}
        for column in table.columns:
            default = column.default
            if default is not None:
                arg = default.arg  # type: ignore[attr-defined]
                if default.is_callable:
                    self.defaults[column.key] = (_called(arg), None)
                else:
                    self.defaults[column.key] = (None, arg)
        self._names = {column.key: column.name for column in table.columns}
        self._table = table

    def insert(self, rows: Sequence[dict[str, Any]]) -> tuple[str, list[tuple[Any, ...]]]:
        """`INSERT INTO table (...) VALUES (?, ...)` and the rows' parameter tuples."""
        stamp = now()
        present = rows[0].keys()
        keys: list[str] = []  # taken from each row, in this order
        encoded: list[tuple[int, Callable[[Any], Any]]] = []  # (position, encoder)
        per_row: list[tuple[Callable[[], Any], Encoder]] = []  # callable defaults
        per_row_keys: list[str] = []
        fixed_keys: list[str] = []
        fixed: list[Any] = []  # the same for every row
        for key, encode in zip(self.columns, self.encoders, strict=True):
            factory, default = self.defaults.get(key, (None, None))
            if key in present:
                if encode is not None:
                    encoded.append((len(keys), encode))
                keys.append(key)
            elif key == "created" or key == "updated":
                fixed_keys.append(key)
                fixed.append(encode(stamp) if encode else stamp)
            elif factory is not None:
                per_row_keys.append(key)
                per_row.append((factory, encode))
            else:
                # a scalar default, or none: SQL NULL, as an INSERT leaving it out stores
                fixed_keys.append(key)
                fixed.append(encode(default) if encode and key in self.defaults else default)
        columns = keys + fixed_keys + per_row_keys
        names = ", ".join(f'"{self._names[key]}"' for key in columns)
        marks = ", ".join("?" * len(columns))
        sql = f'INSERT INTO "{self._table.name}" ({names}) VALUES ({marks})'
        take = operator.itemgetter(*keys)
        single = len(keys) == 1
        out = []
        for row in rows:
            values = [take(row)] if single else list(take(row))
            for position, encode in encoded:
                values[position] = encode(values[position])
            values.extend(fixed)
            for factory, encode in per_row:
                value = factory()
                values.append(encode(value) if encode else value)
            out.append(tuple(values))
        return sql, out

    def update(self, rows: Sequence[dict[str, Any]]) -> tuple[str, list[tuple[Any, ...]]]:
        """`UPDATE ... SET <the rows' keys>, updated WHERE id = ?` and its parameters."""
        keys = [key for key in rows[0] if key not in ("id", "updated")]
        index = {key: i for i, key in enumerate(self.columns)}
        encoders = [self.encoders[index[key]] for key in keys]
        sets = ", ".join(f'"{self._names[key]}" = ?' for key in keys)
        sql = f'UPDATE "{self._table.name}" SET {sets}, "updated" = ? WHERE "id" = ?'
        stamp = _sqlite_time(now())
        params = []
        for row in rows:
            values = [
                row[key] if encode is None else encode(row[key])
                for key, encode in zip(keys, encoders, strict=True)
            ]
            values.append(stamp)
            values.append(_sqlite_uuid(row["id"]))
            params.append(tuple(values))
        return sql, params


_rows: dict[str, SqliteRows] = {}


def sqlite_rows(model: type[orm.Base]) -> SqliteRows:
    table = cast(sa.Table, model.__table__)
    found = _rows.get(table.name)
    if found is None:
        found = _rows[table.name] = SqliteRows(table)
    return found


async def _existing_ids_sqlite(
    session: AsyncSession, column: Any, ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    # the same lookup as `_existing_ids`, as a driver statement: through the ORM session
    # it cost half a millisecond, as much as the rest of a one-run report
    connection = await session.connection()
    table = column.table.name
    found: set[uuid.UUID] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = [value.hex for value in ids[start : start + _CHUNK]]
        marks = ", ".join("?" * len(chunk))
        sql = f'SELECT "{column.name}" FROM "{table}" WHERE "{column.name}" IN ({marks})'
        result = await connection.exec_driver_sql(sql, tuple(chunk))
        found.update(uuid.UUID(hex=row[0]) for row in result)
    return found


async def _write_sqlite(
    session: AsyncSession,
    new_runs: list[dict[str, Any]],
    old_runs: list[dict[str, Any]],
    new_states: list[dict[str, Any]],
) -> None:
    connection = await session.connection()
    runs = sqlite_rows(orm.TaskRun)
    if new_runs:
        await connection.exec_driver_sql(*runs.insert(new_runs))
    if old_runs:
        await connection.exec_driver_sql(*runs.update(old_runs))
    if new_states:
        states = sqlite_rows(orm.TaskRunState)
        await connection.exec_driver_sql(*states.insert(new_states))
