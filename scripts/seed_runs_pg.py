"""The PostgreSQL side of `seed_runs.py`: runs made by the server, not row by row in Python.

Each chunk is two statements. The first draws `chunk` flow runs from `generate_series`
and writes them with their state rows (a data-modifying CTE, so each run's state id is
written on both sides in one pass) and returns their ids; the second makes those runs'
task runs (`floor(random() * spread)` each, none for runs that never started) with their
state rows the same way. Nothing but the ids crosses the wire, so ten million task runs
take minutes, bound by index maintenance rather than by Python.

The mix matches the Python path for SQLite: see `seed_runs.MIX` and `seed_runs.TASKS`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

_FLOW_RUNS = """
WITH src AS (
    SELECT gen_random_uuid() AS id, gen_random_uuid() AS state_id,
           random() AS r, random() AS r_time, random() AS r_start,
           1 + floor(random() * cardinality(CAST(:flow_ids AS uuid[])))::int AS fi,
           floor(random() * 2)::int AS di,
           random() < :with_deployment AS has_dep,
           -ln(1.0 - random()) * 120.0 AS seconds,
           floor(random() * 1000000)::int AS suffix,
           1 + floor(random() * 9)::int AS adj, 1 + floor(random() * 9)::int AS animal,
           1 + floor(random() * 4)::int AS tag
    FROM generate_series(1, :chunk)
), typed AS (
    SELECT src.*,
        CASE WHEN r < 0.80 THEN 'COMPLETED' WHEN r < 0.89 THEN 'FAILED'
             WHEN r < 0.91 THEN 'CRASHED' WHEN r < 0.93 THEN 'CANCELLED'
             WHEN r < 0.96 THEN 'RUNNING' ELSE 'SCHEDULED' END AS state_type,
        CASE WHEN r < 0.80 THEN 'Completed' WHEN r < 0.89 THEN 'Failed'
             WHEN r < 0.91 THEN 'Crashed' WHEN r < 0.93 THEN 'Cancelled'
             WHEN r < 0.96 THEN 'Running' WHEN r < 0.99 THEN 'Scheduled' ELSE 'Late' END
             AS state_name
    FROM src
), timed AS (
    SELECT typed.*,
        CASE state_name
            WHEN 'Scheduled' THEN CAST(:now AS timestamptz) + r_time * interval '7 days'
            WHEN 'Late' THEN CAST(:now AS timestamptz) - r_time * interval '1 day'
            WHEN 'Running' THEN CAST(:now AS timestamptz) - r_time * interval '2 hours'
            ELSE CAST(:now AS timestamptz) - r_time * interval '30 days' END AS expected
    FROM typed
), placed AS (
    SELECT timed.*,
        CASE WHEN state_type <> 'SCHEDULED' THEN expected + r_start * interval '5 seconds' END
            AS started,
        CASE WHEN has_dep THEN (CAST(:deployment_ids AS uuid[]))[(fi - 1) * 2 + di + 1] END
            AS deployment_id,
        CASE WHEN has_dep THEN (fi + di) % 2 + 1 END AS qi
    FROM timed
), runs AS (
    INSERT INTO flow_run (
        id, name, flow_id, deployment_id, work_queue_id, work_queue_name, work_pool_id,
        work_pool_name, state_id, state_type, state_name, tags, labels, empirical_policy,
        run_count, expected_start_time, next_scheduled_start_time, start_time, end_time,
        total_run_time, parameters, context, auto_scheduled, created, updated
    )
    SELECT id,
        (CAST(:adjectives AS text[]))[adj] || '-' || (CAST(:animals AS text[]))[animal]
            || '-' || suffix,
        (CAST(:flow_ids AS uuid[]))[fi], deployment_id,
        (CAST(:queue_ids AS uuid[]))[qi], (CAST(:queue_names AS text[]))[qi],
        CASE WHEN has_dep THEN CAST(:pool_id AS uuid) END,
        CASE WHEN has_dep THEN CAST(:pool_name AS text) END,
        state_id, state_type, state_name,
        (CAST(:tags AS jsonb[]))[tag], '{}', '{}',
        CASE WHEN started IS NULL THEN 0 ELSE 1 END,
        expected,
        CASE WHEN state_type = 'SCHEDULED' THEN expected END,
        started,
        CASE WHEN state_type NOT IN ('SCHEDULED', 'RUNNING')
             THEN started + seconds * interval '1 second' END,
        CASE WHEN state_type NOT IN ('SCHEDULED', 'RUNNING') THEN seconds ELSE 0 END,
        '{}', '{}',
        has_dep AND state_type = 'SCHEDULED',
        LEAST(expected, CAST(:now AS timestamptz)),
        LEAST(COALESCE(started + seconds * interval '1 second', expected),
              CAST(:now AS timestamptz))
    FROM placed
    RETURNING id, state_id, state_type, state_name, expected_start_time, start_time,
              end_time, created
)
INSERT INTO flow_run_state (id, flow_run_id, type, name, timestamp, state_details,
                            created, updated)
