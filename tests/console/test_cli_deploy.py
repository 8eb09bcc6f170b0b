"""`prefect deploy`, `init`, `deployment run|delete|pause|resume|backfill|build|apply` and
`deployment schedule ...` in-process against the embedded store (SQLite and PostgreSQL).

The flows are real files imported from a temporary folder; nothing is mocked."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.console.test_cli import assert_one_line_error, invoke

FLOWS = '''
from prefect import flow

@flow(name="greet")
def greet(name: str = "world", n: int = 1) -> str:
    """Say hello."""
    return name * n

@flow(name="boom")
def boom() -> None:
    raise ValueError("boom")

def not_a_flow() -> None:
    pass
'''


@pytest.fixture
def folder(store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with flows.py as the current directory, and a process work pool."""
    work = tmp_path / "project"
    work.mkdir()
    (work / "flows.py").write_text(FLOWS)
    monkeypatch.chdir(work)
    code, _, err = invoke("work-pool", "create", "local", "-t", "process")
    assert code == 0, err
    return work


def ok(*args: str) -> str:
    code, out, err = invoke(*args)
    assert code == 0, err
    return out


def deployment_json(name: str) -> dict[str, Any]:
    data = json.loads(ok("deployment", "inspect", name, "-o", "json"))
    assert isinstance(data, dict)
    return data


def deployment_names() -> list[str]:
    return [d["name"] for d in json.loads(ok("deployment", "ls", "-o", "json"))]


def test_deploy_registers_entrypoint_schema_pull_step_and_schedule(folder: Path) -> None:
    out = ok(
        "deploy", "flows.py:greet", "-n", "prod", "-p", "local", "-q", "default",
        "--cron", "30 2 * * *", "--timezone", "America/New_York",
        "--param", "name=ann", "--params", '{"n": 2}', "-jv", "env={\"A\": \"1\"}",
        "-t", "a", "-t", "b", "--version", "v1", "--concurrency-limit", "2",
        "--collision-strategy", "CANCEL_NEW", "--enforce-parameter-schema",
    )  # fmt: skip
    assert "greet/prod" in out and "prefect deployment run 'greet/prod'" in out
    d = deployment_json("greet/prod")
    assert d["entrypoint"] == "flows.py:greet" and d["path"] == str(folder)
    assert d["pull_steps"] == [
        {"prefect.deployments.steps.set_working_directory": {"directory": str(folder)}}
    ]
    assert d["parameters"] == {"name": "ann", "n": 2}
    assert d["job_variables"] == {"env": {"A": "1"}}
    assert set(d["parameter_openapi_schema"]["properties"]) == {"name", "n"}
    assert d["enforce_parameter_schema"] is True and d["description"] == "Say hello."
    assert d["tags"] == ["a", "b"] and d["version"] == "v1" and d["concurrency_limit"] == 2
    assert d["concurrency_options"]["collision_strategy"] == "CANCEL_NEW"
    (schedule,) = d["schedules"]
    assert schedule["schedule"]["cron"] == "30 2 * * *"
    assert schedule["schedule"]["timezone"] == "America/New_York"
    # a second deploy updates the same deployment
    ok("deploy", "flows.py:greet", "-n", "prod", "-p", "local", "--version", "v2")
    again = deployment_json("greet/prod")
    assert again["id"] == d["id"] and again["version"] == "v2"


