"""State-change events: `prefect.flow-run.<State>` and `prefect.task-run.<State>`.

Written in the transaction that writes the state, and published when it commits. As in
Prefect 3, the event's id is the new state's id, it occurred at the state's timestamp, it
`follows` the previous state's event when the two are less than five minutes apart, and
it names the run's flow, deployment, work queue, work pool, parent task run and tags as
related resources.

Task runs reported in bulk (`POST /task_runs/report`) get their events built as plain
rows, with one lookup of their flow runs per batch and one INSERT per table, so a batch
of a thousand runs costs a fixed number of statements.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from prefect._time import now
from prefect.schemas.objects import State, StateType
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database import orm
from prefect_server.events.persist import event_row, write_rows

# prefect.schemas.events.MAXIMUM_RELATED_RESOURCES, not imported: this module is on the
# path of every state change and stays free of the event models (see `persist`)
MAXIMUM_RELATED_RESOURCES = 100
# Prefect truncates state messages in events at this length
TRUNCATE_STATE_MESSAGES_AT = 100_000
_TIGHT_TIMING = timedelta(minutes=5)
# task-run snapshot fields the event payload leaves out (as Prefect's client does)
TASK_RUN_EXCLUDED = frozenset(
    {
        "id",
        "created",
        "updated",
        "flow_run_id",
        "state_id",
        "state_type",
        "state_name",
        "state",
        "estimated_start_time_delta",
        "estimated_run_time",
    }
)

Labels = dict[str, str]
# a state as plain data: the keys of `state_row_values` (type as its string value,
# state_details as JSON), which the bulk path already has for every new state
StateView = dict[str, Any]


def view_of(state: State) -> StateView:
    return {
        "id": state.id,
        "type": state.type.value,
        "name": state.name,
        "timestamp": state.timestamp,
        "message": state.message,
        "state_details": state.state_details.model_dump(mode="json"),
    }


def _truncated(message: str | None) -> str:
    return (message or "")[:TRUNCATE_STATE_MESSAGES_AT]


def _follows(occurred: datetime, initial: StateView | None) -> uuid.UUID | None:
    # only link events close in time: those are the ones that may arrive out of order
    if initial is not None and abs(occurred - initial["timestamp"]) < _TIGHT_TIMING:
        initial_id: uuid.UUID = initial["id"]
        return initial_id
    return None


def _state_resource(kind: str, run_id: uuid.UUID, name: str, state: StateView) -> Labels:
    return {
        "prefect.resource.id": f"prefect.{kind}.{run_id}",
        "prefect.resource.name": name,
        "prefect.state-message": _truncated(state["message"]),
        "prefect.state-name": state["name"] or "",
        "prefect.state-timestamp": state["timestamp"].isoformat(),
        "prefect.state-type": state["type"],
    }


def _state_summary(state: StateView | None) -> dict[str, str] | None:
    """The flow-run payload's view of a state: type, name, message, pause_reschedule."""
    if state is None:
        return None
    summary = {"type": state["type"]}
    if state["name"]:
        summary["name"] = state["name"]
    if state["message"]:
        summary["message"] = _truncated(state["message"])
    if state["type"] == StateType.PAUSED.value:
        reschedule = bool(state["state_details"].get("pause_reschedule"))
        summary["pause_reschedule"] = str(reschedule).lower()
    return summary


_NOT_IN_DETAILS = ("flow_run_id", "task_run_id")


def task_state_payload(state: StateView) -> dict[str, Any]:
    """The task-run payload's view of a state (as Prefect's client sends it)."""
    details = state["state_details"] or {}
    return {
        "type": state["type"],
        "name": state["name"],
        "message": _truncated(state["message"]),
        "state_details": {
            k: v for k, v in details.items() if v is not None and k not in _NOT_IN_DETAILS
        },
    }


def _intended(initial: StateView | None, validated: StateView) -> dict[str, str | None]:
    return {"from": initial["type"] if initial else None, "to": validated["type"]}


