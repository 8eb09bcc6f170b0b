"""What migration 0011 and the query shapes for large stores must keep: the indexes exist,
pages read per state or through the start-time sort key hold exactly the runs a plain
filter gives, related filters mean the same read ahead or as sub-selects, and counts are
exact up to the limit and bounded past it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from prefect_server.database import filters
from prefect_server.database.engine import Database

Json = dict[str, Any]
T0 = datetime(2026, 3, 1, tzinfo=UTC)


async def _index_names(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        return await conn.run_sync(
            lambda c: {
                str(index["name"])
                for table in ("flow_run", "task_run")
                for index in sa.inspect(c).get_indexes(table)
            }
        )


async def test_migration_builds_the_scale_indexes(db: Database) -> None:
    names = await _index_names(db)
    assert {
        "ix_flow_run__state_type_expected_start_time",
        "ix_task_run__state_type_expected_start_time",
        "ix_flow_run__deployment_id_state_type_expected_start_time",
    } <= names
    # replaced by the indexes that begin with them
    assert not {"ix_flow_run__state_type", "ix_task_run__state_type"} & names
    pg_sort = {name for name in names if name.startswith("ix_pg_sort_")}
    if db.dialect == "postgresql":
        assert {
            "ix_pg_sort_flow_run_state_type_expected_desc",
            "ix_pg_sort_flow_run_state_name_expected_desc",
            "ix_pg_sort_flow_run_deployment_id_expected_desc",
            "ix_pg_sort_task_run_expected_start_time_desc",
            "ix_pg_sort_task_run_end_time_desc",
            "ix_pg_sort_task_run_state_type_expected_desc",
        } <= pg_sort
    else:
        assert pg_sort == set()


@pytest.fixture
async def mixed_runs(
    api: httpx.AsyncClient,
    make_flow_run: Callable[..., Awaitable[Json]],
    set_state: Callable[..., Awaitable[Json]],
) -> list[Json]:
    """Twelve runs, Failed, Crashed and Completed in turn, scheduled an hour apart (two at
    the same time); every fourth never started."""
    ids = []
    for i in range(12):
        when = T0 + timedelta(hours=4 if i == 5 else i)
        state = {"type": "SCHEDULED", "state_details": {"scheduled_time": when.isoformat()}}
        run = await make_flow_run(state=state, name=f"run-{i:02}")
        if i % 4 != 3:
            await set_state(run["id"], "RUNNING", force=True)
        await set_state(run["id"], ("FAILED", "CRASHED", "COMPLETED")[i % 3], force=True)
        ids.append(run["id"])
    return [(await api.get(f"/flow_runs/{run_id}")).json() for run_id in ids]


async def _ids(api: httpx.AsyncClient, body: Json) -> list[str]:
    response = await api.post("/flow_runs/filter", json=body)
    assert response.status_code == 200, response.text
    return [run["id"] for run in response.json()]


@pytest.mark.parametrize(
    "sort", ["EXPECTED_START_TIME_DESC", "EXPECTED_START_TIME_ASC", "NAME_ASC"]
)
@pytest.mark.parametrize(
    "state",
    [
        {"type": {"any_": ["FAILED", "CRASHED"]}},
        {"name": {"any_": ["Failed", "Completed"]}},
        {"type": {"any_": ["FAILED", "CRASHED", "COMPLETED"]}},
        # not a condition of its own: the types OR the name, never read per state
        {"operator": "or_", "type": {"any_": ["FAILED", "CRASHED"]}, "name": {"any_": ["x"]}},
    ],
)
async def test_pages_of_a_few_states_are_the_filtered_runs_in_order(
    api: httpx.AsyncClient, mixed_runs: list[Json], sort: str, state: Json
) -> None:
    body = {"flow_runs": {"state": state}, "sort": sort}
    whole = await _ids(api, body)  # no limit: one plain statement
    assert len(whole) == (12 if len(state.get("type", {}).get("any_", [])) == 3 else 8)
    for offset, limit in ((0, 3), (3, 3), (6, 3), (0, 8), (7, 5)):
        page = await _ids(api, {**body, "offset": offset, "limit": limit})
        assert page == whole[offset : offset + limit], (offset, limit)


async def test_a_state_list_under_or_is_not_split(
    api: httpx.AsyncClient, mixed_runs: list[Json]
) -> None:
    # Failed, or named "Run-00": the name matches no run, so the types alone decide
    body = {
        "flow_runs": {
            "operator": "or_",
            "state": {"type": {"any_": ["FAILED", "CRASHED"]}},
            "name": {"any_": [mixed_runs[2]["name"]]},  # a Completed run
        },
        "sort": "EXPECTED_START_TIME_DESC",
    }
    whole = await _ids(api, body)
    assert mixed_runs[2]["id"] in whole and len(whole) == 9
    assert await _ids(api, {**body, "limit": 4, "offset": 2}) == whole[2:6]


def _start(run: Json) -> datetime | None:
    value = run["start_time"]
    return None if value is None else datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.mark.parametrize("operator", ["and_", "or_"])
async def test_start_time_bounds_match_the_runs_started_within(
    api: httpx.AsyncClient,
    make_flow_run: Callable[..., Awaitable[Json]],
    mixed_runs: list[Json],
    operator: str,
) -> None:
    starts = sorted(s for run in mixed_runs if (s := _start(run)) is not None)
    after, before = starts[2], starts[6]
    # never started, but expected within the window: COALESCE(start, expected) is inside
    for _ in range(2):
        when = {"scheduled_time": (after + timedelta(microseconds=1)).isoformat()}
        await make_flow_run(state={"type": "SCHEDULED", "state_details": when})
    window = {"after_": after.isoformat(), "before_": before.isoformat()}
    body = {
        "flow_runs": {"operator": operator, "start_time": window},
        "sort": "START_TIME_DESC",
    }
    if operator == "and_":
        expected = {r["id"] for r in mixed_runs if (s := _start(r)) and after <= s <= before}
    else:
        expected = {r["id"] for r in mixed_runs if (s := _start(r)) and (s <= before or s >= after)}
    assert set(await _ids(api, body)) == expected
    nulls = {"flow_runs": {"start_time": {"is_null_": True}}}
    assert len(await _ids(api, nulls)) == 5


async def test_related_filters_mean_the_same_as_sub_selects(
    api: httpx.AsyncClient, flow: Json, mixed_runs: list[Json], monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = {"flows": {"name": {"any_": [flow["name"]]}}, "sort": "NAME_ASC"}
    nobody = {"flows": {"name": {"any_": ["nobody"]}}}
    read_ahead = (await _ids(api, mine), await _ids(api, nobody))
    assert len(read_ahead[0]) == 12 and read_ahead[1] == []
    monkeypatch.setattr(filters, "MAX_CHOSEN_IDS", 0)  # every non-empty choice: a sub-select
    assert (await _ids(api, mine), await _ids(api, nobody)) == read_ahead
    count = await api.post("/task_runs/count", json=nobody)
    assert count.json() == 0


async def _count(api: httpx.AsyncClient, path: str, body: Json) -> int:
    response = await api.post(path, json=body)
    assert response.status_code == 200, response.text
    value = response.json()
    assert isinstance(value, int)
    return value


async def test_counts_are_exact_up_to_the_limit_and_bounded_past_it(
    api: httpx.AsyncClient,
    db: Database,
    mixed_runs: list[Json],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run_id = mixed_runs[0]["id"]
    for key in range(5):
        body = {"flow_run_id": run_id, "task_key": "t", "dynamic_key": str(key)}
        assert (await api.post("/task_runs/", json=body)).status_code == 201
    failed = {"flow_runs": {"state": {"type": {"any_": ["FAILED"]}}}}
    two = {"flow_runs": {"name": {"any_": ["run-00", "run-01"]}}}
    assert await _count(api, "/flow_runs/count", {}) == 12
    assert await _count(api, "/task_runs/count", {}) == 5

    monkeypatch.setenv("PREFECT_SERVER_API_EXACT_COUNT_LIMIT", "3")
    assert await _count(api, "/flow_runs/count", two) == 2  # within the limit: exact
    over = [
        await _count(api, "/flow_runs/count", {}),
        await _count(api, "/flow_runs/count", failed),
        await _count(api, "/task_runs/count", {}),
    ]
    if db.dialect == "postgresql":
        # past the limit: an estimate, never below what was seen
        assert all(value >= 4 for value in over), over
    else:
        assert over == [12, 4, 5]  # SQLite counts exactly
    paged = (await api.post("/flow_runs/paginate", json={"limit": 5})).json()
    assert len(paged["results"]) == 5 and paged["count"] >= 4

    monkeypatch.setenv("PREFECT_SERVER_API_EXACT_COUNT_LIMIT", "0")
    assert await _count(api, "/flow_runs/count", {}) == 12
    assert await _count(api, "/task_runs/count", {}) == 5