SELECT state_id, id, state_type, state_name,
       LEAST(COALESCE(end_time, start_time, expected_start_time), CAST(:now AS timestamptz)),
       jsonb_build_object('flow_run_id', id), created, created
FROM runs
RETURNING flow_run_id
"""

# the last task run of a run that did not complete carries the run's own end
_TASK_RUNS = """
WITH fr AS (
    SELECT id, state_type, state_name, start_time, run_count,
           COALESCE(end_time, CAST(:now AS timestamptz)) AS until,
           floor(random() * :spread)::int AS n
    FROM flow_run
    WHERE id = ANY(CAST(:ids AS uuid[])) AND start_time IS NOT NULL
), t AS (
    SELECT fr.*, i, random() AS r,
           (CAST(:tasks AS text[]))[1 + (i - 1) % cardinality(CAST(:tasks AS text[]))] AS task,
           fr.start_time + (fr.until - fr.start_time) * ((i - 1)::float8 / n) AS t_start,
           fr.start_time + (fr.until - fr.start_time) * (i::float8 / n) AS t_end
    FROM fr CROSS JOIN LATERAL generate_series(1, fr.n) AS i
), s AS (
    SELECT t.*, gen_random_uuid() AS task_run_id, gen_random_uuid() AS task_state_id,
        CASE WHEN i < n OR state_type = 'COMPLETED' THEN 'COMPLETED' ELSE state_type END
            AS task_type,
        CASE WHEN i < n OR state_type = 'COMPLETED'
             THEN CASE WHEN r < 0.05 THEN 'Cached' ELSE 'Completed' END
             ELSE state_name END AS task_name
    FROM t
), ins AS (
    INSERT INTO task_run (
        id, flow_run_id, name, task_key, dynamic_key, task_inputs, flow_run_run_count,
        state_id, state_type, state_name, tags, labels, empirical_policy, run_count,
        expected_start_time, start_time, end_time, total_run_time, created, updated
    )
    SELECT task_run_id, id, task || '-' || (i - 1), task || '-' || md5(task),
        (i - 1)::text, '{}', run_count, task_state_id, task_type, task_name, '[]', '{}', '{}',
        1, t_start, t_start,
        CASE WHEN task_type <> 'RUNNING' THEN t_end END,
        CASE WHEN task_type <> 'RUNNING' THEN extract(epoch FROM t_end - t_start) ELSE 0 END,
        t_start, COALESCE(CASE WHEN task_type <> 'RUNNING' THEN t_end END, t_start)
    FROM s
    RETURNING id, flow_run_id, state_id, state_type, state_name, start_time, end_time
)
INSERT INTO task_run_state (id, task_run_id, type, name, timestamp, state_details,
                            created, updated)
SELECT state_id, id, state_type, state_name, COALESCE(end_time, start_time),
       jsonb_build_object('task_run_id', id, 'flow_run_id', flow_run_id),
       COALESCE(end_time, start_time), COALESCE(end_time, start_time)