# -- related resources ------------------------------------------------------------------


def _table(name: str) -> sa.Table | None:
    # the deployment and work-pool tables belong to other modules, which may not exist
    # in every build of the schema; their columns are read by name
    return orm.Base.metadata.tables.get(name)


def _related(kind: str, id_: Any, name: str | None, role: str, **extra: str) -> Labels:
    labels = {
        "prefect.resource.id": f"prefect.{kind}.{id_}",
        "prefect.resource.role": role,
        "prefect.resource.name": name or "",
    }
    labels.update(extra)
    return labels


def with_tags(related: list[Labels], tags: Iterable[str]) -> list[Labels]:
    # one slot is kept free, as Prefect keeps one for the run's creator
    room = max(0, MAXIMUM_RELATED_RESOURCES - len(related) - 1)
    chosen = sorted({str(tag) for tag in tags})[:room]
    return related + [
        {"prefect.resource.id": f"prefect.tag.{tag}", "prefect.resource.role": "tag"}
        for tag in chosen
    ]


class FlowRunContext:
    """What the events of a flow run (and of its task runs) say about its surroundings."""

    def __init__(self, row: Mapping[str, Any]) -> None:
        self.id: uuid.UUID = row["id"]
        self.name: str = row["name"]
        self.tags: list[str] = list(row["tags"] or [])
        self.created_by: dict[str, Any] | None = row["created_by"]
        self.resources: list[Labels] = []
        tags = list(row["flow_tags"] or []) + list(row.get("deployment_tags") or [])
        self.other_tags: list[str] = tags
        self.resources.append(_related("flow", row["flow_id"], row["flow_name"], "flow"))
        if row["deployment_id"] is not None:
            self.resources.append(
                _related(
                    "deployment", row["deployment_id"], row.get("deployment_name"), "deployment"
                )
            )
        if row["work_queue_id"] is not None:
            name = row.get("queue_name") or row["work_queue_name"]
            self.resources.append(_related("work-queue", row["work_queue_id"], name, "work-queue"))
        if row["work_pool_id"] is not None:
            extra = {"prefect.work-pool.type": row["pool_type"]} if row.get("pool_type") else {}
            self.resources.append(
                _related(
                    "work-pool", row["work_pool_id"], row["work_pool_name"], "work-pool", **extra
                )
            )

    def flow_run_related(self, parent_task_run: Mapping[str, Any] | None) -> list[Labels]:
        related = list(self.resources)
        tags = self.tags + self.other_tags
        if parent_task_run is not None:
            related.append(
                _related("task-run", parent_task_run["id"], parent_task_run["name"], "task-run")
            )
            tags += list(parent_task_run["tags"] or [])
        related = with_tags(related, tags)
        return related + _creator(self.created_by)

    def task_run_related(self, task_run_tags: Iterable[str]) -> list[Labels]:
        related = [_related("flow-run", self.id, self.name, "flow-run"), *self.resources]
        return with_tags(related, [*task_run_tags, *self.tags, *self.other_tags])


def _creator(created_by: dict[str, Any] | None) -> list[Labels]:
    if not created_by or created_by.get("type") not in ("DEPLOYMENT", "AUTOMATION"):
        return []
    kind = str(created_by["type"]).lower()
    labels = {
        "prefect.resource.id": f"prefect.{kind}.{created_by.get('id')}",
        "prefect.resource.role": "creator",
    }
    if created_by.get("display_value"):
        labels["prefect.resource.name"] = str(created_by["display_value"])
    return [labels]


