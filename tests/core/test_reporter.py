"""Batching of task-run reports and logs, with a real API loop and a recording sender."""

from __future__ import annotations

import threading
import uuid
from typing import Any

from prefect.engine._models import construct, new_state
from prefect.engine.reporter import LogSender, SendGate, TaskRunReporter
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
        run.__dict__.update(state=s, state_id=s.id, state_type=s.type, state_name=s.name)
        reporter.report(run, s)
    assert reporter.pending() == 1
    reporter.flush()
    assert reporter.pending() == 0
    [[report]] = sent.batches
    assert isinstance(report, TaskRunReport)
    assert [s.id for s in report.states] == [s.id for s in states]
    # the current state travels once, as the last of `states`; the snapshot names it
    assert report.task_run.state is None and run.state is states[-1]
    assert report.task_run.state_id == states[-1].id
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


def test_a_state_not_yet_queued_stays_on_the_snapshot() -> None:
    sent = Recorder()
    reporter = TaskRunReporter(sent, interval=60)
    run = _run("a")
    pending = new_state(StateType.PENDING, "Pending")
    run.__dict__.update(state=pending, state_id=pending.id)
    reporter.report(run, pending)
    # the task's thread has moved on to a state it has not reported yet
    running = new_state(StateType.RUNNING, "Running")
    run.__dict__.update(state=running, state_id=running.id)
    reporter.flush()
    [[report]] = sent.batches
    assert [s.id for s in report.states] == [pending.id]
    assert report.task_run.state is running  # sent whole: the server stores it too


def test_backlog_is_sent_by_the_producer() -> None:
    sizes: list[int] = []

    async def send(items: list[Any]) -> None:
        sizes.append(len(items))

    # a long interval: only the backlog rule sends anything before the flush
    reporter = TaskRunReporter(send, interval=60, high_water=10)
    for i in range(35):
        reporter.report(_run(str(i)), new_state(StateType.PENDING, "Pending"))
        assert reporter.pending() <= 10
    assert sizes == [11, 11, 11]
    reporter.flush()
    assert sum(sizes) == 35


def test_producers_wait_at_the_gate_while_a_batch_is_sent() -> None:
    sending = threading.Event()
    release = threading.Event()
    order: list[str] = []

    async def send(items: list[Any]) -> None:
        order.append("send started")
        sending.set()
        # blocks the API loop: nothing else may run there meanwhile, as with a store
        # that parses and writes the batch in this process
        release.wait(5)
        order.append("send done")

    gate = SendGate()
    reporter = TaskRunReporter(send, interval=60, gate=gate)
    reporter.report(_run("first"), new_state(StateType.PENDING, "Pending"))
    flusher = threading.Thread(target=reporter.flush)
    flusher.start()
    assert sending.wait(5)

    def produce() -> None:
        reporter.report(_run("second"), new_state(StateType.PENDING, "Pending"))
        order.append("second reported")

    producer = threading.Thread(target=produce)
    producer.start()
    producer.join(0.3)
    assert producer.is_alive()  # waiting at the gate
    release.set()
    producer.join(5)
    flusher.join(5)
    assert order == ["send started", "send done", "second reported"]
    reporter.flush()


def test_a_gate_that_does_not_apply_lets_producers_through() -> None:
    release = threading.Event()
    sending = threading.Event()

    async def send(items: list[Any]) -> None:
        sending.set()
        release.wait(5)

    reporter = TaskRunReporter(send, interval=60, gate=SendGate(lambda: False))
    reporter.report(_run("first"), new_state(StateType.PENDING, "Pending"))
    flusher = threading.Thread(target=reporter.flush)
    flusher.start()
    assert sending.wait(5)
    reporter.report(_run("second"), new_state(StateType.PENDING, "Pending"))  # no wait
    release.set()
    flusher.join(5)
    reporter.flush()
    assert reporter.pending() == 0
