"""`prefect variable|artifact|concurrency-limit|global-concurrency-limit|events ...` in-process
(typer's CliRunner) against the embedded store, on SQLite and PostgreSQL; `events stream`
also against a real server process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prefect_console.cli.main import app
from typer.testing import CliRunner

from tests.console.seed import NIGHTLY, seed_runs
from tests.console.seed_resources import EXTRACT_TASK, SeededResources, seed_resources
from tests.console.test_cli import assert_one_line_error

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def ok_json(*args: str) -> Any:
    code, out, err = invoke(*args, "-o", "json")
    assert code == 0, err
    return json.loads(out)


@pytest.fixture
def resources(store: str) -> SeededResources:
    seed_runs()
    return seed_resources()


# -- variables ------------------------------------------------------------------------------


def test_variable_set_parses_json_and_get_prints_json(store: str) -> None:
    for name, value in (
        ("obj", '{"a": [1, 2]}'),
        ("num", "42"),
        ("flag", "true"),
        ("word", "hello world"),
        ("quoted", '"42"'),
    ):
        code, out, err = invoke("variable", "set", name, value)
        assert code == 0, err
        assert out == f"Set variable {name!r}.\n"
    values = {v["name"]: v["value"] for v in ok_json("variable", "ls")}
    assert values == {
        "obj": {"a": [1, 2]},
        "num": 42,
        "flag": True,
        "word": "hello world",
        "quoted": "42",
    }
    assert invoke("variable", "get", "obj")[1] == '{"a": [1, 2]}\n'
    assert invoke("variable", "get", "word")[1] == '"hello world"\n'
    assert invoke("variable", "get", "quoted")[1] == '"42"\n'


def test_variable_ls_inspect_and_limit(resources: SeededResources) -> None:
    listed = ok_json("variable", "ls")
    assert isinstance(listed, list)
    assert [v["name"] for v in listed] == ["banner", "batch_size", "db_host", "etl_config"]
    assert {"id", "name", "value", "tags", "created", "updated"} <= set(listed[0])
    assert len(ok_json("variable", "ls", "--limit", "2")) == 2
    one = ok_json("variable", "inspect", "etl_config")
    assert isinstance(one, dict)
    assert one["value"] == {"retries": 3, "tables": ["sales", "refunds"]}
    assert one["tags"] == ["prod", "etl"]
    code, out, _ = invoke("variable", "inspect", "etl_config")
    assert code == 0 and '"retries": 3' in out and "prod, etl" in out
    code, out, _ = invoke("variable", "ls")
    assert code == 0 and "db_host" in out and "warehouse.internal" in out


def test_hostile_values_reach_the_terminal_as_plain_text(resources: SeededResources) -> None:
    for args in (
        ("variable", "ls"),
        ("variable", "get", "banner"),
        ("variable", "inspect", "banner"),
    ):
        code, out, _ = invoke(*args)
        assert code == 0
        assert "[bold]hi[/bold]" in out
        assert "\x1b" not in out and "\x07" not in out


def test_variable_set_existing_needs_overwrite(resources: SeededResources) -> None:
    code, _, err = invoke("variable", "set", "db_host", "other")
    assert_one_line_error(code, err, 1)
    assert "already exists" in err and "--overwrite" in err
    assert invoke("variable", "get", "db_host")[1] == '"warehouse.internal"\n'
    code, _, err = invoke(
        "variable", "set", "db_host", "other", "--overwrite", "--tag", "a", "--tag", "b"
    )
    assert code == 0, err
    one = ok_json("variable", "inspect", "db_host")
    assert isinstance(one, dict) and one["value"] == "other" and one["tags"] == ["a", "b"]


@pytest.mark.parametrize(
    "args",
    [
        ("variable", "set", "Bad Name", "1"),
        ("variable", "set", "ok", "x" * 6000),
        ("variable", "ls", "--limit", "-1"),
        ("variable", "set", "only-a-name"),
        ("variable", "ls", "-o", "yaml"),
    ],
)
def test_variable_bad_input_is_a_usage_error(store: str, args: tuple[str, ...]) -> None:
    code, _, err = invoke(*args)
    assert_one_line_error(code, err, 2)


@pytest.mark.parametrize("verb", ["get", "inspect", "unset"])
def test_unknown_variable_fails_in_one_line(store: str, verb: str) -> None:
    code, _, err = invoke("variable", verb, "nope", *(["--yes"] if verb == "unset" else []))
    assert_one_line_error(code, err, 1)
    assert err == "Error: Variable 'nope' not found.\n"


def test_variable_unset_asks_or_needs_yes(resources: SeededResources) -> None:
    code, _, err = invoke("variable", "unset", "db_host")  # no terminal: nothing waits
    assert_one_line_error(code, err, 1)
    assert "--yes" in err
    assert invoke("variable", "get", "db_host")[0] == 0
    code, out, _ = invoke("variable", "unset", "db_host", "--yes")
    assert code == 0 and out == "Unset variable 'db_host'.\n"
    assert invoke("variable", "get", "db_host")[0] == 1
    code, out, _ = invoke("variable", "delete", "batch_size", "-y")  # Prefect's hidden alias
    assert code == 0 and "batch_size" in out
    names = [v["name"] for v in ok_json("variable", "ls")]
    assert names == ["banner", "etl_config"]


# -- artifacts ------------------------------------------------------------------------------


def test_artifact_ls_latest_per_key_and_all(resources: SeededResources) -> None:
    latest = ok_json("artifact", "ls")
    assert isinstance(latest, list)
    assert [a["key"] for a in latest] == [
        "broken-report",
        "load-progress",
        "nightly-report",
        "row-counts",
        "sales-chart",
        "warehouse-docs",
    ]
    report = next(a for a in latest if a["key"] == "nightly-report")
    assert report["latest_id"] == str(resources.report_v2)
    assert report["description"] == "Today's load"
    every = ok_json("artifact", "ls", "--all")
    assert isinstance(every, list) and len(every) == 8
    assert {a["id"] for a in every} >= {str(resources.report_v1), str(resources.keyless)}
    assert len(ok_json("artifact", "ls", "--limit", "2")) == 2
    code, out, _ = invoke("artifact", "ls", "--all")
    assert code == 0 and "nightly-report" in out and str(resources.keyless) in out


def test_artifact_inspect_lists_the_versions_newest_first(resources: SeededResources) -> None:
    versions = ok_json("artifact", "inspect", "nightly-report")
    assert isinstance(versions, list)
    assert [v["id"] for v in versions] == [str(resources.report_v2), str(resources.report_v1)]
    assert versions[0]["data"].startswith("# Nightly report")
    assert versions[0]["flow_run_id"] == str(NIGHTLY)
    code, out, _ = invoke("artifact", "inspect", "row-counts")
    assert code == 0 and "Rows per table" in out and str(EXTRACT_TASK) in out
    assert "\x1b" not in out  # the table's data carries escape sequences
    assert len(ok_json("artifact", "inspect", "nightly-report", "--limit", "1")) == 1


def test_artifact_inspect_unknown_key(store: str) -> None:
    code, _, err = invoke("artifact", "inspect", "nope")
    assert_one_line_error(code, err, 1)
    assert err == "Error: Artifact 'nope' not found.\n"


def test_artifact_delete_by_key_removes_every_version(resources: SeededResources) -> None:
    code, _, err = invoke("artifact", "delete", "nightly-report")
    assert_one_line_error(code, err, 1)
    assert "--yes" in err
    code, out, err = invoke("artifact", "delete", "nightly-report", "--yes")
    assert code == 0, err
    assert out == "Deleted 2 artifact(s) with key 'nightly-report'.\n"
    keys = [a["key"] for a in ok_json("artifact", "ls")]
    assert "nightly-report" not in keys and len(keys) == 5
    code, _, err = invoke("artifact", "delete", "nightly-report", "--yes")
    assert_one_line_error(code, err, 1)
    assert "not found" in err and "--id" in err


def test_artifact_delete_by_id(resources: SeededResources) -> None:
    code, out, err = invoke("artifact", "delete", "--id", str(resources.report_v2), "--yes")
    assert code == 0, err
    assert str(resources.report_v2) in out
    # the previous version is the key's latest again
    report = next(a for a in ok_json("artifact", "ls") if a["key"] == "nightly-report")
    assert report["latest_id"] == str(resources.report_v1)
    missing = uuid.uuid4()
    code, _, err = invoke("artifact", "delete", "--id", str(missing), "--yes")
    assert_one_line_error(code, err, 1)
    assert str(missing) in err and "not found" in err


@pytest.mark.parametrize(
    "args",
    [
        ("artifact", "delete"),
        ("artifact", "delete", "some-key", "--id", str(uuid.uuid4())),
        ("artifact", "delete", "--id", "not-a-uuid"),
        ("artifact", "ls", "--limit", "-3"),
        ("artifact", "inspect"),
    ],
)
def test_artifact_bad_input_is_a_usage_error(store: str, args: tuple[str, ...]) -> None:
    code, _, err = invoke(*args)
    assert_one_line_error(code, err, 2)


# -- concurrency limits by tag ---------------------------------------------------------------


def test_tag_limit_create_inspect_ls_reset_delete(resources: SeededResources) -> None:
    code, out, err = invoke("concurrency-limit", "create", "gpu", "3")
    assert code == 0, err
    assert "tag - 'gpu'" in out and "concurrency_limit - 3" in out
    created = ok_json("concurrency-limit", "inspect", "gpu")
    assert isinstance(created, dict)
    assert created["tag"] == "gpu" and created["concurrency_limit"] == 3
    assert created["active_slots"] == []
    # creating again changes the limit, as Prefect's does
    assert invoke("concurrency-limit", "create", "gpu", "4")[0] == 0
    assert ok_json("concurrency-limit", "inspect", "gpu")["concurrency_limit"] == 4

    database = ok_json("concurrency-limit", "inspect", "database")
    assert isinstance(database, dict) and database["active_slots"] == [str(EXTRACT_TASK)]
    code, out, _ = invoke("concurrency-limit", "inspect", "database")
    assert code == 0 and str(EXTRACT_TASK) in out and "1 of 2" in out

    listed = ok_json("concurrency-limit", "ls")
    assert isinstance(listed, list) and {c["tag"] for c in listed} == {"database", "s3", "gpu"}
    code, out, _ = invoke("concurrency-limit", "ls")
    assert code == 0 and "database" in out and "Active Task Runs" in out

    code, out, _ = invoke("concurrency-limit", "reset", "database")
    assert code == 0 and out == "Reset concurrency limit set on the tag: database\n"
    assert ok_json("concurrency-limit", "inspect", "database")["active_slots"] == []

    code, _, err = invoke("concurrency-limit", "delete", "gpu")
    assert_one_line_error(code, err, 1)
    code, out, _ = invoke("concurrency-limit", "delete", "gpu", "--yes")
    assert code == 0 and out == "Deleted concurrency limit set on the tag: gpu\n"
    assert invoke("concurrency-limit", "inspect", "gpu")[0] == 1


@pytest.mark.parametrize("verb", ["inspect", "reset", "delete"])
def test_unknown_tag_limit_fails_in_one_line(store: str, verb: str) -> None:
    code, _, err = invoke(
        "concurrency-limit", verb, "nope", *(["--yes"] if verb == "delete" else [])
    )
    assert_one_line_error(code, err, 1)
    assert err == "Error: No concurrency limit found for the tag: nope\n"


@pytest.mark.parametrize(
    "args",
    [
        ("concurrency-limit", "create", "gpu", "many"),
        ("concurrency-limit", "create", "gpu", "-1"),
        ("concurrency-limit", "create", "gpu"),
        ("concurrency-limit", "ls", "--offset", "-1"),
    ],
)
def test_tag_limit_bad_input_is_a_usage_error(store: str, args: tuple[str, ...]) -> None:
    code, _, err = invoke(*args)
    assert_one_line_error(code, err, 2)


# -- global concurrency limits ---------------------------------------------------------------


def test_global_limit_lifecycle(resources: SeededResources) -> None:
    gcl = "global-concurrency-limit"
    code, out, err = invoke(
        gcl, "create", "db-pool", "--limit", "4", "--slot-decay-per-second", "0.5"
    )
    assert code == 0, err
    assert "Created global concurrency limit with name 'db-pool'" in out
    one = ok_json(gcl, "inspect", "db-pool")
    assert isinstance(one, dict)
    assert (one["name"], one["limit"], one["active"], one["slot_decay_per_second"]) == (
        "db-pool",
        4,
        True,
        0.5,
    )
    code, _, err = invoke(gcl, "create", "db-pool", "--limit", "1")
    assert_one_line_error(code, err, 1)
    assert "already exists" in err

    updated = ok_json(gcl, "update", "db-pool", "--limit", "8", "--disable")
    assert isinstance(updated, dict) and updated["limit"] == 8 and updated["active"] is False
    assert ok_json(gcl, "inspect", "db-pool")["slot_decay_per_second"] == 0.5

    code, out, _ = invoke(gcl, "enable", "db-pool")
    assert code == 0 and out == "Enabled global concurrency limit with name 'db-pool'.\n"
    code, _, err = invoke(gcl, "enable", "db-pool")
    assert_one_line_error(code, err, 1)
    assert "already enabled" in err
    assert invoke(gcl, "disable", "db-pool")[0] == 0
    assert ok_json(gcl, "inspect", "db-pool")["active"] is False

    listed = ok_json(gcl, "ls")
    assert isinstance(listed, list)
    assert [g["name"] for g in listed] == ["api-rate", "db-pool", "nightly-batch", "warehouse"]
    warehouse = next(g for g in listed if g["name"] == "warehouse")
    assert warehouse["active_slots"] == 3 and warehouse["limit"] == 5
    code, out, _ = invoke(gcl, "ls")
    assert code == 0 and "nightly-batch" in out and "False" in out

    code, _, err = invoke(gcl, "delete", "db-pool")
    assert_one_line_error(code, err, 1)
    code, out, _ = invoke(gcl, "delete", "db-pool", "--yes")
    assert code == 0 and "db-pool" in out
    assert invoke(gcl, "inspect", "db-pool")[0] == 1


def test_global_limit_created_disabled(store: str) -> None:
    gcl = "global-concurrency-limit"
    assert invoke(gcl, "create", "off", "--limit", "2", "--disable")[0] == 0
    assert ok_json(gcl, "inspect", "off")["active"] is False
    code, out, _ = invoke(gcl, "ls")
    assert code == 0 and "off" in out
    code, out, _ = invoke(gcl, "ls", "-o", "json")
    assert json.loads(out)[0]["name"] == "off"


@pytest.mark.parametrize(
    "args",
    [
        ("inspect", "nope"),
        ("update", "nope", "--limit", "2"),
        ("enable", "nope"),
        ("disable", "nope"),
        ("delete", "nope", "--yes"),
    ],
)
def test_unknown_global_limit_fails_in_one_line(store: str, args: tuple[str, ...]) -> None:
    code, _, err = invoke("global-concurrency-limit", *args)
    assert_one_line_error(code, err, 1)
    assert err == "Error: Global concurrency limit 'nope' not found.\n"


@pytest.mark.parametrize(
    "args",
    [
        ("create", "x"),
        ("create", "x", "--limit", "-1"),
        ("create", "a/b", "--limit", "1"),
        ("create", "x", "--limit", "1", "--slot-decay-per-second", "-2"),
        ("update", "x"),
        ("update", "x", "--enable", "--disable"),
        ("update", "x", "--limit", "lots"),
    ],
)
def test_global_limit_bad_input_is_a_usage_error(store: str, args: tuple[str, ...]) -> None:
    code, _, err = invoke("global-concurrency-limit", *args)
    assert_one_line_error(code, err, 2)


# -- events ---------------------------------------------------------------------------------


def test_events_stream_on_the_embedded_store_says_why_not(store: str) -> None:
    code, out, err = invoke("events", "stream")
    assert_one_line_error(code, err, 1)
    assert "embedded store" in err and "prefect server start" in err
    assert out == ""


def test_events_stream_from_an_unreachable_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    code, _, err = invoke("events", "stream", "--run-once")
    assert_one_line_error(code, err, 1)
    assert "Cannot reach the event stream at ws://127.0.0.1:9/api/events/out" in err


def test_events_stream_bad_format_is_a_usage_error() -> None:
    code, _, err = invoke("events", "stream", "--format", "xml")
    assert_one_line_error(code, err, 2)


PREFECT = str(Path(sys.executable).parent / "prefect")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def server(prefect_home: Path) -> Iterator[str]:
    """A `prefect server start` process on the test's SQLite store; its API URL."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    proc = subprocess.Popen(
        [PREFECT, "server", "start", "--port", str(port), "--no-services"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError("the server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _emit(url: str, *names: str) -> None:
    body = [
        {
            "event": name,
            "resource": {"prefect.resource.id": f"test.{name}"},
            "id": str(uuid.uuid4()),
            "payload": {"n": i},
        }
        for i, name in enumerate(names)
    ]
    request = urllib.request.Request(
        f"{url}/events",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10):
        pass


def _stream(url: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PREFECT, "events", "stream", *args],
        env={**os.environ, "PREFECT_API_URL": url},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def test_events_stream_prints_live_events(server: str) -> None:
    _emit(server, "etl.started", "etl.weird\x1b]0;pwned\x07")
    # the stream backfills the recent events first: --run-once ends after the first
    done = _stream(server, "--run-once", "--event", "etl.started")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1
    event = json.loads(lines[0])
    assert event["event"] == "etl.started"
    assert event["resource"]["prefect.resource.id"] == "test.etl.started"
    done = _stream(
        server, "--run-once", "--format", "text", "--resource-id", "test.etl.weird\x1b]0;pwned\x07"
    )
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout
    stamp, name, resource = done.stdout.split()
    assert name == "etl.weird" and resource == "test.etl.weird"  # the OSC sequence is gone
    assert stamp[:4].isdigit()


def test_events_stream_ends_quietly_on_sigterm(server: str) -> None:
    import signal

    proc = subprocess.Popen(
        [PREFECT, "events", "stream", "--format", "text", "--event", "later."],
        env={**os.environ, "PREFECT_API_URL": server},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 60
        line = ""
        while not line and time.monotonic() < deadline:
            _emit(server, "later.one")  # until the subscription is up and sees one
            time.sleep(0.5)
            import selectors

            with selectors.DefaultSelector() as sel:
                sel.register(proc.stdout, selectors.EVENT_READ)
                if sel.select(timeout=0.5):
                    line = proc.stdout.readline()
        assert "later.one" in line
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        assert "Traceback" not in (proc.stderr.read() if proc.stderr else "")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