async def flow_run_contexts(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, FlowRunContext]:
    """The surroundings of these flow runs, in one query."""
    if not ids:
        return {}
    run, flow = orm.FlowRun, orm.Flow
    columns: list[Any] = [
        run.id,
        run.name,
        run.tags,
        run.created_by,
        run.flow_id,
        run.deployment_id,
        run.work_queue_id,
        run.work_queue_name,
        run.work_pool_id,
        run.work_pool_name,
        flow.name.label("flow_name"),
        flow.tags.label("flow_tags"),
    ]
    joined: Any = sa.join(run, flow, flow.id == run.flow_id)
    deployment, queue, pool = _table("deployment"), _table("work_queue"), _table("work_pool")
    if deployment is not None:
        joined = joined.outerjoin(deployment, deployment.c.id == run.deployment_id)
        columns.append(deployment.c.name.label("deployment_name"))
        if "tags" in deployment.c:
            columns.append(deployment.c.tags.label("deployment_tags"))
    if queue is not None:
        joined = joined.outerjoin(queue, queue.c.id == run.work_queue_id)
        columns.append(queue.c.name.label("queue_name"))
    if pool is not None:
        joined = joined.outerjoin(pool, pool.c.id == run.work_pool_id)
        columns.append(pool.c.type.label("pool_type"))
    stmt = sa.select(*columns).select_from(joined).where(run.id.in_(list(ids)))
    rows = (await session.execute(stmt)).mappings().all()
    return {row["id"]: FlowRunContext(dict(row)) for row in rows}


# -- one state change (set_state, run creation) -----------------------------------------


async def state_changed(
    session: AsyncSession,
    run: orm.FlowRun | orm.TaskRun,
    initial: State | None,
    validated: State,
) -> None:
    """Record the event of a state just written for `run` (in the caller's transaction)."""
    before = view_of(initial) if initial is not None else None
    after = view_of(validated)
    if isinstance(run, orm.FlowRun):
        row = await _flow_run_event(session, run, before, after)
    else:
        row = await _task_run_event(session, run, before, after)
    await write_rows(session, [row], known_new=True)


async def flow_run_context(session: AsyncSession, run: orm.FlowRun) -> FlowRunContext | None:
    """The surroundings of one flow run of this session, as `flow_run_contexts` finds them,
    from the run's attributes: its flow usually comes from the session's identity map (the
    route that created or loaded the run loaded it too), and the deployment, work queue
    and work pool are looked up only when the run names them."""
    flow = await session.get(orm.Flow, run.flow_id)
    if flow is None:
        return None
    extra: dict[str, Any] = {}
    if (
        run.deployment_id is not None
        or run.work_queue_id is not None
        or run.work_pool_id is not None
    ):
        extra = await _surroundings(session, run)
    return context_of(run, flow.name, flow.tags, extra)


def context_of(
    run: orm.FlowRun, flow_name: str, flow_tags: list[str] | None, extra: Mapping[str, Any]
) -> FlowRunContext:
    """The context of `run` given its flow's name and tags and, for a run of a deployment
    or work pool, the `_surroundings` found for it."""
    row: dict[str, Any] = {
        "id": run.id,
        "name": run.name,
        "tags": run.tags,
        "created_by": run.created_by,
        "flow_id": run.flow_id,
        "deployment_id": run.deployment_id,
        "work_queue_id": run.work_queue_id,
        "work_queue_name": run.work_queue_name,
        "work_pool_id": run.work_pool_id,
        "work_pool_name": run.work_pool_name,
        "flow_name": flow_name,
        "flow_tags": flow_tags,
        **extra,
    }
    return FlowRunContext(row)


async def _surroundings(session: AsyncSession, run: orm.FlowRun) -> dict[str, Any]:
    """The deployment's name and tags, the queue's name and the pool's type of `run`."""
    columns: list[Any] = []
    deployment, queue, pool = _table("deployment"), _table("work_queue"), _table("work_pool")
    if deployment is not None and run.deployment_id is not None:
        columns.append(_scalar(deployment, "name", run.deployment_id, "deployment_name"))
        if "tags" in deployment.c:
            columns.append(_scalar(deployment, "tags", run.deployment_id, "deployment_tags"))
    if queue is not None and run.work_queue_id is not None:
        columns.append(_scalar(queue, "name", run.work_queue_id, "queue_name"))
    if pool is not None and run.work_pool_id is not None:
        columns.append(_scalar(pool, "type", run.work_pool_id, "pool_type"))
    if not columns:
        return {}
    found = (await session.execute(sa.select(*columns))).mappings().first()
    return dict(found) if found is not None else {}


