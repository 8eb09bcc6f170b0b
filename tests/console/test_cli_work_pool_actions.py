"""`prefect work-pool create|update|pause|resume|delete|preview|set-concurrency-limit|
clear-concurrency-limit|get-default-base-job-template` and `prefect work-queue create|pause|
resume|delete|set-concurrency-limit|clear-concurrency-limit`, in-process (typer's CliRunner)
against the embedded store on SQLite and PostgreSQL; the confirmation of `delete` through a
real terminal (a pty) at the end."""

from __future__ import annotations

import asyncio
import json
import os
import pty
import re
import select
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prefect.workers.templates import default_base_job_template

from tests.console.test_cli import assert_one_line_error, invoke

CUSTOM = {
    "job_configuration": {"command": "{{ command }}", "env": {"MODE": "{{ mode }}"}},
    "variables": {
        "properties": {
            "command": {"type": "string", "default": "run"},
            "mode": {"type": "string", "default": "fast"},
        }
    },
}


def ok(*args: str) -> str:
    code, out, err = invoke(*args)
    assert code == 0, err
    return out


def ok_json(*args: str) -> Any:
    return json.loads(ok(*args, "-o", "json"))


def fails(expected_code: int, *args: str) -> str:
    code, _, err = invoke(*args)
    assert_one_line_error(code, err, expected_code)
    return err


def pool(name: str) -> dict[str, Any]:
    found: dict[str, Any] = ok_json("work-pool", "inspect", name)
    return found


def write(tmp_path: Path, name: str, content: str) -> str:
    path = tmp_path / name
    path.write_text(content)
    return str(path)


# -- work-pool create -------------------------------------------------------------------


@pytest.mark.parametrize("pool_type", ["process", "docker", "kubernetes"])
def test_create_gives_the_default_template_of_the_type(store: str, pool_type: str) -> None:
    created = ok_json("work-pool", "create", "main", "--type", pool_type)
    assert (created["name"], created["type"], created["is_paused"]) == ("main", pool_type, False)
    assert created["base_job_template"] == default_base_job_template(pool_type)
    assert created["status"] == "NOT_READY"
    assert pool("main")["base_job_template"] == default_base_job_template(pool_type)
    # with its default queue
    queues = ok_json("work-queue", "ls", "--pool", "main")
    assert [q["name"] for q in queues] == ["default"]


def test_create_prints_a_line_and_a_hint(store: str) -> None:
    out = ok("work-pool", "create", "local", "-t", "process", "--paused")
    assert out.splitlines() == [
        "Created work pool 'local' (process).",
        "Start a worker for it: prefect worker start --pool 'local'",
    ]
    found = pool("local")
    assert found["is_paused"] is True and found["status"] == "PAUSED"
    assert "local" in ok("work-pool", "ls")


def test_create_with_a_template_file(store: str, tmp_path: Path) -> None:
    path = write(tmp_path, "t.json", json.dumps(CUSTOM))
    created = ok_json("work-pool", "create", "custom", "-t", "docker", "--base-job-template", path)
    assert created["base_job_template"] == CUSTOM and created["type"] == "docker"


def test_an_existing_pool_needs_overwrite(store: str, tmp_path: Path) -> None:
    ok("work-pool", "create", "main", "-t", "process")
    before = pool("main")
    err = fails(1, "work-pool", "create", "main", "-t", "process")
    assert "Work pool 'main' already exists. Use `--overwrite` to update it." in err
    path = write(tmp_path, "t.json", json.dumps(CUSTOM))
    out = ok(
        "work-pool",
        "create",
        "main",
        "-t",
        "process",
        "--base-job-template",
        path,
        "--paused",
        "--overwrite",
    )
    assert out == "Updated work pool 'main'.\n"
    after = pool("main")
    assert after["id"] == before["id"] and after["is_paused"] is True
    assert after["base_job_template"] == CUSTOM
    # overwriting without a template gives the type's default back
    ok("work-pool", "create", "main", "-t", "process", "--overwrite")
    assert pool("main")["base_job_template"] == default_base_job_template("process")
    assert pool("main")["is_paused"] is False
    err = fails(1, "work-pool", "create", "main", "-t", "docker", "--overwrite")
    assert "is of type 'process', not 'docker'" in err
    assert pool("main")["type"] == "process"


