"""`prefect.flow-run.Scheduled` events for runs the scheduler inserts in bulk.

A run created through the API gets its state-change event from `emit.state_changed`; the
scheduler writes hundreds of runs with plain INSERTs, so their events are built here as
plain rows, the same event a run created in Scheduled through the API gets, with one
lookup of the runs' surroundings and one INSERT per batch.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from prefect._time import now
from sqlalchemy.ext.asyncio import AsyncSession

# the state-change event's parts, shared so both paths write the same event
from prefect_server.events.emit import (
    StateView,
    _intended,
    _state_resource,
    _state_summary,
    flow_run_contexts,
)
from prefect_server.events.persist import event_row, write_rows


async def runs_scheduled(
    session: AsyncSession, runs: Sequence[dict[str, Any]], states: Sequence[dict[str, Any]]
) -> int:
    """Write the events of newly inserted runs (`flow_run` rows) and their first states
    (`flow_run_state` rows, which carry the run's id); how many were written."""
    if not states:
        return 0
    by_id = {run["id"]: run for run in runs}
    run_ids: list[uuid.UUID] = [state["flow_run_id"] for state in states]
    contexts = await flow_run_contexts(session, run_ids)
    stamp = now()
    rows: list[dict[str, Any]] = []
    for state in states:
        run = by_id[state["flow_run_id"]]
        view: StateView = {key: state[key] for key in ("id", "type", "name", "timestamp")}
        view["message"] = state.get("message")
        view["state_details"] = state.get("state_details") or {}
        context = contexts.get(run["id"])
        resource = _state_resource("flow-run", run["id"], run["name"], view)
        resource["prefect.run-count"] = str(run.get("run_count") or 0)
        rows.append(
            event_row(
                id=view["id"],
                occurred=view["timestamp"],
                event=f"prefect.flow-run.{view['name']}",
                resource=resource,
                related=context.flow_run_related(None) if context is not None else [],
                payload={
                    "intended": _intended(None, view),
                    "initial_state": None,
                    "validated_state": _state_summary(view),
                },
                received=stamp,
                follows=None,
                recorded=stamp,
            )
        )
    written = await write_rows(session, rows, known_new=True)
    return len(written)


__all__ = ["runs_scheduled"]
