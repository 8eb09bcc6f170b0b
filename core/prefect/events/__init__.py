"""Events a flow author emits, as in Prefect 3.

    from prefect.events import emit_event

    emit_event(
        event="etl.table.loaded",
        resource={"prefect.resource.id": "etl.table.orders"},
        payload={"rows": 1200},
    )

Inside a flow or task run the event is related to the run (flow run, flow, task run,
deployment and tags) without being told. See `prefect.events.emit` for when the event is
stored.
"""

from __future__ import annotations

from prefect.events.emit import emit_event
from prefect.schemas.events import Event, ReceivedEvent, RelatedResource, Resource

__all__ = ["Event", "ReceivedEvent", "RelatedResource", "Resource", "emit_event"]
