"""`prefect flow-run ls` and `prefect flow ls` against an HTTP API, without pydantic.

The typer commands validate every object the API sends into a model, then print a few
of its attributes, or dump it back to JSON. Here the API's JSON is read as it is
(`prefect.client._lean.LeanReader`): tables are drawn by the typer commands' own
functions (`cli._tables`) from plain rows, and `-o json` goes through `cli._lean_json`,
which prints the objects as they came when they already are what the model would give
back. Without an API URL, or when the full client would retry or word an error,
`NotFast` hands the command line to typer.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from prefect_console.cli._fast import NotFast

T = TypeVar("T")


def flow_run_ls(
    *,
    limit: int,
    state: Sequence[str],
    state_type: Sequence[str],
    flow_name: Sequence[str],
    json: bool,
) -> int:
    """`prefect flow-run ls`; NotFast when the typer command has to do it."""
    body = flow_runs_body(limit, state, state_type, flow_name)

    def read(post: Callable[[str, Any], Any]) -> tuple[list[Any], list[Any]]:
        runs = _list(post("/flow_runs/filter", body))
        if json or not runs:
            return runs, []
        return runs, _list(post("/flows/filter", _rows(lambda: flows_body(runs))))

    answer = _read(read)
    if isinstance(answer, int):
        return answer
    runs, flows = answer
    if json:
        from prefect_console.cli._lean_json import FLOW_RUN, print_as_models

        print_as_models(runs, FLOW_RUN, "prefect.schemas.objects:FlowRun")
        return 0
    from prefect_console.cli._tables import print_runs_table

    names = _rows(lambda: {str(uuid.UUID(flow["id"])): flow["name"] for flow in flows})
    print_runs_table(_rows(lambda: [run_row(run) for run in runs]), names)
    return 0


def flow_ls(*, limit: int, name: str | None, json: bool) -> int:
    """`prefect flow ls`; NotFast when the typer command has to do it."""
    body = {
        "flows": {"name": {"like_": name}} if name else None,
        "flow_runs": None,
        "task_runs": None,
        "sort": "CREATED_DESC",
        "limit": limit,
    }
    answer = _read(lambda post: _list(post("/flows/filter", body)))
    if isinstance(answer, int):
        return answer
    if json:
        from prefect_console.cli._lean_json import FLOW, print_as_models

        print_as_models(answer, FLOW, "prefect.schemas.objects:Flow")
        return 0
    from prefect_console.cli._tables import print_flows_table

    print_flows_table(_rows(lambda: [flow_row(flow) for flow in answer]))
    return 0


def _read(read: Callable[[Callable[[str, Any], Any]], T]) -> T | int:
    """`read`'s answer through a lean reader, or the exit code of a timeout's error line."""
    from prefect.client._lean import LeanReader, LeanUnavailable
    from prefect.exceptions import ServerUnreachable

    try:
        with LeanReader.open() as reader:
            return read(reader.post)
    except LeanUnavailable as exc:
        raise NotFast(str(exc)) from exc
    except ServerUnreachable as exc:
        # the timeout, worded as the typer app's root group words it
        from prefect_console.ops.text import one_line

        sys.stderr.write(f"Error: {one_line(str(exc)).strip()}\n")
        return 1


def _list(answer: Any) -> list[dict[str, Any]]:
    if not isinstance(answer, list) or not all(isinstance(item, dict) for item in answer):
        raise NotFast("the API did not answer with a list of objects")
    return answer


def _rows(build: Callable[[], T]) -> T:
    try:
        return build()
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise NotFast(f"unexpected answer: {exc!r}") from exc  # the model words it


def flow_runs_body(
    limit: int, state: Sequence[str], state_type: Sequence[str], flow_name: Sequence[str]
) -> dict[str, Any]:
    """The body `ops.list_flow_runs` posts, less the filter fields left at their defaults."""
    from prefect_console.ops.errors import ConsoleError
    from prefect_console.ops.states import parse_states

    try:
        types, names = parse_states(list(state), list(state_type))
    except ConsoleError as exc:
        raise NotFast(exc.message) from exc  # the typer command words it
    run_state: dict[str, Any] = {}
    if types or names:
        # as ops.states.state_filter: one of the types OR one of the names
        run_state["operator"] = "or_" if types and names else "and_"
        if types:
            run_state["type"] = {"any_": types}
        if names:
            run_state["name"] = {"any_": names}
    return {
        "flows": {"name": {"any_": list(flow_name)}} if flow_name else None,
        "flow_runs": {"state": run_state} if run_state else None,
        "task_runs": None,
        "sort": "EXPECTED_START_TIME_DESC",
        "limit": limit,
    }


def flows_body(runs: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The body of `ops.flow_names`: the runs' flows, in one request."""
    ids = sorted({str(run["flow_id"]) for run in runs})
    return {"flows": {"id": {"any_": ids}}, "flow_runs": None, "task_runs": None, "limit": len(ids)}


@dataclass(frozen=True, slots=True)
class _Value:
    """A state type as the tables read it (`StateType.value`)."""

    value: str


@dataclass(frozen=True, slots=True)
class StateRow:
    name: str | None
    type: _Value


@dataclass(frozen=True, slots=True)
class FlowRunRow:
    """The attributes of a `FlowRun` that the table reads, from its JSON."""

    id: uuid.UUID
    flow_id: str
    name: str
    state_name: str | None
    state_type: _Value | None
    state: StateRow | None
    expected_start_time: datetime | None
    start_time: datetime | None
    end_time: datetime | None
    total_run_time: timedelta


@dataclass(frozen=True, slots=True)
class FlowRow:
    id: uuid.UUID
    name: str
    created: datetime | None


def run_row(run: dict[str, Any]) -> FlowRunRow:
    state = run.get("state")
    state_row = None
    if state is not None:
        kind = state["type"]
        # State fills in a missing name from its type, as the model does
        state_row = StateRow(name=state.get("name") or kind.title(), type=_Value(kind))
    return FlowRunRow(
        id=uuid.UUID(run["id"]),
        flow_id=str(uuid.UUID(run["flow_id"])),
        name=run.get("name") or "",
        state_name=run.get("state_name"),
        state_type=_Value(run["state_type"]) if run.get("state_type") else None,
        state=state_row,
        expected_start_time=_datetime(run.get("expected_start_time")),
        start_time=_datetime(run.get("start_time")),
        end_time=_datetime(run.get("end_time")),
        total_run_time=timedelta(seconds=float(run.get("total_run_time") or 0)),
    )


def flow_row(flow: dict[str, Any]) -> FlowRow:
    return FlowRow(
        id=uuid.UUID(flow["id"]), name=flow["name"], created=_datetime(flow.get("created"))
    )


def _datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None