def test_create_bad_input_is_one_line_and_creates_nothing(store: str, tmp_path: Path) -> None:
    undeclared = {"job_configuration": {"a": "{{ b }}"}, "variables": {"properties": {}}}
    files = {
        "missing": str(tmp_path / "nope.json"),
        "not_json": write(tmp_path, "bad.json", "{"),
        "a_list": write(tmp_path, "list.json", "[]"),
        "no_variables": write(tmp_path, "half.json", '{"job_configuration": {"a": 1}}'),
        "undeclared": write(tmp_path, "undeclared.json", json.dumps(undeclared)),
        "folder": str(tmp_path),
    }
    for path in files.values():
        fails(2, "work-pool", "create", "x", "-t", "process", "--base-job-template", path)
    assert "No such file" in fails(
        2, "work-pool", "create", "x", "-t", "process", "--base-job-template", files["missing"]
    )
    assert "undeclared variable(s): b" in fails(
        2, "work-pool", "create", "x", "-t", "process", "--base-job-template", files["undeclared"]
    )
    assert "choose one of process, docker, kubernetes" in fails(
        2, "work-pool", "create", "x", "-t", "ecs"
    )
    assert "Missing option '--type'" in fails(2, "work-pool", "create", "x")
    assert "reserved" in fails(2, "work-pool", "create", "prefect-pool", "-t", "process")
    assert "must not contain" in fails(2, "work-pool", "create", "a/b", "-t", "process")
    fails(2, "work-pool", "create", " ", "-t", "process")
    assert ok_json("work-pool", "ls") == []


# -- update, pause, resume, limits, delete ----------------------------------------------


def test_update_changes_only_what_is_given(store: str, tmp_path: Path) -> None:
    ok("work-pool", "create", "main", "-t", "process")
    updated = ok_json("work-pool", "update", "main", "--description", "nightly jobs")
    assert updated["description"] == "nightly jobs"
    assert updated["base_job_template"] == default_base_job_template("process")
    path = write(tmp_path, "t.json", json.dumps(CUSTOM))
    out = ok("work-pool", "update", "main", "--base-job-template", path, "--concurrency-limit", "3")
    assert out == "Updated work pool 'main'.\n"
    found = pool("main")
    assert found["base_job_template"] == CUSTOM and found["concurrency_limit"] == 3
    assert found["description"] == "nightly jobs"
    assert ok_json("work-pool", "update", "main", "-d", "")["description"] is None
    assert "Nothing to update" in fails(2, "work-pool", "update", "main")
    assert "Work pool 'nope' not found" in fails(1, "work-pool", "update", "nope", "-d", "x")
    fails(2, "work-pool", "update", "main", "--base-job-template", str(tmp_path / "nope.json"))


def test_pause_and_resume(store: str) -> None:
    ok("work-pool", "create", "main", "-t", "process")
    assert ok("work-pool", "pause", "main") == "Paused work pool 'main'.\n"
    assert (pool("main")["is_paused"], pool("main")["status"]) == (True, "PAUSED")
    assert ok("work-pool", "pause", "main") == "Work pool 'main' is already paused.\n"
    resumed = ok_json("work-pool", "resume", "main")
    assert (resumed["is_paused"], resumed["status"]) == (False, "NOT_READY")
    assert ok("work-pool", "resume", "main") == "Work pool 'main' is not paused.\n"
    for verb in ("pause", "resume"):
        assert "Work pool 'nope' not found" in fails(1, "work-pool", verb, "nope")


