"""The lean paths of the `prefect` executable (`cli._fast`, `cli._fast_ls`) against the
typer app: the same output, error lines and exit codes, as real processes on a real
server; and the shapes they rely on, checked against the wire models."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from prefect.schemas.objects import Flow, FlowRun, State, StateType
from prefect_console.cli import _fast_ls, _lean_json
from prefect_console.cli._fast import NotFast, parse_options, run_fast
from pydantic import BaseModel

from tests.console.seed import Seeded

PREFECT = str(Path(sys.executable).parent / "prefect")
# the typer app alone, as the executable ran it before the lean paths
TYPER = [
    sys.executable,
    "-c",
    "import sys; from prefect_console.cli.main import main; sys.argv[0] = 'prefect'; main()",
]
# the executable's entry, reporting afterwards whether pydantic or typer was imported
PROBE = [
    sys.executable,
    "-c",
    "import sys; from prefect_console.cli._entry import main; sys.argv[0] = 'prefect'\n"
    "try:\n    main()\nexcept SystemExit:\n    pass\n"
    "print('HEAVY', sorted({m.split('.')[0] for m in sys.modules} & {'pydantic', 'typer'}),"
    " file=sys.stderr)",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def _same(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `args` through the executable and through the typer app; both must agree."""
    fast = _run([PREFECT, *args], env)
    slow = _run([*TYPER, *args], env)
    assert (fast.returncode, fast.stdout, fast.stderr) == (
        slow.returncode,
        slow.stdout,
        slow.stderr,
    ), args
    assert "Traceback" not in fast.stderr
    return fast


@pytest.fixture
def served(sqlite_seeded: Seeded) -> Iterator[dict[str, str]]:
    """The seeded SQLite store behind a real server process; the environment to reach it."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("_PREFECT_COMPLETE")}
    server = subprocess.Popen(
        [PREFECT, "server", "start", "--port", str(port), "--no-services"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, "the server exited"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1):
                    break
            except OSError:
                assert time.monotonic() < deadline, "the server did not answer"
                time.sleep(0.05)
        yield {**env, "PREFECT_API_URL": f"http://127.0.0.1:{port}/api", "COLUMNS": "80"}
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_flow_run_ls_matches_the_typer_command(served: dict[str, str]) -> None:
    for args in (
        [],
        ["--limit", "2"],
        ["--limit=0"],
        ["-o", "json"],
        ["-ojson", "--limit", "3"],
        ["--output=json", "--state", "Failed"],
        ["--state", "completed", "--state-type", "SCHEDULED"],
        ["--state", "Late", "--state", "RUNNING"],
        ["--flow-name", "etl"],
        ["--flow-name", "report", "--flow-name", "nothing", "-o", "json"],
        ["--limit", "1", "--limit", "4"],
    ):
        _same(["flow-run", "ls", *args], served)
    wide = {**served, "COLUMNS": "140"}
    # the duration column of a running run moves with the clock: finished runs only
    _same(["flow-run", "ls", "--state-type", "COMPLETED", "--state-type", "FAILED"], wide)


def test_flow_ls_matches_the_typer_command(served: dict[str, str]) -> None:
    for args in ([], ["--limit", "1"], ["--name", "et"], ["-o", "json"], ["--name=rep", "-ojson"]):
        _same(["flow", "ls", *args], served)
    for args in (["--limit", "-2"], ["--name"], ["--tag", "x"]):
        assert _same(["flow", "ls", *args], served).returncode == 2


def test_flow_run_ls_errors_match_the_typer_command(served: dict[str, str]) -> None:
    for args, code in (
        (["--state", "Bogus"], 2),
        (["--state-type", "LATE"], 2),
        (["--limit", "-1"], 2),
        (["--limit", "x"], 2),
        (["--limit"], 2),
        (["-o", "yaml"], 2),
        (["--output", "JSON"], 2),
        (["--colour"], 2),
        (["extra"], 2),
        (["--help"], 0),
    ):
        assert _same(["flow-run", "ls", *args], served).returncode == code, args


def test_the_lean_path_imports_neither_pydantic_nor_typer(served: dict[str, str]) -> None:
    for args in (
        ["flow-run", "ls"],
        ["flow-run", "ls", "-o", "json"],
        ["flow", "ls"],
        ["flow", "ls", "-o", "json"],
        ["version"],
    ):
        result = _run([*PROBE, *args], served)
        assert result.returncode == 0 and "HEAVY []" in result.stderr, (args, result.stderr)
    # a command line it does not take is the typer app's
    result = _run([*PROBE, "flow-run", "ls", "--state", "Bogus"], served)
    assert "HEAVY ['pydantic', 'typer']" in result.stderr


def test_without_a_server_the_typer_command_answers(sqlite_seeded: Seeded) -> None:
    env = {**os.environ, "COLUMNS": "80"}
    embedded = _same(["flow-run", "ls", "--state", "Completed"], env)
    assert "nightly" in embedded.stdout  # the embedded store, through the full client
    nobody = {**env, "PREFECT_API_URL": f"http://127.0.0.1:{_free_port()}/api"}
    refused = _same(["flow-run", "ls"], {**nobody, "PREFECT_CLIENT_MAX_RETRIES": "0"})
    assert refused.returncode == 1
    assert refused.stderr.startswith("Error: Cannot reach the API at http://127.0.0.1:")


def test_a_silent_api_times_out_with_the_same_line(prefect_home: Path) -> None:
    """A listener that never answers: the lean path words the timeout as the client."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    try:
        env = {
            **os.environ,
            "PREFECT_API_URL": f"http://127.0.0.1:{listener.getsockname()[1]}/api",
            "PREFECT_API_REQUEST_TIMEOUT": "0.3",
        }
        result = _same(["flow-run", "ls"], env)
        assert result.returncode == 1
        assert result.stderr.endswith("did not answer within 0.3 s\n")
    finally:
        listener.close()
        for connection in accepted:
            connection.close()