def test_deploy_timezone_defaults_to_utc(folder: Path) -> None:
    ok("deploy", "flows.py:greet", "-n", "hourly", "-p", "local", "--interval", "3600")
    (schedule,) = deployment_json("greet/hourly")["schedules"]
    assert schedule["schedule"]["timezone"] == "UTC"
    assert schedule["schedule"]["interval"] == 3600


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["nope.py:greet", "-n", "x", "-p", "local"], 2, "no file"),
        (["flows.py:missing", "-n", "x", "-p", "local"], 2, "no attribute"),
        (["flows.py:not_a_flow", "-n", "x", "-p", "local"], 2, "not a flow"),
        (["flows.py:greet", "-n", "x", "-p", "local", "--cron", "not cron"], 2, "Invalid cron"),
        (["flows.py:greet", "-n", "x", "-p", "ghost"], 1, "'ghost' does not exist"),
        (["flows.py:greet", "-p", "local"], 2, "--name"),
        (["flows.py:greet", "-n", "x"], 2, "--pool"),
        (["flows.py:greet", "-n", "x", "-p", "local", "--params", "[1]"], 2, "JSON object"),
        (["flows.py:greet", "-n", "x", "-p", "local", "--collision-strategy", "X"], 2, "ENQUEUE"),
    ],
)
def test_deploy_bad_input_is_one_line_and_writes_nothing(
    folder: Path, args: list[str], code: int, words: str
) -> None:
    got, _, err = invoke("deploy", *args)
    assert_one_line_error(got, err, code)
    assert words in err
    assert deployment_names() == []
    assert json.loads(ok("flow", "ls", "-o", "json")) == []


def test_run_checks_parameters_against_the_schema(folder: Path) -> None:
    ok("deploy", "flows.py:greet", "-n", "strict", "-p", "local", "--enforce-parameter-schema")
    code, _, err = invoke("deployment", "run", "greet/strict", "-p", "n=notanint")
    assert_one_line_error(code, err, 1)
    assert "'n'" in err and "integer" in err
    before = datetime.now(UTC)
    out = ok(
        "deployment", "run", "greet/strict", "-p", "n=3", "--start-in", "5 minutes",
        "--tag", "t1", "--flow-run-name", "my-run", "-o", "json",
    )  # fmt: skip
    run = json.loads(out)
    assert run["name"] == "my-run" and run["parameters"] == {"n": 3} and "t1" in run["tags"]
    start = datetime.fromisoformat(run["next_scheduled_start_time"])
    assert start >= before + timedelta(minutes=4, seconds=59)
    assert run["state"]["type"] == "SCHEDULED"


def test_run_bad_start_options_are_usage_errors(folder: Path) -> None:
    ok("deploy", "flows.py:greet", "-n", "d", "-p", "local")
    for extra in (["--start-in", "soon"], ["--start-at", "yesterday"]):
        code, _, err = invoke("deployment", "run", "greet/d", *extra)
        assert_one_line_error(code, err, 2)


def test_delete_pause_resume(folder: Path) -> None:
    ok("deploy", "flows.py:greet", "-n", "d", "-p", "local")
    ok("deployment", "pause", "greet/d")
    assert deployment_json("greet/d")["paused"] is True
    ok("deployment", "resume", "greet/d")
    assert deployment_json("greet/d")["paused"] is False
    code, _, err = invoke("deployment", "delete", "greet/d")  # no terminal, no --yes
    assert_one_line_error(code, err, 1)
    ok("deployment", "delete", "greet/d", "--yes")
    assert deployment_names() == []
    code, _, err = invoke("deployment", "delete", "greet/d", "--yes")
    assert_one_line_error(code, err, 1)


def test_schedule_verbs(folder: Path) -> None:
    ok("deploy", "flows.py:greet", "-n", "d", "-p", "local")
    assert "No schedules." in ok("deployment", "schedule", "ls", "greet/d")
    ok("deployment", "schedule", "create", "greet/d", "--cron", "0 9 * * *", "--timezone",
       "Europe/Paris")  # fmt: skip
    ok("deployment", "schedule", "create", "greet/d", "--interval", "600")
    code, _, err = invoke("deployment", "schedule", "create", "greet/d", "--cron", "x y")
    assert_one_line_error(code, err, 2)
    listed = json.loads(ok("deployment", "schedule", "ls", "greet/d", "-o", "json"))
    assert len(listed) == 2
    cron = next(s for s in listed if "cron" in s["schedule"])
    assert cron["schedule"]["timezone"] == "Europe/Paris"
    ok("deployment", "schedule", "pause", "greet/d", cron["id"])
    assert "(off)" in ok("deployment", "schedule", "ls", "greet/d")
    ok("deployment", "schedule", "resume", "greet/d", cron["id"])
    ok("deployment", "schedule", "delete", "greet/d", cron["id"], "--yes")
    assert len(json.loads(ok("deployment", "schedule", "ls", "greet/d", "-o", "json"))) == 1
    ok("deployment", "schedule", "clear", "greet/d", "--yes")
    assert json.loads(ok("deployment", "schedule", "ls", "greet/d", "-o", "json")) == []


