"""Batching of task-run reports and logs, with a real API loop and a recording sender."""

from __future__ import annotations

import threading
import uuid
from typing import Any

from prefect.engine._models import construct, new_state
from prefect.engine.reporter import LogSender, TaskRunReporter
from prefect.schemas.actions import LogCreate, TaskRunReport
from prefect.schemas.objects import StateType, TaskRun


class Recorder:
    def __init__(self, fail_first: int = 0) -> None:
        self.batches: list[list[Any]] = []
        self.fail_first = fail_first

    async def __call__(self, items: list[Any]) -> None:
        if self.fail_first:
            self.fail_first -= 1
            raise RuntimeError("store down")
        self.batches.append(items)


def _run(key: str) -> TaskRun:
    return construct(TaskRun, id=uuid.uuid4(), task_key=key, dynamic_key="0")


def test_states_of_one_run_coalesce_into_one_report() -> None:
    sent = Recorder()
    reporter = TaskRunReporter(sent, interval=60)
    run = _run("a")
    states = [
        new_state(t, t.value.title())
        for t in (StateType.PENDING, StateType.RUNNING, StateType.COMPLETED)
    ]
    for s in states:
        run.__dict__["state"] = s
        reporter.report(run, s)
    assert reporter.pending() == 1
    reporter.flush()
    assert reporter.pending() == 0
    [[report]] = sent.batches
    assert isinstance(report, TaskRunReport)
    assert [s.id for s in report.states] == [s.id for s in states]
    assert report.task_run.state is states[-1]
    assert report.task_run is not run  # a snapshot, not the live object


def test_batches_are_capped_and_keep_order() -> None:
    sent = Recorder()
    reporter = TaskRunReporter(sent, interval=60, max_batch=10)
    runs = [_run(str(i)) for i in range(25)]
    for run in runs:
        reporter.report(run, new_state(StateType.PENDING, "Pending"))
    reporter.flush()
    assert [len(b) for b in sent.batches] == [10, 10, 5]
    assert [r.task_run.id for b in sent.batches for r in b] == [r.id for r in runs]


def test_reports_from_many_threads_are_all_sent() -> None:
    sent = Recorder()
    reporter = TaskRunReporter(sent, interval=0.01)

    def produce() -> None:
        for _ in range(200):
            reporter.report(_run("t"), new_state(StateType.COMPLETED, "Completed"))

    threads = [threading.Thread(target=produce) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    reporter.flush()
    assert sum(len(b) for b in sent.batches) == 800
    assert reporter.sent_items == 800


def test_background_send_happens_without_flush() -> None:
    sent = Recorder()
    done = threading.Event()

    async def send(items: list[Any]) -> None:
        await sent(items)
        done.set()

    reporter = TaskRunReporter(send, interval=0.01)
    reporter.report(_run("x"), new_state(StateType.PENDING, "Pending"))
    assert done.wait(5)


def test_a_failed_send_is_logged_and_dropped(caplog: Any) -> None:
    sent = Recorder(fail_first=1)
    reporter = TaskRunReporter(sent, interval=60)
    reporter.report(_run("x"), new_state(StateType.PENDING, "Pending"))
    reporter.flush()  # does not raise
    assert sent.batches == []
    reporter.report(_run("y"), new_state(StateType.PENDING, "Pending"))
    reporter.flush()
    assert len(sent.batches) == 1


def test_log_sender_batches() -> None:
    sent = Recorder()
    logs = LogSender(sent, interval=60, max_batch=3)
    for i in range(7):
        logs.put(construct(LogCreate, name="n", level=20, message=str(i)))
    logs.flush()
    assert [[log.message for log in b] for b in sent.batches] == [
        ["0", "1", "2"],
        ["3", "4", "5"],
        ["6"],
    ]
