"""Tables the typer commands and the lean paths (`_fast_ls`) both draw.

One function draws each table for both, from anything with the object's attributes (a
model, or a plain row decoded from JSON), so the two paths print the same thing.
Imports typer and pydantic nowhere: the lean paths must not pay for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from prefect_console.ops.present import RunLike

if TYPE_CHECKING:
    from datetime import datetime

    from rich.text import Text


class FlowRunRow(RunLike, Protocol):
    """What the runs table reads of a flow run, beyond `RunLike`."""

    @property
    def id(self) -> object: ...
    @property
    def flow_id(self) -> object: ...
    @property
    def name(self) -> str: ...
    @property
    def expected_start_time(self) -> datetime | None: ...


class FlowRow(Protocol):
    @property
    def id(self) -> object: ...
    @property
    def name(self) -> str: ...
    @property
    def created(self) -> datetime | None: ...


def state_text(run: RunLike) -> Text:
    from rich.text import Text

    from prefect_console.ops import present

    return Text(present.state_word(run), style=present.state_colour(present.state_type_of(run)))


def print_runs_table(runs: Sequence[FlowRunRow], names: dict[Any, str]) -> None:
    """`prefect flow-run ls`: `names` maps each run's `flow_id` to its flow's name."""
    from prefect._time import now
    from rich.table import Table

    from prefect_console.cli._output import console
    from prefect_console.ops import present

    out = console()
    if not runs:
        out.print("No flow runs found.")
        return
    moment = now()
    # the full ID (36 columns) stays whole; below 100 columns the duration gives way
    wide = out.width >= 100
    table = Table(
        title="Flow Runs", box=None, header_style="bold", pad_edge=False, collapse_padding=True
    )
    table.add_column("ID", no_wrap=True, min_width=36)
    table.add_column("Flow", overflow="ellipsis", no_wrap=True, min_width=4)
    table.add_column("Name", overflow="ellipsis", no_wrap=True, min_width=8)
    table.add_column("State", no_wrap=True, min_width=9)
    table.add_column("Start", no_wrap=True, min_width=11)
    if wide:
        table.add_column("Duration", no_wrap=True, justify="right", min_width=8)
    for run in runs:
        cells: list[str | Text] = [
            str(run.id),
            present.sanitize_cell(names.get(run.flow_id, "?")),
            present.sanitize_cell(run.name),
            state_text(run),
            present.short_time(run.start_time or run.expected_start_time, moment),
        ]
        if wide:
            cells.append(present.format_duration(present.run_duration(run, moment)))
        table.add_row(*cells)
    out.print(table)


def print_flows_table(flows: Sequence[FlowRow]) -> None:
    """`prefect flow ls`."""
    from rich.table import Table

    from prefect_console.cli._output import console
    from prefect_console.ops import present

    out = console()
    if not flows:
        out.print("No flows found.")
        return
    table = Table(title="Flows", box=None, header_style="bold", pad_edge=False)
    table.add_column("ID", no_wrap=True, min_width=36)
    table.add_column("Name", overflow="ellipsis", no_wrap=True)
    table.add_column("Created", no_wrap=True)
    for flow in flows:
        table.add_row(
            str(flow.id), present.sanitize_cell(flow.name), present.format_time(flow.created)
        )
    out.print(table)