def test_backfill_makes_the_window_once(folder: Path) -> None:
    ok("deploy", "flows.py:greet", "-n", "d", "-p", "local", "--interval", "3600",
       "--anchor-date", "2026-01-01T00:00:00")  # fmt: skip
    window = ["--start", "2026-03-01T00:00", "--end", "2026-03-01T03:00"]
    dry = json.loads(ok("deployment", "backfill", "greet/d", *window, "--dry-run", "-o", "json"))
    assert [r["scheduled_time"][11:16] for r in dry] == ["00:00", "01:00", "02:00", "03:00"]
    assert all(r["flow_run_id"] is None for r in dry)
    first = json.loads(ok("deployment", "backfill", "greet/d", *window, "-o", "json"))
    second = json.loads(ok("deployment", "backfill", "greet/d", *window, "-o", "json"))
    assert [r["flow_run_id"] for r in first] == [r["flow_run_id"] for r in second]
    runs = json.loads(ok("flow-run", "ls", "-o", "json", "--limit", "200"))
    mine = [r for r in runs if r["id"] in {x["flow_run_id"] for x in first}]
    assert len(mine) == 4
    code, _, err = invoke("deployment", "backfill", "greet/d", "--start", "2026-03-02",
                          "--end", "2026-03-01")  # fmt: skip
    assert_one_line_error(code, err, 2)


def test_build_then_apply_round_trip(folder: Path) -> None:
    target = folder / "out" / "greet.yaml"
    target.parent.mkdir()
    ok("deployment", "build", "flows.py:greet", "-n", "built", "-p", "local",
       "--cron", "0 3 * * *", "--param", "name=zed", "-t", "x", "-o", str(target))  # fmt: skip
    assert target.is_file() and deployment_names() == []  # the API was not touched
    ok("deployment", "apply", str(target))
    d = deployment_json("greet/built")
    assert d["parameters"] == {"name": "zed"} and d["tags"] == ["x"]
    assert d["entrypoint"] == "flows.py:greet" and d["path"] == str(folder)
    assert d["schedules"][0]["schedule"]["cron"] == "0 3 * * *"
    assert d["work_pool_name"] == "local"
    bad = folder / "bad.yaml"
    bad.write_text("name: x\n")
    code, _, err = invoke("deployment", "apply", str(bad))
    assert_one_line_error(code, err, 2)


def test_init_then_deploy_all_from_prefect_yaml(folder: Path) -> None:
    import yaml

    ok("init")
    code, _, err = invoke("init")
    assert_one_line_error(code, err, 1)  # no overwrite without --force
    project = yaml.safe_load((folder / "prefect.yaml").read_text())
    entry = project["deployments"][0]
    entry.update(name="from-yaml", entrypoint="flows.py:greet", parameters={"n": 5})
    entry["work_pool"]["name"] = "local"
    entry["schedules"] = [{"cron": "0 4 * * *", "timezone": "Asia/Tokyo"}]
    second = {**entry, "name": "second", "schedules": []}
    project["deployments"].append(second)
    (folder / "prefect.yaml").write_text(yaml.safe_dump(project))
    ok("deploy", "--all")
    assert sorted(deployment_names()) == ["from-yaml", "second"]
    d = deployment_json("greet/from-yaml")
    assert d["parameters"] == {"n": 5} and d["pull_steps"] == project["pull"]
    assert d["schedules"][0]["schedule"]["timezone"] == "Asia/Tokyo"
    code, _, err = invoke("deploy", "-n", "absent")
    assert_one_line_error(code, err, 2)


