"""`prefect deployment|work-pool|work-queue ls|inspect` in-process against the embedded store
(SQLite and PostgreSQL), seeded by `seed_deployments`; and how schedules are summarised."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.console.seed_deployments import (
    NIGHTLY_JOB_VARIABLES,
    NIGHTLY_PARAMETERS,
    SeededWork,
    seed_all,
)
from tests.console.test_cli import assert_one_line_error, invoke


@pytest.fixture
def work(store: str) -> SeededWork:
    return seed_all(store)


def json_of(*args: str) -> object:
    code, out, err = invoke(*args)
    assert code == 0, err
    return json.loads(out)


# -- deployments ------------------------------------------------------------------------


def test_deployment_ls_json_lists_api_objects_by_flow_then_name(work: SeededWork) -> None:
    data = json_of("deployment", "ls", "-o", "json")
    assert isinstance(data, list)
    assert [d["name"] for d in data] == ["backfill", "nightly", "adhoc", "weekly"]
    nightly = data[1]
    assert nightly["id"] == str(work.nightly)
    for field in ("flow_id", "schedules", "paused", "status", "work_pool_name", "parameters"):
        assert field in nightly
    assert nightly["work_pool_name"] == "local" and nightly["work_queue_name"] == "high"
    assert nightly["status"] == "READY" and data[0]["paused"] is True


def test_deployment_ls_filters_by_flow_name_and_limits(work: SeededWork) -> None:
    data = json_of("deployment", "ls", "--flow-name", "report", "-o", "json")
    assert isinstance(data, list)
    assert sorted(d["name"] for d in data) == ["adhoc", "weekly"]
    data = json_of("deployment", "ls", "--flow-name", "report", "--flow-name", "etl", "-o", "json")
    assert isinstance(data, list) and len(data) == 4
    data = json_of("deployment", "ls", "--limit", "1", "-o", "json")
    assert isinstance(data, list) and len(data) == 1
    code, out, _ = invoke("deployment", "ls", "--flow-name", "nope")
    assert code == 0 and "No deployments found." in out


def test_deployment_ls_table_shows_names_schedules_and_status(work: SeededWork) -> None:
    code, out, _ = invoke("deployment", "ls")
    assert code == 0
    for word in (
        "etl/nightly",
        "report/weekly",
        "every 1h",
        "cron 0 * * * *",
        "paused",
        "READY",
        "NOT_READY",
        "local/high",
    ):
        assert word in out
    lines = out.splitlines()
    backfill = next(line for line in lines if "etl/backfill" in line)
    assert "paused" in backfill and "k8s/default" in backfill


def test_deployment_inspect_json_by_name_and_by_id(work: SeededWork) -> None:
    by_name = json_of("deployment", "inspect", "etl/nightly", "-o", "json")
    by_id = json_of("deployment", "inspect", str(work.nightly), "--output", "json")
    assert isinstance(by_name, dict) and by_name == by_id
    assert by_name["id"] == str(work.nightly)
    assert by_name["parameters"] == NIGHTLY_PARAMETERS
    assert by_name["job_variables"] == NIGHTLY_JOB_VARIABLES
    [schedule] = by_name["schedules"]
    assert schedule["schedule"]["interval"] == 3600.0 and schedule["active"] is True


def test_deployment_inspect_table(work: SeededWork) -> None:
    code, out, _ = invoke("deployment", "inspect", "report/weekly")
    assert code == 0
    for word in ("report/weekly", "rrule FREQ=WEEKLY;BYDAY=MO", "every 1d (UTC) (off)", "docker"):
        assert word in out
    code, out, _ = invoke("deployment", "inspect", "etl/nightly")
    assert '"LOG_LEVEL": "DEBUG"' in out and '"limit": 100' in out


def test_deployment_inspect_unknown_fails_in_one_line(work: SeededWork) -> None:
    code, _, err = invoke("deployment", "inspect", "etl/nope")
    assert_one_line_error(code, err, 1)
    assert "'etl/nope' not found" in err
    missing = uuid.uuid4()
    code, _, err = invoke("deployment", "inspect", str(missing))
    assert_one_line_error(code, err, 1)
    assert str(missing) in err and "not found" in err


@pytest.mark.parametrize("name", ["nightly", "etl/", "/nightly", " "])
def test_deployment_inspect_malformed_name_is_a_usage_error(name: str) -> None:
    code, _, err = invoke("deployment", "inspect", name)
    assert_one_line_error(code, err, 2)
    assert "<flow-name>/<deployment-name>" in err


def test_deployment_text_is_shown_without_escape_sequences(store: str) -> None:
    import asyncio

    from prefect.client.orchestration import get_client

    from tests.console.seed import INJECTION

    async def make() -> None:
        async with get_client() as client:
            flow_id = await client.create_flow_from_name("etl")
            await client.create_deployment(flow_id, "odd", description=INJECTION, tags=[INJECTION])

    asyncio.run(make())
    code, out, _ = invoke("deployment", "inspect", "etl/odd")
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out
    assert "rename pane and red text" in out


# -- work pools -------------------------------------------------------------------------


def test_work_pool_ls_json_and_table(work: SeededWork) -> None:
    data = json_of("work-pool", "ls", "-o", "json")
    assert isinstance(data, list)
    assert [p["name"] for p in data] == ["docker", "k8s", "local"]
    local = data[2]
    assert local["type"] == "process" and local["concurrency_limit"] == 4
    assert local["status"] == "READY" and data[1]["is_paused"] is True
    code, out, _ = invoke("work-pool", "ls")
    assert code == 0
    for word in ("docker", "kubernetes", "process", "PAUSED", "READY", "NOT_READY"):
        assert word in out


def test_work_pool_inspect_json_has_queues_and_workers(work: SeededWork) -> None:
    data = json_of("work-pool", "inspect", "local", "-o", "json")
    assert isinstance(data, dict)
    assert data["name"] == "local" and data["type"] == "process"
    assert [q["name"] for q in data["work_queues"]] == ["high", "default"]
    assert {q["id"] for q in data["work_queues"]} == {
        str(work.queues["local/high"]),
        str(work.queues["local/default"]),
    }
    workers = {w["name"]: w["status"] for w in data["workers"]}
    assert workers == {"worker-1": "ONLINE", "worker-2": "OFFLINE"}


def test_work_pool_inspect_table_counts_waiting_runs(work: SeededWork) -> None:
    code, out, _ = invoke("work-pool", "inspect", "local")
    assert code == 0
    for word in ("worker-1", "worker-2", "ONLINE", "OFFLINE", "high", "default", "1 of 2"):
        assert word in out
    # by the wall clock every seeded Scheduled run of etl/nightly is due, in local/high
    waiting = next(line for line in out.splitlines() if line.startswith("Runs waiting"))
    assert waiting.split()[-1] == "3"
    high = next(line for line in out.splitlines() if line.startswith("high"))
    default = next(line for line in out.splitlines() if line.startswith("default"))
    assert high.split()[5] == "3" and default.split()[5] == "0"


def test_work_pool_inspect_unknown_fails_in_one_line(work: SeededWork) -> None:
    code, _, err = invoke("work-pool", "inspect", "nope")
    assert_one_line_error(code, err, 1)
    assert "Work pool 'nope' not found" in err


def test_empty_store_lists_nothing(store: str) -> None:
    for group, word in (("deployment", "deployments"), ("work-pool", "work pools")):
        code, out, _ = invoke(group, "ls")
        assert code == 0 and f"No {word} found." in out
        assert json_of(group, "ls", "-o", "json") == []
    assert json_of("work-queue", "ls", "-o", "json") == []


# -- work queues ------------------------------------------------------------------------


def test_work_queue_ls_all_and_of_one_pool(work: SeededWork) -> None:
    data = json_of("work-queue", "ls", "-o", "json")
    assert isinstance(data, list)
    assert sorted(f"{q['work_pool_name']}/{q['name']}" for q in data) == sorted(work.queues)
    data = json_of("work-queue", "ls", "-p", "local", "-o", "json")
    assert isinstance(data, list)
    assert [q["name"] for q in data] == ["high", "default"]
    assert [q["priority"] for q in data] == [1, 2]
    code, out, _ = invoke("work-queue", "ls", "--pool", "local")
    assert code == 0 and "high" in out and "Work Queues in Work Pool 'local'" in out


def test_work_queue_ls_of_an_unknown_pool_fails(work: SeededWork) -> None:
    code, _, err = invoke("work-queue", "ls", "-p", "nope")
    assert_one_line_error(code, err, 1)
    assert "Work pool 'nope' not found" in err


def test_work_queue_inspect_json_has_status_details(work: SeededWork) -> None:
    by_name = json_of("work-queue", "inspect", "high", "-p", "local", "-o", "json")
    assert isinstance(by_name, dict)
    assert by_name["id"] == str(work.queues["local/high"])
    assert by_name["work_pool_name"] == "local" and by_name["priority"] == 1
    details = by_name["status_details"]
    assert set(details) >= {"healthy", "late_runs_count", "last_polled", "health_check_policy"}
    by_id = json_of("work-queue", "inspect", str(work.queues["local/high"]), "-o", "json")
    assert isinstance(by_id, dict) and by_id["id"] == by_name["id"]


def test_work_queue_inspect_table(work: SeededWork) -> None:
    code, out, _ = invoke("work-queue", "inspect", "default", "--pool", "docker")
    assert code == 0
    for word in ("default", "docker", "Healthy", "Late runs", "Health policy", "NOT_READY"):
        assert word in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("missing", "-p", "local"), "Work queue 'missing' not found in work pool 'local'"),
        (("high", "-p", "nope"), "Work pool 'nope' not found"),
        (("missing",), "Work queue 'missing' not found"),
    ],
)
def test_work_queue_inspect_unknown_fails_in_one_line(
    work: SeededWork, args: tuple[str, ...], message: str
) -> None:
    code, _, err = invoke("work-queue", "inspect", *args)
    assert_one_line_error(code, err, 1)
    assert message in err


def test_work_queue_inspect_by_name_alone_asks_the_api(work: SeededWork) -> None:
    # the API resolves a name given without a pool (here: the only queue of that name)
    data = json_of("work-queue", "inspect", "high", "-o", "json")
    assert isinstance(data, dict) and data["id"] == str(work.queues["local/high"])


def test_work_queue_inspect_id_of_another_pool_fails(work: SeededWork) -> None:
    code, _, err = invoke("work-queue", "inspect", str(work.queues["local/high"]), "-p", "k8s")
    assert_one_line_error(code, err, 1)
    assert "not found in work pool 'k8s'" in err
    code, _, err = invoke("work-queue", "inspect", str(uuid.uuid4()))
    assert_one_line_error(code, err, 1)


@pytest.mark.parametrize(
    "args",
    [
        ("deployment", "ls", "-o", "yaml"),
        ("work-pool", "ls", "--limit", "-1"),
        ("work-queue", "inspect"),
        ("work-pool", "inspect", " "),
        ("work-queue", "ls", "--bogus"),
    ],
)
def test_bad_input_is_a_usage_error(args: tuple[str, ...]) -> None:
    code, _, err = invoke(*args)
    assert_one_line_error(code, err, 2)


def test_unreachable_api_fails_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    monkeypatch.setenv("PREFECT_CLIENT_MAX_RETRIES", "0")
    for args in (("deployment", "ls"), ("work-pool", "inspect", "x"), ("work-queue", "ls")):
        code, _, err = invoke(*args)
        assert_one_line_error(code, err, 1)
        assert "127.0.0.1:9" in err


def test_groups_are_listed_in_the_root_help() -> None:
    code, out, _ = invoke("--help")
    assert code == 0
    for group in ("deployment", "work-pool", "work-queue"):
        assert group in out


# -- how schedules and times read -------------------------------------------------------


def test_schedule_summaries() -> None:
    from prefect.schemas.schedules import CronSchedule, IntervalSchedule, RRuleSchedule
    from prefect_console.ops.present_work import format_interval, schedule_text

    assert schedule_text(IntervalSchedule(interval=timedelta(hours=1))) == "every 1h"
    assert schedule_text(IntervalSchedule(interval=timedelta(minutes=90))) == "every 1h30m"
    assert schedule_text(CronSchedule(cron="0 * * * *")) == "cron 0 * * * *"
    assert (
        schedule_text(CronSchedule(cron="0 9 * * 1-5", timezone="Europe/Paris"))
        == "cron 0 9 * * 1-5 (Europe/Paris)"
    )
    rule = "DTSTART:20240101T090000\nRRULE:FREQ=DAILY;INTERVAL=2"
    assert schedule_text(RRuleSchedule(rrule=rule)) == "rrule FREQ=DAILY;INTERVAL=2"
    assert format_interval(timedelta(days=2, seconds=5)) == "2d5s"
    assert format_interval(timedelta(milliseconds=500)) == "0.5s"


def test_next_run_reads_ahead_or_late() -> None:
    from prefect_console.ops.present_work import format_until, next_run_text

    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert next_run_text(None, now) == "-"
    assert next_run_text(now + timedelta(minutes=40), now) == "in 40m"
    assert next_run_text(now + timedelta(hours=1, minutes=40), now) == "in 1h40m"
    assert next_run_text(now - timedelta(minutes=5), now) == "5m late"
    assert format_until(timedelta(days=4, hours=21, minutes=3)) == "4d21h"
    assert format_until(timedelta(seconds=-1)) == "due"