FROM ins
"""


def _uuids(name: str, value: list[uuid.UUID]) -> sa.BindParameter[Any]:
    return sa.bindparam(name, value, type_=postgresql.ARRAY(sa.Uuid()))


async def flow_runs_chunk(
    session: AsyncSession,
    *,
    chunk: int,
    now: datetime,
    flow_ids: list[uuid.UUID],
    deployment_ids: list[uuid.UUID],
    pool: tuple[uuid.UUID, str],
    queues: list[tuple[uuid.UUID, str]],
    with_deployment: float,
    names: tuple[list[str], list[str]],
    tags: list[str],
) -> list[uuid.UUID]:
    """Write `chunk` flow runs with their states; their ids."""
    stmt = sa.text(_FLOW_RUNS).bindparams(
        _uuids("flow_ids", flow_ids),
        _uuids("deployment_ids", deployment_ids),
        _uuids("queue_ids", [q[0] for q in queues]),
        sa.bindparam("queue_names", [q[1] for q in queues], type_=postgresql.ARRAY(sa.Text())),
        sa.bindparam("adjectives", names[0], type_=postgresql.ARRAY(sa.Text())),
        sa.bindparam("animals", names[1], type_=postgresql.ARRAY(sa.Text())),
        sa.bindparam("tags", tags, type_=postgresql.ARRAY(sa.Text())),
        sa.bindparam("now", now, type_=sa.DateTime(timezone=True)),
        sa.bindparam("pool_id", pool[0], type_=sa.Uuid()),
    )
    result = await session.execute(
        stmt, {"chunk": chunk, "with_deployment": with_deployment, "pool_name": pool[1]}
    )
    return list(result.scalars())


async def task_runs_chunk(
    session: AsyncSession,
    *,
    flow_run_ids: list[uuid.UUID],
    per_run: float,
    now: datetime,
    tasks: list[str],
) -> int:
    """Write the task runs of these flow runs (`per_run` on average over started runs);
    how many."""
    stmt = sa.text(_TASK_RUNS).bindparams(
        _uuids("ids", flow_run_ids),
        sa.bindparam("tasks", tasks, type_=postgresql.ARRAY(sa.Text())),
        sa.bindparam("now", now, type_=sa.DateTime(timezone=True)),
    )
    # floor(random() * spread) is uniform on 0..spread-1, whose mean is (spread - 1) / 2
    result = await session.execute(stmt, {"spread": 2 * per_run + 1})
    return int(result.rowcount)  # type: ignore[attr-defined]


SEEDED_TABLES = ["flow_run", "flow_run_state", "task_run", "task_run_state"]


async def drop_secondary_indexes(session: AsyncSession) -> list[str]:
    """Drop the seeded tables' indexes that back no constraint; their CREATE statements.

    Maintaining a dozen indexes row by row (most of them on random UUIDs or scattered
    times) is what slows a large seed down as it grows; built once at the end, from
    sorted input, they cost a fraction of that. Primary keys and unique constraints stay,
    so the foreign keys and the seed's own uniqueness are checked as it goes.
    """
    rows = await session.execute(
        sa.text(
            "SELECT i.indexname, i.indexdef FROM pg_indexes AS i "
            "WHERE i.schemaname = current_schema() AND i.tablename = ANY(:tables) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conname = i.indexname)"
        ).bindparams(sa.bindparam("tables", SEEDED_TABLES, type_=postgresql.ARRAY(sa.Text()))),
    )
    found = [(str(name), str(definition)) for name, definition in rows]
    for name, _definition in found:
        await session.execute(sa.text(f'DROP INDEX "{name}"'))
    return [definition for _name, definition in found]


async def create_indexes(session: AsyncSession, definitions: list[str]) -> None:
    # a larger sort budget than the default 64 MB: each build sorts millions of entries
    await session.execute(sa.text("SET LOCAL maintenance_work_mem = '512MB'"))
    for definition in definitions:
        await session.execute(sa.text(definition))