def test_version_matches_the_typer_command(prefect_home: Path) -> None:
    for args in (["version"], ["version", "-o", "json"], ["version", "--output=json"]):
        _same(args, dict(os.environ))
    assert _same(["version", "-o", "xml"], dict(os.environ)).returncode == 2


def test_parse_options_takes_clicks_forms_and_nothing_else() -> None:
    single, multiple = ["--limit", "--output"], ["--state"]
    parsed = parse_options(
        ["--limit", "3", "--state=a", "-ojson", "--state", "-b", "--limit=4"], single, multiple
    )
    assert parsed == {"--limit": ["3", "4"], "--state": ["a", "-b"], "--output": ["json"]}
    for args in (["x"], ["--"], ["-h"], ["--help"], ["--limit"], ["--lim", "3"], ["-"]):
        with pytest.raises(NotFast):
            parse_options(args, single, multiple)
    assert run_fast(["flow-run", "inspect", "x"]) is None
    assert run_fast(["server", "start"]) is None


def test_the_output_choices_are_the_options() -> None:
    from prefect_console.cli._fast import _OUTPUT_CHOICES
    from prefect_console.cli._options import OutputFormat

    assert {choice.value for choice in OutputFormat} == _OUTPUT_CHOICES


def test_shell_completion_is_left_to_click(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_PREFECT_COMPLETE", "complete_bash")
    assert run_fast(["version"]) is None


def _shape_of(model: type[BaseModel]) -> _lean_json.Shape:
    """The Shape that `model` implies, derived from its fields."""

    def kinds(annotation: object) -> tuple[object, ...]:
        return getattr(annotation, "__args__", (annotation,))

    fields = model.model_fields
    nested = {}
    for name, info in fields.items():
        inner = [
            k for k in kinds(info.annotation) if isinstance(k, type) and issubclass(k, BaseModel)
        ]
        if inner:
            nested[name] = _shape_of(inner[0])
    return _lean_json.Shape(
        keys=tuple(fields),
        none_defaults=frozenset(name for name, info in fields.items() if info.default is None),
        datetimes=tuple(n for n, i in fields.items() if datetime in kinds(i.annotation)),
        durations=tuple(n for n, i in fields.items() if timedelta in kinds(i.annotation)),
        nested=nested,
        filled_when_none=("name",) if model is State else (),
    )


def test_the_shapes_are_the_models() -> None:
    assert _shape_of(FlowRun) == _lean_json.FLOW_RUN
    assert _shape_of(Flow) == _lean_json.FLOW
    # the one field a model fills in itself
    assert State.model_validate({"type": "FAILED", "name": None}).name == "Failed"


def _sample() -> dict[str, object]:
    run = FlowRun(
        flow_id=uuid.uuid4(),
        name="x",
        start_time=datetime.now().astimezone(),
        total_run_time=timedelta(seconds=1.5),
        state=State(type=StateType.RUNNING),
    )
    return run.to_json_dict()


def test_model_json_passes_through_and_anything_else_does_not() -> None:
    sample = _sample()
    shape = _lean_json.FLOW_RUN
    assert _lean_json.as_model_json(sample, shape) is sample
    for odd in (
        {**sample, "extra": 1},
        {**sample, "total_run_time": 1},
        {**sample, "start_time": "2026-01-01T00:00:00+00:00"},
        {**sample, "start_time": "2026-01-01T00:00:00.5Z"},
        {**sample, "empirical_policy": None},
        {key: sample[key] for key in reversed(sample)},
    ):
        assert _lean_json.as_model_json(odd, shape) is None, odd
    state = dict(sample["state"])  # type: ignore[call-overload]
    assert _lean_json.as_model_json({**sample, "state": {**state, "name": None}}, shape) is None
    # a server of ours from before a StateDetails field: the model reads it as None
    details = dict(state["state_details"])
    details.pop("deployment_concurrency_lease_id")
    older = {**sample, "state": {**state, "state_details": details}}
    assert _lean_json.as_model_json(older, shape) == sample
    assert FlowRun.model_validate(older).to_json_dict() == sample
    # a missing field whose default is not None: only the model knows it
    assert _lean_json.as_model_json({k: v for k, v in sample.items() if k != "tags"}, shape) is None


def test_rows_read_what_the_table_reads() -> None:
    sample = _sample()
    row = _fast_ls.run_row(sample)
    model = FlowRun.model_validate(sample)
    assert row.id == model.id and row.flow_id == str(model.flow_id)
    assert (row.start_time, row.total_run_time) == (model.start_time, model.total_run_time)
    assert row.state is not None and model.state is not None
    assert (row.state.name, row.state.type.value) == (model.state.name, model.state.type.value)
    unnamed = _fast_ls.run_row({**sample, "state": {"type": "FAILED", "name": None}})
    assert unnamed.state is not None
    assert (unnamed.state.name, unnamed.state.type.value) == ("Failed", "FAILED")


def test_a_failure_is_worded_by_the_typer_app(prefect_home: Path) -> None:
    (prefect_home / "profiles.toml").write_text("this is [not toml")
    result = _same(["version"], dict(os.environ))
    assert result.returncode == 1 and result.stderr.startswith("Error: ")