def test_flow_run_create_runs_an_entrypoint_here_or_a_deployment(folder: Path) -> None:
    out = ok("flow-run", "create", "flows.py:greet", "--param", "name=ab", "-p", "n=2")
    assert "Completed" in out
    runs = json.loads(ok("flow-run", "ls", "-o", "json"))
    assert [r["parameters"] for r in runs] == [{"name": "ab", "n": 2}]
    assert runs[0]["deployment_id"] is None and runs[0]["state_type"] == "COMPLETED"
    code, _, err = invoke("flow-run", "create", "flows.py:boom")
    # the run's own logs (its traceback) go to stderr first, as for any flow run here
    assert code == 1 and err.strip().splitlines()[-1].startswith("Error: ")
    assert "Failed" in err.strip().splitlines()[-1]
    code, _, err = invoke("flow-run", "create", "greet")  # no deployment yet
    assert_one_line_error(code, err, 1)
    ok("deploy", "flows.py:greet", "-n", "one", "-p", "local")
    assert "Created flow run" in ok("flow-run", "create", "greet", "-p", "n=4")
    ok("deploy", "flows.py:greet", "-n", "two", "-p", "local")
    code, _, err = invoke("flow-run", "create", "greet")
    assert_one_line_error(code, err, 2)
    assert "--deployment" in err
    ok("flow-run", "create", "greet", "--deployment", "two")
    deployment_ids = {
        r["deployment_id"]
        for r in json.loads(ok("flow-run", "ls", "-o", "json"))
        if r["deployment_id"]
    }
    assert len(deployment_ids) == 2


def test_backfill_keys_are_the_schedulers() -> None:
    import uuid

    from prefect_console.ops.deployment_actions import backfill_key
    from prefect_server.models.scheduled_runs import idempotency_key

    deployment, schedule = uuid.uuid4(), uuid.uuid4()
    date = datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    assert backfill_key(deployment, schedule, date) == idempotency_key(deployment, schedule, date)


def test_run_watch_gives_up_after_its_timeout(folder: Path) -> None:
    ok("deploy", "flows.py:greet", "-n", "idle", "-p", "local")  # no worker: it stays Scheduled
    code, out, err = invoke(
        "deployment", "run", "greet/idle", "--watch", "--watch-interval", "0.1",
        "--watch-timeout", "0.5",
    )  # fmt: skip
    assert_one_line_error(code, err, 1)
    assert "had not finished after 0.5 s" in err and "Scheduled" in out


def test_deploy_from_prefect_yaml_needs_a_choice_and_a_pool(folder: Path) -> None:
    import yaml

    ok("init")
    project = yaml.safe_load((folder / "prefect.yaml").read_text())
    entry = {**project["deployments"][0], "entrypoint": "flows.py:greet"}
    project["deployments"] = [{**entry, "name": "a"}, {**entry, "name": "b"}]
    (folder / "prefect.yaml").write_text(yaml.safe_dump(project))
    code, _, err = invoke("deploy")
    assert_one_line_error(code, err, 2)
    assert "-n or --all" in err
    code, _, err = invoke("deploy", "-n", "a")  # its work_pool.name is empty
    assert_one_line_error(code, err, 2)
    assert "--pool" in err and deployment_names() == []
    ok("deploy", "-n", "a", "-p", "local")
    assert deployment_names() == ["a"]


def test_missing_options_are_asked_for_on_a_terminal(folder: Path, store: str) -> None:
    import os
    import subprocess
    import sys

    prefect = str(Path(sys.executable).parent / "prefect")
    env = {**os.environ, "PREFECT_SERVER_DATABASE_CONNECTION_URL": store}
    leader, follower = os.openpty()
    proc = subprocess.Popen(
        [prefect, "deploy", "flows.py:greet"],
        stdin=follower, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=folder, env=env,
    )  # fmt: skip
    os.close(follower)
    try:
        os.write(leader, b"asked\nlocal\n")  # the terminal's line discipline keeps them
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(leader)
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert b"greet/asked" in out
    assert deployment_json("greet/asked")["work_pool_name"] == "local"
