"""Filter bodies (`prefect.schemas.filters`) turned into SQL.

The schemas are plain data; every field of them is given meaning here. Conditions of one
filter are combined with its `operator` (and_/or_); the relation filters of a request
(`flows`, `flow_runs`, `task_runs`) always narrow the result (AND).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from prefect.schemas import filters as f
from prefect.schemas.sorting import FlowRunSort, FlowSort, LogSort, TaskRunSort
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from prefect_server.database import orm
from prefect_server.database.dialects import dialect_of

Condition = ColumnElement[bool]


def _combine(operator: f.Operator, conditions: Sequence[Condition]) -> Condition:
    if not conditions:
        return sa.true()
    if len(conditions) == 1:
        return conditions[0]
    return sa.and_(*conditions) if operator == "and_" else sa.or_(*conditions)


# -- leaves ---------------------------------------------------------------------------


def _id(col: Any, flt: f.IdFilter | None) -> list[Condition]:
    if flt is None:
        return []
    out: list[Condition] = []
    if flt.any_ is not None:
        out.append(col.in_(flt.any_))
    if flt.not_any_ is not None:
        out.append(sa.or_(col.is_(None), col.not_in(flt.not_any_)))
    return out


def _nullable_id(col: Any, flt: f.NullableIdFilter | None) -> list[Condition]:
    if flt is None:
        return []
    out: list[Condition] = []
    if flt.any_ is not None:
        out.append(col.in_(flt.any_))
    if flt.is_null_ is not None:
        out.append(col.is_(None) if flt.is_null_ else col.is_not(None))
    return out


def _name(col: Any, flt: f.NameFilter | None) -> list[Condition]:
    if flt is None:
        return []
    out: list[Condition] = []
    if flt.any_ is not None:
        out.append(col.in_(flt.any_))
    if flt.like_ is not None:
        # substring match, case-insensitive, with the user's text taken literally
        escaped = flt.like_.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        out.append(col.ilike(f"%{escaped}%", escape="\\"))
    return out


def _strings(col: Any, flt: f.StringAnyFilter | None) -> list[Condition]:
    if flt is None or flt.any_ is None:
        return []
    return [col.in_(flt.any_)]


def _time(col: Any, flt: f.TimeFilter | None) -> list[Condition]:
    if flt is None:
        return []
    out: list[Condition] = []
    if flt.before_ is not None:
        out.append(col <= flt.before_)
    if flt.after_ is not None:
        out.append(col >= flt.after_)
    if flt.is_null_ is not None:
        out.append(col.is_(None) if flt.is_null_ else col.is_not(None))
    return out


def _tag_present(col: Any, tags: list[str], dialect: str) -> Condition:
    """The JSON list column holds at least one of `tags`."""
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        jsonb: Any = sa.type_coerce(col, postgresql.JSONB)
        condition: Condition = jsonb.has_any(sa.cast(tags, postgresql.ARRAY(sa.String())))
        return condition
    elements = sa.func.json_each(col).table_valued("value")
    return sa.exists(sa.select(1).select_from(elements).where(elements.c.value.in_(tags)))


def _tags(col: Any, flt: f.TagsFilter | None, dialect: str) -> list[Condition]:
    if flt is None:
        return []
    out: list[Condition] = []
    if flt.all_ is not None:
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            out.append(sa.type_coerce(col, JSONB).contains(flt.all_))
        else:
            out.extend(_tag_present(col, [tag], dialect) for tag in flt.all_)
    if flt.any_ is not None:
        out.append(_tag_present(col, flt.any_, dialect))
    if flt.is_null_ is not None:
        length = (
            sa.func.jsonb_array_length(col)
            if dialect == "postgresql"
            else sa.func.json_array_length(col)
        )
        empty = sa.or_(col.is_(None), length == 0)
        out.append(empty if flt.is_null_ else sa.not_(empty))
    return out


def _state(type_col: Any, name_col: Any, flt: f.StateFilter | None) -> list[Condition]:
    if flt is None:
        return []
    out: list[Condition] = []
    if flt.type is not None:
        if flt.type.any_ is not None:
            out.append(type_col.in_([t.value for t in flt.type.any_]))
        if flt.type.not_any_ is not None:
            not_types = [t.value for t in flt.type.not_any_]
            out.append(sa.or_(type_col.is_(None), type_col.not_in(not_types)))
    if flt.name is not None:
        if flt.name.any_ is not None:
            out.append(name_col.in_(flt.name.any_))
        if flt.name.not_any_ is not None:
            out.append(sa.or_(name_col.is_(None), name_col.not_in(flt.name.not_any_)))
    return [_combine(flt.operator, out)] if out else []


def _start_time(t: type[orm.FlowRun], flt: f.TimeFilter | None, dialect: str) -> list[Condition]:
    """A flow run's start-time bounds; on PostgreSQL as bounds on the START_TIME sort key.

    A run is within bounds on start_time exactly when it has a start time and
    COALESCE(start_time, expected_start_time) is within them. PostgreSQL has an index in
    that expression's sort order (0002) and statistics on it, so a START_TIME sorted page
    of a time window is then one range of that index; with the bounds on start_time it
    walked the index from the newest run and skipped the rest (0.5 s for a day a week
    back, among a million runs), and with both sets of bounds it misjudged their overlap.
    SQLite has no such index and keeps the plain bounds.
    """
    if flt is None or dialect != "postgresql":
        return _time(t.start_time, flt)
    started = sa.func.coalesce(t.start_time, t.expected_start_time)
    has_start = t.start_time.is_not(None)
    # leaf by leaf, so that the filter's operator (and_/or_) combines the same conditions
    out: list[Condition] = []
    if flt.before_ is not None:
        out.append(sa.and_(has_start, started <= flt.before_))
    if flt.after_ is not None:
        out.append(sa.and_(has_start, started >= flt.after_))
    if flt.is_null_ is not None:
        out.append(t.start_time.is_(None) if flt.is_null_ else has_start)
    return out


# -- per resource ---------------------------------------------------------------------


def flow_condition(flt: f.FlowFilter | None, dialect: str) -> Condition:
    if flt is None:
        return sa.true()
    t = orm.Flow
    return _combine(
        flt.operator,
        [*_id(t.id, flt.id), *_name(t.name, flt.name), *_tags(t.tags, flt.tags, dialect)],
    )


def flow_run_condition(flt: f.FlowRunFilter | None, dialect: str) -> Condition:
    if flt is None:
        return sa.true()
    t = orm.FlowRun
    conditions = [
        *_id(t.id, flt.id),
        *_name(t.name, flt.name),
        *_tags(t.tags, flt.tags, dialect),
        *_state(t.state_type, t.state_name, flt.state),
        *_strings(t.flow_version, flt.flow_version),
        *_start_time(t, flt.start_time, dialect),
        *_time(t.end_time, flt.end_time),
        *_time(t.expected_start_time, flt.expected_start_time),
        *_time(t.next_scheduled_start_time, flt.next_scheduled_start_time),
        *_nullable_id(t.deployment_id, flt.deployment_id),
        *_strings(t.work_queue_name, flt.work_queue_name),
        *_nullable_id(t.parent_task_run_id, flt.parent_task_run_id),
        *_strings(t.idempotency_key, flt.idempotency_key),
    ]
    if flt.parent_flow_run_id is not None and flt.parent_flow_run_id.any_ is not None:
        # a subflow's parent is the flow run of the task run that stands for it
        parents = sa.select(orm.TaskRun.id).where(
            orm.TaskRun.flow_run_id.in_(flt.parent_flow_run_id.any_)
        )
        conditions.append(t.parent_task_run_id.in_(parents))
    if flt.parent_flow_run_id is not None and flt.parent_flow_run_id.not_any_ is not None:
        others = sa.select(orm.TaskRun.id).where(
            orm.TaskRun.flow_run_id.in_(flt.parent_flow_run_id.not_any_)
        )
        conditions.append(
            sa.or_(t.parent_task_run_id.is_(None), t.parent_task_run_id.not_in(others))
        )
    return _combine(flt.operator, conditions)


def task_run_condition(flt: f.TaskRunFilter | None, dialect: str) -> Condition:
    if flt is None:
        return sa.true()
    t = orm.TaskRun
    conditions = [
        *_id(t.id, flt.id),
        *_name(t.name, flt.name),
        *_tags(t.tags, flt.tags, dialect),
        *_state(t.state_type, t.state_name, flt.state),
        *_time(t.start_time, flt.start_time),
        *_time(t.expected_start_time, flt.expected_start_time),
        *_nullable_id(t.flow_run_id, flt.flow_run_id),
    ]
    if flt.subflow_runs is not None and flt.subflow_runs.exists_ is not None:
        has_subflow = sa.exists(sa.select(1).where(orm.FlowRun.parent_task_run_id == t.id))
        conditions.append(has_subflow if flt.subflow_runs.exists_ else sa.not_(has_subflow))
    return _combine(flt.operator, conditions)


def log_condition(flt: f.LogFilter | None) -> Condition:
    if flt is None:
        return sa.true()
    t = orm.Log
    conditions = [
        *_time(t.timestamp, flt.timestamp),
        *_id(t.flow_run_id, flt.flow_run_id),
        *_nullable_id(t.task_run_id, flt.task_run_id),
    ]
    if flt.level is not None:
        if flt.level.ge_ is not None:
            conditions.append(t.level >= flt.level.ge_)
        if flt.level.le_ is not None:
            conditions.append(t.level <= flt.level.le_)
    return _combine(flt.operator, conditions)


# -- request bodies: the relation filters -------------------------------------------


def _given(flt: Any) -> bool:
    return flt is not None


RunBody = f.FlowFilterRequest | f.FlowRunFilterRequest | f.TaskRunFilterRequest | f.CountRequest
# More chosen ids than this stay a sub-select: each id is a bound value, and a driver
# takes at most 32,767 of those in one statement.
MAX_CHOSEN_IDS = 1_000


@dataclass(frozen=True)
class Chosen:
    """The ids that a body's filters on flows, deployments, work pools and work queues
    choose, read ahead of the statement on the runs (`choose_related`); None where the
    body has no such filter or chose too many.

    Those tables are small, and PostgreSQL cannot tell how many runs
    `work_queue_id IN (SELECT ...)` will match: it guessed 1,893 of a pool's 700,000
    runs, so it joined and sorted all of them for a page of 200 (3 s). Given the ids as
    values it reads its statistics for them, and walks the sort's index instead.
    """

    flows: list[uuid.UUID] | None = None
    deployments: list[uuid.UUID] | None = None
    pool_queues: list[uuid.UUID] | None = None
    queues: list[uuid.UUID] | None = None


def _related_selects(body: RunBody, dialect: str) -> dict[str, sa.Select[Any]]:
    """`Chosen` field -> the SELECT of its ids, for the related filters `body` has."""
    out: dict[str, sa.Select[Any]] = {}
    if _given(body.flows):
        out["flows"] = sa.select(orm.Flow.id).where(flow_condition(body.flows, dialect))
    if not (_given(body.deployments) or _given(body.work_pools) or _given(body.work_pool_queues)):
        return out
    # imported here: those modules build on this one
    from prefect_server.database import filters_deployments as fd
    from prefect_server.database.orm_deployments import Deployment
    from prefect_server.database.orm_work_pools import WorkPool, WorkQueue

    if _given(body.deployments):
        out["deployments"] = sa.select(Deployment.id).where(
            fd.deployment_condition(body.deployments, dialect)
        )
    if _given(body.work_pools):
        pools = sa.select(WorkPool.id).where(fd._pool_condition(body.work_pools))
        out["pool_queues"] = sa.select(WorkQueue.id).where(WorkQueue.work_pool_id.in_(pools))
    if _given(body.work_pool_queues):
        out["queues"] = sa.select(WorkQueue.id).where(fd._queue_condition(body.work_pool_queues))
    return out


def _id_list(flt: Any) -> list[uuid.UUID] | None:
    """The ids of a filter that is only an id list (`{"id": {"any_": [...]}}`), else None.

    The console's commonest listing, one flow's runs, names its flow so; looking the ids
    up would only confirm them (a run's flow_id matches an id or it does not)."""
    if flt is None or flt.model_fields_set - {"operator"} != {"id"}:
        return None
    ids = flt.id
    if ids is None or ids.model_fields_set != {"any_"} or ids.any_ is None:
        return None
    if len(ids.any_) > MAX_CHOSEN_IDS:
        return None
    return list(ids.any_)


async def choose_related(session: AsyncSession, body: RunBody) -> Chosen:
    """Read the ids `body`'s related filters choose (one small query per filter given)."""
    chosen: dict[str, list[uuid.UUID] | None] = {}
    given = _id_list(body.flows) if _given(body.flows) else None
    for name, stmt in _related_selects(body, dialect_of(session)).items():
        if name == "flows" and given is not None:
            chosen[name] = given
            continue
        ids = list((await session.execute(stmt.limit(MAX_CHOSEN_IDS + 1))).scalars())
        chosen[name] = ids if len(ids) <= MAX_CHOSEN_IDS else None
    return Chosen(**chosen)


def _in_chosen(
    col: Any, name: str, selects: dict[str, sa.Select[Any]], chosen: Chosen | None
) -> Condition:
    ids = getattr(chosen, name) if chosen is not None else None
    condition: Condition = col.in_(ids if ids is not None else selects[name])
    return condition


def _run_queue_filters(
    body: RunBody, dialect: str, chosen: Chosen | None = None
) -> list[Condition]:
    """Conditions on flow runs from the body's deployment, work pool and queue filters."""
    selects = _related_selects(body, dialect)
    run = orm.FlowRun
    out: list[Condition] = []
    if "deployments" in selects:
        out.append(_in_chosen(run.deployment_id, "deployments", selects, chosen))
    if "pool_queues" in selects:
        out.append(_in_chosen(run.work_queue_id, "pool_queues", selects, chosen))
    if "queues" in selects:
        out.append(_in_chosen(run.work_queue_id, "queues", selects, chosen))
    return out


def _of_flows(body: RunBody, dialect: str, chosen: Chosen | None) -> list[Condition]:
    if not _given(body.flows):
        return []
    selects = {"flows": sa.select(orm.Flow.id).where(flow_condition(body.flows, dialect))}
    return [_in_chosen(orm.FlowRun.flow_id, "flows", selects, chosen)]


def flows_where(body: f.FlowFilterRequest | f.CountRequest, dialect: str) -> list[Condition]:
    out = [flow_condition(body.flows, dialect)]
    if related := _run_queue_filters(body, dialect):
        # flows with a run of those deployments / pools / queues
        out.append(orm.Flow.id.in_(sa.select(orm.FlowRun.flow_id).where(*related)))
    if _given(body.flow_runs) or _given(body.task_runs):
        runs = sa.select(orm.FlowRun.flow_id).where(
            *_flow_runs_related(body.flow_runs, body.task_runs, dialect)
        )
        out.append(orm.Flow.id.in_(runs))
    return out


def _flow_runs_related(
    flow_runs: f.FlowRunFilter | None, task_runs: f.TaskRunFilter | None, dialect: str
) -> list[Condition]:
    out = [flow_run_condition(flow_runs, dialect)]
    if _given(task_runs):
        out.append(
            sa.exists(
                sa.select(1).where(
                    orm.TaskRun.flow_run_id == orm.FlowRun.id,
                    task_run_condition(task_runs, dialect),
                )
            )
        )
    return out


def flow_runs_where(
    body: f.FlowRunFilterRequest | f.CountRequest, dialect: str, chosen: Chosen | None = None
) -> list[Condition]:
    """Conditions on flow runs; `chosen` (see `choose_related`) in place of sub-selects."""
    out = _flow_runs_related(body.flow_runs, body.task_runs, dialect)
    out.extend(_run_queue_filters(body, dialect, chosen))
    out.extend(_of_flows(body, dialect, chosen))
    return out


def task_runs_where(
    body: f.TaskRunFilterRequest | f.CountRequest, dialect: str, chosen: Chosen | None = None
) -> list[Condition]:
    """Conditions on task runs; `chosen` (see `choose_related`) in place of sub-selects."""
    out = [task_run_condition(body.task_runs, dialect)]
    related = [*_run_queue_filters(body, dialect, chosen), *_of_flows(body, dialect, chosen)]
    if _given(body.flow_runs) or related:
        runs = sa.select(orm.FlowRun.id).where(
            flow_run_condition(body.flow_runs, dialect), *related
        )
        out.append(orm.TaskRun.flow_run_id.in_(runs))
    return out


# -- sorting ----------------------------------------------------------------------------


def _run_sort(t: type[orm.FlowRun] | type[orm.TaskRun], sort: str) -> list[Any]:
    # NULLS LAST everywhere, so both backends page the same way; id breaks ties.
    by: dict[str, list[Any]] = {
        "ID_DESC": [t.id.desc()],
        "START_TIME_ASC": [
            sa.func.coalesce(t.start_time, t.expected_start_time).asc().nulls_last()
        ],
        "START_TIME_DESC": [
            sa.func.coalesce(t.start_time, t.expected_start_time).desc().nulls_last()
        ],
        "EXPECTED_START_TIME_ASC": [t.expected_start_time.asc().nulls_last()],
        "EXPECTED_START_TIME_DESC": [t.expected_start_time.desc().nulls_last()],
        "NAME_ASC": [t.name.asc()],
        "NAME_DESC": [t.name.desc()],
        "NEXT_SCHEDULED_START_TIME_ASC": [t.next_scheduled_start_time.asc().nulls_last()],
        "END_TIME_DESC": [t.end_time.desc().nulls_last()],
    }
    return [*by[sort], t.id.desc()]


def flow_run_order(sort: FlowRunSort) -> list[Any]:
    return _run_sort(orm.FlowRun, sort.value)


def task_run_order(sort: TaskRunSort) -> list[Any]:
    return _run_sort(orm.TaskRun, sort.value)


def flow_order(sort: FlowSort) -> list[Any]:
    t = orm.Flow
    by: dict[FlowSort, list[Any]] = {
        FlowSort.CREATED_DESC: [t.created.desc()],
        FlowSort.UPDATED_DESC: [t.updated.desc()],
        FlowSort.NAME_ASC: [t.name.asc()],
        FlowSort.NAME_DESC: [t.name.desc()],
    }
    return [*by[sort], t.id.desc()]


def log_order(sort: LogSort) -> list[Any]:
    t = orm.Log
    if sort == LogSort.TIMESTAMP_DESC:
        return [t.timestamp.desc(), t.id.desc()]
    return [t.timestamp.asc(), t.id.asc()]
