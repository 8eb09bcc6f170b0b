"""`emit_event`: send one event to the API the current settings point at.

Prefect 3 hands events to a background worker and returns at once, so an event emitted
just before the process exits can be lost. Here the call waits until the API (a server, or
the embedded store when no PREFECT_API_URL is set) has stored the event: one request per
event, in exchange for every event being readable as soon as `emit_event` returns.

When the event cannot be sent (the server is down, the store refuses it) a warning is
logged and None is returned; the caller's run goes on. An event that is not valid (no
`prefect.resource.id`, a related resource without a role) raises `pydantic.ValidationError`
before anything is sent, as in Prefect.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prefect.schemas.events import Event, RelatedResource

__all__ = ["emit_event", "related_resources_from_run_context"]

logger = logging.getLogger("prefect.events")

# Prefect's limit on related resources per event; the run's own come first
_MAX_RELATED = 100


def emit_event(
    event: str,
    resource: dict[str, str],
    occurred: datetime | None = None,
    related: list[dict[str, str]] | list[RelatedResource] | None = None,
    payload: dict[str, Any] | None = None,
    id: uuid.UUID | None = None,
    follows: Event | None = None,
    **kwargs: Any,
) -> Event | None:
    """Emit `event` about `resource`; returns the stored Event, or None if it was not sent.

    Inside a flow or task run the run's resources are added to `related` (those already
    given are kept, not repeated). Extra keyword arguments are event fields (as Prefect
    passes them through to the Event model).
    """
    from prefect.schemas.events import Event, RelatedResource

    given = [
        r if isinstance(r, RelatedResource) else RelatedResource.model_validate(r)
        for r in related or []
    ]
    fields: dict[str, Any] = {
        "event": event,
        "resource": resource,
        "related": _with_run_context(given, resource.get("prefect.resource.id")),
        "payload": payload or {},
        **kwargs,
    }
    if occurred is not None:
        fields["occurred"] = occurred
    if id is not None:
        fields["id"] = id
    if follows is not None:
        fields["follows"] = follows.id
    built = Event.model_validate(fields)
    return built if _send(built) else None


def related_resources_from_run_context() -> list[RelatedResource]:
    """The resources of the run in progress in this context (none outside a run)."""
    from prefect.context import get_flow_run_context, get_task_run_context
    from prefect.schemas.events import RelatedResource

    flow_ctx = get_flow_run_context()
    task_ctx = get_task_run_context()
    labels: list[dict[str, str]] = []
    tags: set[str] = set()
    if flow_ctx is not None:
        run = flow_ctx.flow_run
        labels.append(
            {
                "prefect.resource.id": f"prefect.flow-run.{run.id}",
                "prefect.resource.role": "flow-run",
                "prefect.resource.name": run.name,
            }
        )
        labels.append(
            {
                "prefect.resource.id": f"prefect.flow.{run.flow_id}",
                "prefect.resource.role": "flow",
                "prefect.resource.name": flow_ctx.flow.name,
            }
        )
        if run.deployment_id is not None:
            labels.append(
                {
                    "prefect.resource.id": f"prefect.deployment.{run.deployment_id}",
                    "prefect.resource.role": "deployment",
                }
            )
        tags.update(run.tags or ())
    if task_ctx is not None:
        task_run = task_ctx.task_run
        labels.append(
            {
                "prefect.resource.id": f"prefect.task-run.{task_run.id}",
                "prefect.resource.role": "task-run",
                "prefect.resource.name": task_run.name,
            }
        )
        tags.update(task_run.tags or ())
    labels += [
        {"prefect.resource.id": f"prefect.tag.{tag}", "prefect.resource.role": "tag"}
        for tag in sorted(tags)
    ]
    return [RelatedResource.model_validate(label) for label in labels]


def _with_run_context(given: list[RelatedResource], own_id: str | None) -> list[RelatedResource]:
    from_run = related_resources_from_run_context()
    if not from_run:
        return given
    seen = {r.id for r in given}
    seen.add(own_id or "")
    added = [r for r in from_run if r.id not in seen]
    # the caller's own related resources win the limited room
    return (given + added)[:_MAX_RELATED]


def _send(event: Event) -> bool:
    from prefect.client._loop import get_api_loop, in_api_loop
    from prefect.engine import api
    from prefect.engine.user_api import call_sync

    if in_api_loop():
        # user code does not run on the API loop; a hook that does cannot wait on it
        async def send() -> None:
            await api.engine_client().emit_events([event])

        get_api_loop().create_task(send())
        return True
    try:
        call_sync(lambda client: client.emit_events([event]))
    except Exception as exc:
        logger.warning("Could not emit event %r (%s): %r", event.event, event.id, exc)
        return False
    return True
