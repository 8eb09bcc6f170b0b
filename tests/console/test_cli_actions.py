"""`prefect flow-run watch|cancel|retry|delete`, `flow ls`, `task-run ls|inspect`: the real
CLI in-process against seeded runs (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.console.seed import Seeded
from tests.console.test_cli import assert_one_line_error, invoke


def _state_type(run_id: uuid.UUID) -> str:
    code, out, err = invoke("flow-run", "inspect", str(run_id), "-o", "json")
    assert code == 0, err
    return str(json.loads(out)["state_type"])


def test_cancel_a_scheduled_run(seeded: Seeded) -> None:
    code, out, err = invoke("flow-run", "cancel", str(seeded.later))
    assert code == 0, err
    assert str(seeded.later) in out and "Cancelled" in out
    assert _state_type(seeded.later) == "CANCELLED"


def test_cancel_a_running_run_proposes_cancelling(seeded: Seeded) -> None:
    code, out, _ = invoke("flow-run", "cancel", str(seeded.weekly))
    assert code == 0 and "Cancelling" in out
    assert _state_type(seeded.weekly) == "CANCELLING"


def test_cancel_a_finished_run_fails_in_one_line(seeded: Seeded) -> None:
    code, _, err = invoke("flow-run", "cancel", str(seeded.nightly))
    assert_one_line_error(code, err, 1)
    assert "already finished" in err and "Completed" in err
    assert _state_type(seeded.nightly) == "COMPLETED"


def test_retry_without_a_deployment_fails_with_what_to_do(seeded: Seeded) -> None:
    code, _, err = invoke("flow-run", "retry", str(seeded.broken))
    assert_one_line_error(code, err, 1)
    assert "no deployment" in err and "run the flow again" in err
    assert _state_type(seeded.broken) == "FAILED"


def test_delete_without_yes_and_no_terminal_deletes_nothing(seeded: Seeded) -> None:
    code, _, err = invoke("flow-run", "delete", str(seeded.broken))
    assert_one_line_error(code, err, 1)
    assert "--yes" in err
    assert _state_type(seeded.broken) == "FAILED"


def test_delete_with_yes(seeded: Seeded) -> None:
    code, out, err = invoke("flow-run", "delete", str(seeded.broken), "--yes")
    assert code == 0, err
    assert "Deleted" in out
    code, _, err = invoke("flow-run", "inspect", str(seeded.broken))
    assert_one_line_error(code, err, 1)
    code, out, _ = invoke("task-run", "ls", "--flow-run-id", str(seeded.broken), "-o", "json")
    assert code == 0 and json.loads(out) == []


@pytest.mark.parametrize("verb", ["cancel", "retry", "watch"])
def test_actions_on_an_unknown_run_fail_in_one_line(store: str, verb: str) -> None:
    missing = uuid.uuid4()
    code, _, err = invoke("flow-run", verb, str(missing))
    assert_one_line_error(code, err, 1)
    assert str(missing) in err and "not found" in err


def test_delete_of_an_unknown_run_fails_before_asking(store: str) -> None:
    code, _, err = invoke("flow-run", "delete", str(uuid.uuid4()))
    assert_one_line_error(code, err, 1)
    assert "not found" in err


@pytest.mark.parametrize(
    "args",
    [
        ("flow-run", "cancel", "nope"),
        ("flow-run", "retry", "nope"),
        ("flow-run", "delete", "nope", "--yes"),
        ("flow-run", "watch", "nope"),
        ("task-run", "inspect", "nope"),
        ("task-run", "ls", "--flow-run-id", "nope"),
    ],
)
def test_malformed_ids_are_usage_errors(args: tuple[str, ...]) -> None:
    code, _, err = invoke(*args)
    assert_one_line_error(code, err, 2)


def test_watch_a_completed_run_prints_logs_and_exits_0(seeded: Seeded) -> None:
    code, out, err = invoke("flow-run", "watch", str(seeded.nightly), "--interval", "0.1")
    assert code == 0, err
    assert "[INFO] starting extract" in out and "\x1b" not in out
    assert out.rstrip().splitlines()[-1].endswith("| STATE    | Completed")


def test_watch_a_failed_run_exits_1(seeded: Seeded) -> None:
    code, out, err = invoke("flow-run", "watch", str(seeded.broken), "--interval", "0.1")
    assert_one_line_error(code, err, 1)
    assert "Failed" in err and "bad row" in out


def test_flow_ls(seeded: Seeded) -> None:
    code, out, _ = invoke("flow", "ls")
    assert code == 0 and "etl" in out and "report" in out
    code, out, _ = invoke("flow", "ls", "-o", "json", "--name", "et")
    data = json.loads(out)
    assert [flow["name"] for flow in data] == ["etl"]
    assert {"id", "name", "created", "tags"} <= set(data[0])


def test_task_run_ls_and_inspect(seeded: Seeded) -> None:
    code, out, _ = invoke("task-run", "ls", "--flow-run-id", str(seeded.nightly), "-o", "json")
    assert code == 0
    data = json.loads(out)
    assert sorted(t["name"] for t in data) == ["extract-0", "load-0", "transform-0"]
    assert all(t["flow_run_id"] == str(seeded.nightly) for t in data)
    code, out, _ = invoke("task-run", "ls", "--state", "Failed", "-o", "json")
    assert [t["name"] for t in json.loads(out)] == ["transform-0"]
    code, out, _ = invoke("task-run", "ls", "--limit", "2")
    assert code == 0 and "Task Runs" in out
    task_id = data[0]["id"]
    code, out, _ = invoke("task-run", "inspect", task_id, "-o", "json")
    assert code == 0
    one = json.loads(out)
    assert one["id"] == task_id and one["state"]["type"] == "COMPLETED"
    code, out, _ = invoke("task-run", "inspect", task_id)
    assert code == 0 and data[0]["name"] in out and "Completed" in out


def test_task_run_unknown_id_and_bad_state(store: str) -> None:
    code, _, err = invoke("task-run", "inspect", str(uuid.uuid4()))
    assert_one_line_error(code, err, 1)
    assert "not found" in err
    code, _, err = invoke("task-run", "ls", "--state", "Exploded")
    assert_one_line_error(code, err, 2)


@pytest.mark.parametrize(
    "args",
    [
        ("flow", "ls"),
        ("task-run", "ls"),
        ("flow-run", "cancel", str(uuid.UUID(int=1))),
        ("flow-run", "watch", str(uuid.UUID(int=1))),
    ],
)
def test_unreachable_api_fails_in_one_line(
    monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    monkeypatch.setenv("PREFECT_CLIENT_MAX_RETRIES", "0")
    code, _, err = invoke(*args)
    assert_one_line_error(code, err, 1)
    assert "127.0.0.1:9" in err


def test_retry_a_run_of_a_deployment(store: str) -> None:
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.schemas.objects import StateType

    from tests.console.test_ops_actions import _deployment_run

    async def make() -> uuid.UUID:
        async with get_client() as client:
            return await _deployment_run(client, StateType.FAILED)

    run_id = asyncio.run(make())
    code, out, err = invoke("flow-run", "retry", str(run_id))
    assert code == 0, err
    assert "Scheduled" in out and "worker" in out
    assert _state_type(run_id) == "SCHEDULED"
