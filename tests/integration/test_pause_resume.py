"""`pause_flow_run` / `resume_flow_run` / `suspend_flow_run` / `RunInput` on the embedded
store (SQLite and PostgreSQL): a flow pauses in a thread, the test resumes it."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import pytest
from prefect import flow
from prefect.context import get_run_context
from prefect.exceptions import FlowPauseTimeout
from prefect.flow_runs import pause_flow_run, resume_flow_run, suspend_flow_run
from prefect.input import RunInput
from prefect.schemas.objects import StateType

from tests.integration._engine_helpers import Reader, reader, store  # noqa: F401


class Approval(RunInput):
    approved: bool
    note: str = ""


class Started:
    """The run id of a flow started in a thread, and what the flow returned or raised."""

    def __init__(self, fn: Any) -> None:
        self.run_id: uuid.UUID | None = None
        self.outcome: Any = None
        self.ready = threading.Event()

        def body() -> None:
            try:
                self.outcome = fn(self)
            except BaseException as exc:
                self.outcome = exc

        self.thread = threading.Thread(target=body, daemon=True)
        self.thread.start()

    def note_run(self) -> None:
        self.run_id = get_run_context().flow_run.id  # type: ignore[union-attr]
        self.ready.set()


def _wait_paused(reader: Reader, started: Started) -> uuid.UUID:  # noqa: F811
    assert started.ready.wait(30)
    assert started.run_id is not None
    for _ in range(600):
        state = reader.flow_run(started.run_id).state
        if state is not None and state.type == StateType.PAUSED:
            return started.run_id
        time.sleep(0.05)
    raise AssertionError("the flow run never paused")


def test_pause_then_resume_continues_the_flow(reader: Reader) -> None:  # noqa: F811
    @flow
    def waits(started: Any) -> str:
        started.note_run()
        assert pause_flow_run(timeout=60, poll_interval=0.05) is None
        return "resumed"

    started = Started(lambda s: waits(s))
    run_id = _wait_paused(reader, started)
    paused = reader.flow_run(run_id).state
    assert paused is not None and paused.name == "Paused"
    assert paused.state_details.pause_timeout is not None
    assert started.thread.is_alive()

    resume_flow_run(run_id)
    started.thread.join(30)
    assert started.outcome == "resumed"
    run = reader.flow_run(run_id)
    assert run.state is not None and run.state.type == StateType.COMPLETED
    names = [s.name for s in reader.flow_run_states(run_id)]
    assert names[-4:] == ["Running", "Paused", "Running", "Completed"]


def test_wait_for_input_returns_what_resume_gave(reader: Reader) -> None:  # noqa: F811
    @flow
    def asks(started: Any) -> Any:
        started.note_run()
        return pause_flow_run(wait_for_input=Approval, timeout=60, poll_interval=0.05)

    started = Started(lambda s: asks(s))
    run_id = _wait_paused(reader, started)
    paused = reader.flow_run(run_id).state
    assert paused is not None
    assert paused.state_details.run_input_keyset == {
        "description": "paused-1-description",
        "response": "paused-1-response",
        "schema": "paused-1-schema",
    }
    # input that does not fit the published schema is refused and the run stays paused
    with pytest.raises(RuntimeError, match="Cannot resume this run"):
        resume_flow_run(run_id, run_input={"approved": "perhaps"})
    state = reader.flow_run(run_id).state
    assert state is not None and state.type == StateType.PAUSED

    resume_flow_run(run_id, run_input={"approved": True, "note": "ship it"})
    started.thread.join(30)
    assert started.outcome == Approval(approved=True, note="ship it")


def test_plain_type_input_is_unwrapped(reader: Reader) -> None:  # noqa: F811
    @flow
    def asks_int(started: Any) -> Any:
        started.note_run()
        return pause_flow_run(wait_for_input=int, timeout=60, poll_interval=0.05)

    started = Started(lambda s: asks_int(s))
    run_id = _wait_paused(reader, started)
    resume_flow_run(run_id, run_input={"value": 7})
    started.thread.join(30)
    assert started.outcome == 7


def test_a_pause_not_resumed_in_time_fails_the_run(reader: Reader) -> None:  # noqa: F811
    @flow
    def times_out() -> Any:
        pause_flow_run(timeout=1, poll_interval=0.05)
        return "never"

    state = times_out(return_state=True)
    assert state.type == StateType.FAILED
    with pytest.raises(FlowPauseTimeout, match="never resumed"):
        state.result()
    flow_run_id = state.state_details.flow_run_id
    assert flow_run_id is not None
    with pytest.raises(RuntimeError, match="only a PAUSED run can be resumed"):
        resume_flow_run(flow_run_id)


def test_outside_a_flow_and_without_a_deployment(store: str) -> None:  # noqa: F811
    with pytest.raises(RuntimeError, match="within a flow run"):
        pause_flow_run()

    @flow
    def suspends() -> str:
        try:
            suspend_flow_run(timeout=60)
        except RuntimeError as exc:
            return str(exc)
        return "suspended"

    assert "without a deployment" in suspends()


def test_async_flow_awaits_the_pause(reader: Reader) -> None:  # noqa: F811
    import asyncio

    @flow
    async def waits(started: Any) -> Any:
        started.note_run()
        return await pause_flow_run(wait_for_input=Approval, timeout=60, poll_interval=0.05)

    started = Started(lambda s: asyncio.run(waits(s)))
    run_id = _wait_paused(reader, started)
    resume_flow_run(run_id, run_input={"approved": False})
    started.thread.join(30)
    assert started.outcome == Approval(approved=False)


def test_top_level_and_prefect_3_import_paths() -> None:
    import prefect
    from prefect import pause_flow_run as p
    from prefect import resume_flow_run as r
    from prefect import suspend_flow_run as s

    assert (p, r, s) == (pause_flow_run, resume_flow_run, suspend_flow_run)
    assert prefect.runtime.flow_run.__name__ == "prefect.runtime.flow_run"
    assert prefect.variables.Variable.__name__ == "Variable"
    assert callable(prefect.artifacts.create_markdown_artifact)