def test_set_and_clear_the_concurrency_limit(store: str) -> None:
    ok("work-pool", "create", "main", "-t", "process")
    out = ok("work-pool", "set-concurrency-limit", "main", "5")
    assert out == "Set the concurrency limit of work pool 'main' to 5.\n"
    assert pool("main")["concurrency_limit"] == 5
    assert ok_json("work-pool", "set-concurrency-limit", "main", "0")["concurrency_limit"] == 0
    cleared = ok("work-pool", "clear-concurrency-limit", "main")
    assert cleared == "Cleared the concurrency limit of work pool 'main'.\n"
    assert pool("main")["concurrency_limit"] is None
    assert "0 or more" in fails(2, "work-pool", "set-concurrency-limit", "main", "--", "-1")
    fails(2, "work-pool", "set-concurrency-limit", "main", "many")
    fails(1, "work-pool", "set-concurrency-limit", "nope", "1")
    fails(1, "work-pool", "clear-concurrency-limit", "nope")


def test_delete_needs_yes_without_a_terminal(store: str) -> None:
    ok("work-pool", "create", "main", "-t", "process")
    ok("work-queue", "create", "high", "-p", "main")
    assert "--yes" in fails(1, "work-pool", "delete", "main")
    assert pool("main")["name"] == "main"
    assert ok("work-pool", "delete", "main", "-y") == "Deleted work pool 'main'.\n"
    assert ok_json("work-pool", "ls") == []
    assert ok_json("work-queue", "ls") == []  # its queues went with it
    assert "Work pool 'main' not found" in fails(1, "work-pool", "delete", "main", "--yes")


# -- preview ----------------------------------------------------------------------------


def seed_preview() -> dict[str, uuid.UUID]:
    """Pool `main` (queues default, high) and pool `other`; a deployment in each; runs of
    `main`: late (5 min ago), soon (in 30 min), later (in 3 h), done (Completed); `other`
    has one due now."""
    from prefect.client.orchestration import get_client
    from prefect.schemas.work_pools import WorkPoolCreate
    from prefect.states import Completed, Scheduled

    async def go() -> dict[str, uuid.UUID]:
        now = datetime.now(UTC)
        async with get_client() as client:
            await client.create_work_pool(WorkPoolCreate(name="main", type="process"))
            await client.create_work_pool(WorkPoolCreate(name="other", type="process"))
            await client.create_work_queue("high", work_pool_name="main", priority=1)
            flow_id = await client.create_flow_from_name("etl")
            nightly = await client.create_deployment(
                flow_id, "nightly", work_pool_name="main", work_queue_name="high"
            )
            elsewhere = await client.create_deployment(flow_id, "elsewhere", work_pool_name="other")
            runs: dict[str, uuid.UUID] = {}
            for name, deployment, offset in (
                ("late", nightly, timedelta(minutes=-5)),
                ("soon", nightly, timedelta(minutes=30)),
                ("later", nightly, timedelta(hours=3)),
                ("foreign", elsewhere, timedelta(minutes=1)),
            ):
                run = await client.create_flow_run_from_deployment(
                    deployment, name=name, state=Scheduled(scheduled_time=now + offset)
                )
                runs[name] = run.id
            done = await client.create_flow_run_from_deployment(
                nightly, name="done", state=Scheduled(scheduled_time=now)
            )
            await client.set_flow_run_state(done.id, Completed(), force=True)
            return runs

    return asyncio.run(go())


def test_preview_lists_the_pools_scheduled_runs_soonest_first(store: str) -> None:
    runs = seed_preview()
    found = ok_json("work-pool", "preview", "main")
    assert [r["name"] for r in found] == ["late", "soon"]
    assert found[0]["id"] == str(runs["late"]) and found[0]["state"]["type"] == "SCHEDULED"
    assert [r["name"] for r in ok_json("work-pool", "preview", "main", "--hours", "4")] == [
        "late",
        "soon",
        "later",
    ]
    table = ok("work-pool", "preview", "main")
    assert "Upcoming runs of work pool 'main'" in table
    rows = [line for line in table.splitlines() if " high " in line]
    lines = {name: line for name in ("late", "soon") for line in rows if f" {name} " in line}
    assert len(rows) == 2 and set(lines) == {"late", "soon"}
    # (the seed ran a moment ago: 5 minutes late, due in just under 30)
    assert re.search(r" [56]m late", lines["late"]) and re.search(r" in 2\dm", lines["soon"])
    assert "nightly" in lines["soon"]
    # a preview reads: no queue of the pool is marked as polled by it
    assert all(q["last_polled"] is None for q in ok_json("work-queue", "ls", "-p", "main"))


