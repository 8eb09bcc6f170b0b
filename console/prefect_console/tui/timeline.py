"""A Gantt-style view of a flow run's task runs: one bar per task run over the run's span.

Each row is the task run's name (truncated to fit), a bar from its start to its end scaled
to the width on screen and coloured by state, its state word (colour is never the only
sign) and its duration. A running task run extends to now; one not started yet shows a dot.
Everything is built as `rich.text.Text`: task names are untrusted and never read as markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from prefect_console.ops import present

if TYPE_CHECKING:
    from datetime import datetime

    from prefect.schemas.objects import FlowRun, TaskRun

BAR = "█"
NOT_STARTED = "·"
STATE_WIDTH = 10
DURATION_WIDTH = 7
MIN_NAME = 8
MIN_BAR = 10


@dataclass(frozen=True)
class Row:
    name: str
    state: str
    colour: str
    start: datetime | None
    end: datetime | None
    duration: str


def rows_of(task_runs: list[TaskRun], now: datetime) -> list[Row]:
    rows = []
    for run in task_runs:
        duration = present.run_duration(run, now)
        end = run.start_time + duration if run.start_time and duration is not None else None
        rows.append(
            Row(
                name=present.sanitize_cell(run.name),
                state=present.state_word(run),
                colour=present.state_colour(present.state_type_of(run)),
                start=run.start_time,
                end=end,
                duration=present.format_duration(duration),
            )
        )
    return rows


def render_rows(
    rows: list[Row],
    width: int,
    *,
    span_start: datetime | None = None,
    span_end: datetime | None = None,
) -> Text:
    """The timeline as lines of `width` cells (the name column gives way first)."""
    if not rows:
        return Text("No task runs", style="dim")
    longest = max(len(row.name) for row in rows)
    fixed = STATE_WIDTH + DURATION_WIDTH + 3  # the spaces between the columns
    name_width = max(MIN_NAME, min(longest, width // 4, width - fixed - MIN_BAR))
    bar_width = max(MIN_BAR, width - fixed - name_width)
    starts = [row.start for row in rows if row.start is not None]
    ends = [row.end for row in rows if row.end is not None]
    first = min([*starts, *([span_start] if span_start else [])], default=None)
    last = max([*ends, *starts, *([span_end] if span_end else [])], default=None)
    total = (last - first).total_seconds() if first and last else 0.0
    out = Text(no_wrap=True, overflow="ellipsis")
    for index, row in enumerate(rows):
        if index:
            out.append("\n")
        name = row.name if len(row.name) <= name_width else row.name[: name_width - 1] + "…"
        out.append(name.ljust(name_width) + " ")
        out.append_text(_bar(row, first, total, bar_width))
        out.append(" ")
        out.append(row.state[:STATE_WIDTH].ljust(STATE_WIDTH), style=row.colour)
        out.append(" " + row.duration.rjust(DURATION_WIDTH))
    return out


def _bar(row: Row, first: datetime | None, total: float, width: int) -> Text:
    if row.start is None or first is None:
        return Text(NOT_STARTED.ljust(width), style="dim")
    if total <= 0:
        begin, stop = 0, width
    else:
        begin = min(int((row.start - first).total_seconds() / total * width), width - 1)
        end = row.end or row.start
        stop = round((end - first).total_seconds() / total * width)
        stop = min(max(stop, begin + 1), width)
    bar = Text(" " * begin)
    bar.append(BAR * (stop - begin), style=row.colour)
    bar.append(" " * (width - stop))
    return bar


class Timeline(Static):
    """The task runs as bars; redrawn at the width it is given."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Text("Loading..."), id=id, markup=False)
        self.rows: list[Row] | None = None  # None until the first load
        self._span: tuple[datetime | None, datetime | None] = (None, None)

    def show(self, run: FlowRun, task_runs: list[TaskRun], now: datetime) -> None:
        self.rows = rows_of(task_runs, now)
        duration = present.run_duration(run, now)
        end = run.start_time + duration if run.start_time and duration is not None else None
        self._span = (run.start_time, end)
        self.refresh(layout=True)

    def render(self) -> Text:
        if self.rows is None:
            return Text("Loading...")
        width = max(self.content_region.width, 40)
        return render_rows(self.rows, width, span_start=self._span[0], span_end=self._span[1])