def _scalar(table: sa.Table, column: str, id_: uuid.UUID, label: str) -> Any:
    return sa.select(table.c[column]).where(table.c.id == id_).scalar_subquery().label(label)


async def _flow_run_event(
    session: AsyncSession, run: orm.FlowRun, initial: StateView | None, validated: StateView
) -> dict[str, Any]:
    context = await flow_run_context(session, run)
    parent = None
    if run.parent_task_run_id is not None:
        found = await session.execute(
            sa.select(orm.TaskRun.id, orm.TaskRun.name, orm.TaskRun.tags).where(
                orm.TaskRun.id == run.parent_task_run_id
            )
        )
        first = found.mappings().first()
        parent = dict(first) if first is not None else None
    return flow_run_event_row(run, context, parent, initial, validated)


def flow_run_event_row(
    run: orm.FlowRun,
    context: FlowRunContext | None,
    parent: Mapping[str, Any] | None,
    initial: StateView | None,
    validated: StateView,
) -> dict[str, Any]:
    """The event of a flow run's state change, given the run's context and the id, name
    and tags of its parent task run (None for a run that is no subflow)."""
    related = context.flow_run_related(parent) if context is not None else []
    resource = _state_resource("flow-run", run.id, run.name, validated)
    resource["prefect.run-count"] = str(run.run_count)
    stamp = now()
    return event_row(
        id=validated["id"],
        occurred=validated["timestamp"],
        event=f"prefect.flow-run.{validated['name']}",
        resource=resource,
        related=related,
        payload={
            "intended": _intended(initial, validated),
            "initial_state": _state_summary(initial),
            "validated_state": _state_summary(validated),
        },
        received=stamp,
        follows=_follows(validated["timestamp"], initial),
        recorded=stamp,
    )


def _task_run_snapshot(run: orm.TaskRun) -> dict[str, Any]:
    from prefect.schemas.objects import TaskRun

    snapshot = TaskRun.model_validate(run, from_attributes=True)
    return snapshot.model_dump(mode="json", exclude_none=True, exclude=set(TASK_RUN_EXCLUDED))


async def _task_run_event(
    session: AsyncSession, run: orm.TaskRun, initial: StateView | None, validated: StateView
) -> dict[str, Any]:
    context = None
    if run.flow_run_id is not None:
        context = (await flow_run_contexts(session, [run.flow_run_id])).get(run.flow_run_id)
    tags = list(run.tags or [])
    related = context.task_run_related(tags) if context else with_tags([], tags)
    before = task_state_payload(initial) if initial is not None else None
    return task_run_event_row(
        run.id,
        run.name,
        (initial, before),
        (validated, task_state_payload(validated)),
        related,
        _task_run_snapshot(run),
        orchestration=None,
        received=now(),
    )


def task_run_event_row(
    run_id: uuid.UUID,
    run_name: str,
    initial: tuple[StateView | None, dict[str, Any] | None],
    validated: tuple[StateView, dict[str, Any]],
    related: list[Labels],
    snapshot: dict[str, Any],
    *,
    orchestration: str | None,
    received: datetime,
) -> dict[str, Any]:
    """One task-run event; each state comes with its `task_state_payload` (made once per
    state by the bulk path, where it serves two events)."""
    before, before_payload = initial
    after, after_payload = validated
    resource = _state_resource("task-run", run_id, run_name, after)
    if orchestration:
        resource["prefect.orchestration"] = orchestration
    return event_row(
        id=after["id"],
        occurred=after["timestamp"],
        event=f"prefect.task-run.{after['name']}",
        resource=resource,
        related=related,
        payload={
            "intended": _intended(before, after),
            "initial_state": before_payload,
            "validated_state": {**after_payload, "data": None},
            "task_run": snapshot,
        },
        received=received,
        follows=_follows(after["timestamp"], before),
        recorded=received,
    )