def test_preview_of_an_empty_pool_and_bad_input(store: str) -> None:
    ok("work-pool", "create", "empty", "-t", "process")
    assert "No runs scheduled in work pool 'empty'" in ok("work-pool", "preview", "empty")
    assert ok_json("work-pool", "preview", "empty") == []
    assert "Work pool 'nope' not found" in fails(1, "work-pool", "preview", "nope")
    assert "--hours" in fails(2, "work-pool", "preview", "empty", "--hours", "0")


# -- get-default-base-job-template ------------------------------------------------------


def test_default_template_printed_and_written(store: str, tmp_path: Path) -> None:
    for pool_type in ("process", "docker", "kubernetes"):
        printed = json.loads(ok("work-pool", "get-default-base-job-template", "--type", pool_type))
        assert printed == default_base_job_template(pool_type)
    target = tmp_path / "k8s.json"
    out = ok("work-pool", "get-default-base-job-template", "-t", "kubernetes", "-f", str(target))
    assert out == f"Wrote the default base job template of a kubernetes pool to {target}.\n"
    assert json.loads(target.read_text()) == default_base_job_template("kubernetes")
    # the file is what --base-job-template takes back
    created = ok_json(
        "work-pool", "create", "k", "-t", "kubernetes", "--base-job-template", str(target)
    )
    assert created["base_job_template"] == default_base_job_template("kubernetes")
    fails(2, "work-pool", "get-default-base-job-template", "--type", "ecs")
    fails(2, "work-pool", "get-default-base-job-template")
    unwritable = str(tmp_path / "missing-folder" / "t.json")
    assert "Cannot write" in fails(
        1, "work-pool", "get-default-base-job-template", "-t", "process", "-f", unwritable
    )


# -- work-queue -------------------------------------------------------------------------


def queues_of(pool_name: str) -> dict[str, dict[str, Any]]:
    return {q["name"]: q for q in ok_json("work-queue", "ls", "-p", pool_name)}


def test_queue_create(store: str) -> None:
    ok("work-pool", "create", "main", "-t", "process")
    out = ok("work-queue", "create", "high", "-p", "main", "--limit", "2", "--priority", "1")
    assert out == "Created work queue 'high' in work pool 'main'.\n"
    high = queues_of("main")["high"]
    assert (high["concurrency_limit"], high["priority"]) == (2, 1)
    assert queues_of("main")["default"]["priority"] == 2  # moved down for the new first
    low = ok_json("work-queue", "create", "low", "--pool", "main", "-d", "batch")
    assert (low["work_pool_name"], low["description"], low["priority"]) == ("main", "batch", 3)
    loose = ok_json("work-queue", "create", "loose")
    assert loose["work_pool_name"] == "default-agent-pool"
    assert "already exists in work pool 'main'" in fails(
        1, "work-queue", "create", "high", "-p", "main"
    )
    assert "Work pool 'nope' not found" in fails(1, "work-queue", "create", "q", "-p", "nope")
    fails(2, "work-queue", "create", "q", "-p", "main", "--priority", "0")
    fails(2, "work-queue", "create", "q", "-p", "main", "--limit", "-3")
    fails(2, "work-queue", "create", "a/b", "-p", "main")
    assert set(queues_of("main")) == {"default", "high", "low"}


def test_queue_pause_resume_and_limits_by_name_and_id(store: str) -> None:
    ok("work-pool", "create", "main", "-t", "process")
    queue_id = ok_json("work-queue", "create", "high", "-p", "main")["id"]
    out = ok("work-queue", "pause", "high", "-p", "main")
    assert out == "Paused work queue 'high' in work pool 'main'.\n"
    assert queues_of("main")["high"]["is_paused"] is True
    assert ok("work-queue", "pause", queue_id) == "Work queue 'high' is already paused.\n"
    resumed = ok_json("work-queue", "resume", queue_id)
    assert resumed["is_paused"] is False and resumed["id"] == queue_id
    assert ok("work-queue", "resume", "high", "-p", "main") == "Work queue 'high' is not paused.\n"
    out = ok("work-queue", "set-concurrency-limit", "high", "4", "-p", "main")
    assert out == "Set the concurrency limit of work queue 'high' in work pool 'main' to 4.\n"
    assert queues_of("main")["high"]["concurrency_limit"] == 4
    cleared = ok_json("work-queue", "clear-concurrency-limit", queue_id)
    assert cleared["concurrency_limit"] is None
    assert queues_of("main")["default"]["is_paused"] is False  # the other queue untouched
    err = fails(1, "work-queue", "pause", "nope", "-p", "main")
    assert "Work queue 'nope' not found in work pool 'main'" in err
    assert "Work pool 'gone' not found" in fails(1, "work-queue", "resume", "high", "-p", "gone")
    fails(1, "work-queue", "set-concurrency-limit", str(uuid.uuid4()), "1")
    fails(2, "work-queue", "set-concurrency-limit", "high", "--", "-1", "-p", "main")
    fails(2, "work-queue", "clear-concurrency-limit", " ")


def test_queue_delete(store: str) -> None:
    ok("work-pool", "create", "main", "-t", "process")
    ok("work-queue", "create", "high", "-p", "main")
    assert "--yes" in fails(1, "work-queue", "delete", "high", "-p", "main")
    assert "high" in queues_of("main")
    out = ok("work-queue", "delete", "high", "-p", "main", "--yes")
    assert out == "Deleted work queue 'high' in work pool 'main'.\n"
    assert set(queues_of("main")) == {"default"}
    fails(1, "work-queue", "delete", "high", "-p", "main", "--yes")
    assert "default queue" in fails(1, "work-queue", "delete", "default", "-p", "main", "-y")


# -- confirmation on a real terminal ----------------------------------------------------


def run_on_a_terminal(args: list[str], answer: str, prompt: bytes = b"[y/N]") -> tuple[int, str]:
    """`prefect ARGS` with a pty as its terminal, typing `answer` at the prompt."""
    main, child = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "prefect_console.cli.main", *args],
        stdin=child,
        stdout=child,
        stderr=child,
        env={**os.environ, "COLUMNS": "120", "NO_COLOR": "1"},
        close_fds=True,
    )
    os.close(child)
    seen = b""
    deadline = time.monotonic() + 60
    answered = False
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(main, 4096)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                seen += chunk
            if not answered and prompt in seen:
                os.write(main, answer.encode() + b"\r")
                answered = True
            if process.poll() is not None and not ready:
                break
        code = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(main)
    return code, seen.decode(errors="replace")


def test_delete_asks_on_a_terminal(sqlite_home: None) -> None:
    ok("work-pool", "create", "main", "-t", "process")
    ok("work-queue", "create", "high", "-p", "main")
    code, seen = run_on_a_terminal(["work-pool", "delete", "main"], "n")
    assert "Delete work pool 'main' and its queues? [y/N]" in seen
    assert code == 1 and "Aborted." in seen
    assert pool("main")["name"] == "main"
    code, seen = run_on_a_terminal(["work-queue", "delete", "high", "-p", "main"], "y")
    assert code == 0, seen
    assert "Delete work queue 'high' in work pool 'main'? [y/N]" in seen
    assert "Deleted work queue 'high' in work pool 'main'." in seen
    code, seen = run_on_a_terminal(["work-pool", "delete", "main"], "y")
    assert code == 0 and "Deleted work pool 'main'." in seen, seen
    assert ok_json("work-pool", "ls") == []


def test_create_asks_for_the_type_on_a_terminal(sqlite_home: None) -> None:
    code, seen = run_on_a_terminal(["work-pool", "create", "asked"], "docker", b"[process]:")
    assert "Work pool type (process, docker, kubernetes) [process]:" in seen
    assert code == 0 and "Created work pool 'asked' (docker)." in seen, seen
    assert pool("asked")["type"] == "docker"


@pytest.fixture
def sqlite_home(prefect_home: Path) -> None:
    """The default SQLite store of PREFECT_HOME, which a child process finds by itself."""
