"""Seeded variables, artifacts, concurrency limits and events (over `seed.seed_runs`).

Everything is written through the client against the store of the current settings;
`pin_resource_times` then gives every created/updated time a fixed value, so tables and
snapshots do not depend on when the test ran. Some values are hostile on purpose: markup
(`[bold]`) and escape sequences must reach the screen as plain text.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from datetime import timedelta

from tests.console.seed import BASE_TIME, BROKEN, INJECTION, NIGHTLY

EXTRACT_TASK = uuid.UUID(int=NIGHTLY.int + 1)  # the nightly run's extract-0 task run

REPORT_MARKDOWN = (
    "# Nightly report\n\nLoaded **1,204** rows into `warehouse.sales`.\n\n"
    "- extract: ok\n- transform: ok [bold]not markup[/bold]\n"
)
TABLE_ROWS = [
    {"table": "sales", "rows": 1204, "status": "ok"},
    {"table": "refunds", "rows": 17, "status": "ok"},
    {"table": "inventory", "rows": 0, "status": INJECTION},
]


@dataclass(frozen=True)
class SeededResources:
    report_v1: uuid.UUID
    report_v2: uuid.UUID
    row_counts: uuid.UUID
    docs_link: uuid.UUID
    progress: uuid.UUID
    chart: uuid.UUID
    keyless: uuid.UUID
    broken_report: uuid.UUID
    events: tuple[uuid.UUID, ...]


async def _seed() -> SeededResources:
    from prefect.client.orchestration import get_client
    from prefect.schemas.artifacts import ArtifactCreate
    from prefect.schemas.concurrency import ConcurrencyLimitV2Create
    from prefect.schemas.events import Event
    from prefect.schemas.variables import VariableCreate

    async with get_client() as client:
        for name, value, tags in (
            ("db_host", "warehouse.internal", ["prod"]),
            ("batch_size", 500, []),
            ("etl_config", {"retries": 3, "tables": ["sales", "refunds"]}, ["prod", "etl"]),
            ("banner", f"[bold]hi[/bold] {INJECTION}", []),
        ):
            await client.create_variable(VariableCreate(name=name, value=value, tags=tags))

        async def artifact(**fields: object) -> uuid.UUID:
            created = await client.create_artifact(ArtifactCreate.model_validate(fields))
            return created.id

        report_v1 = await artifact(
            key="nightly-report",
            type="markdown",
            data="# Nightly report\n\nLoaded 990 rows.",
            description="Yesterday's load",
            flow_run_id=BROKEN,
        )
        report_v2 = await artifact(
            key="nightly-report",
            type="markdown",
            data=REPORT_MARKDOWN,
            description="Today's load",
            flow_run_id=NIGHTLY,
        )
        row_counts = await artifact(
            key="row-counts",
            type="table",
            data=json.dumps(TABLE_ROWS),
            description="Rows per table",
            flow_run_id=NIGHTLY,
            task_run_id=EXTRACT_TASK,
        )
        docs_link = await artifact(
            key="warehouse-docs",
            type="markdown",
            data="[Warehouse docs](https://docs.example.com/warehouse)",
            flow_run_id=NIGHTLY,
        )
        progress = await artifact(
            key="load-progress", type="progress", data=62.5, flow_run_id=NIGHTLY
        )
        chart = await artifact(
            key="sales-chart",
            type="image",
            data="https://charts.example.com/sales.png",
            flow_run_id=NIGHTLY,
        )
        keyless = await artifact(type="result", data={"rows": 1204}, flow_run_id=NIGHTLY)
        broken_report = await artifact(
            key="broken-report", type="markdown", data="Failed: bad row", flow_run_id=BROKEN
        )

        await client.create_concurrency_limit(tag="database", concurrency_limit=2)
        await client.increment_v1_concurrency_slots(["database"], EXTRACT_TASK)
        await client.create_concurrency_limit(tag="s3", concurrency_limit=10)
        await client.create_global_concurrency_limit(
            ConcurrencyLimitV2Create(name="warehouse", limit=5, active_slots=3)
        )
        await client.create_global_concurrency_limit(
            ConcurrencyLimitV2Create(name="api-rate", limit=10, slot_decay_per_second=0.5)
        )
        await client.create_global_concurrency_limit(
            ConcurrencyLimitV2Create(name="nightly-batch", limit=1, active=False)
        )

        events = [
            Event(
                occurred=BASE_TIME + timedelta(seconds=i),
                event=name,
                resource={"prefect.resource.id": resource, "prefect.resource.name": "x"},
                payload={"note": f"event {i}"},
                id=uuid.UUID(int=0xE0E0 + i),
            )
            for i, (name, resource) in enumerate(
                (
                    ("prefect.flow-run.Running", f"prefect.flow-run.{NIGHTLY}"),
                    ("prefect.flow-run.Completed", f"prefect.flow-run.{NIGHTLY}"),
                    ("etl.loaded", "etl.table.sales"),
                    (f"etl.{INJECTION}", "etl.table.refunds"),
                )
            )
        ]
        await client.emit_events(events)
    return SeededResources(
        report_v1=report_v1,
        report_v2=report_v2,
        row_counts=row_counts,
        docs_link=docs_link,
        progress=progress,
        chart=chart,
        keyless=keyless,
        broken_report=broken_report,
        events=tuple(e.id for e in events),
    )


def seed_resources() -> SeededResources:
    """Seed the store of the current settings (after `seed.seed_runs`: artifacts name its
    runs, and a tag limit's slot is held by one of its task runs)."""
    return asyncio.run(_seed())


async def _pin(database_url: str) -> None:
    import sqlalchemy as sa
    from prefect_server.database.engine import Database
    from prefect_server.database.orm_concurrency import ConcurrencyLimit, ConcurrencyLimitV2
    from prefect_server.database.orm_variables import Artifact, ArtifactCollection, Variable

    db = Database(database_url)
    try:
        async with db.write() as session:
            stamp = BASE_TIME - timedelta(hours=1)
            variables = (
                (await session.execute(sa.select(Variable).order_by(Variable.name))).scalars().all()
            )
            for i, variable in enumerate(variables):  # the inspect view shows the id
                variable.id = uuid.UUID(int=0x7A00 + i)
            await session.flush()
            for model in (Variable, ConcurrencyLimit, ConcurrencyLimitV2):
                await session.execute(sa.update(model).values(created=stamp, updated=stamp))
            artifacts = (
                (await session.execute(sa.select(Artifact).order_by(Artifact.created)))
                .scalars()
                .all()
            )
            times = {}
            for i, item in enumerate(artifacts):
                item.created = item.updated = BASE_TIME + timedelta(minutes=i)
                times[item.id] = item.created
            collections = (await session.execute(sa.select(ArtifactCollection))).scalars().all()
            for collection in collections:
                collection.created = collection.updated = times.get(collection.latest_id, BASE_TIME)
    finally:
        await db.dispose()


def pin_resource_times(database_url: str) -> None:
    asyncio.run(_pin(database_url))


async def _drop_other_events(database_url: str, keep: tuple[uuid.UUID, ...]) -> None:
    import sqlalchemy as sa
    from prefect_server.database.engine import Database
    from prefect_server.database.orm_events import Event, EventResource

    db = Database(database_url)
    try:
        async with db.write() as session:
            await session.execute(
                sa.delete(EventResource).where(EventResource.event_id.not_in(keep))
            )
            await session.execute(sa.delete(Event).where(Event.id.not_in(keep)))
    finally:
        await db.dispose()


def drop_other_events(database_url: str, seeded: SeededResources) -> None:
    """Keep only the seeded events: the server's own (run state changes) carry the wall
    clock's time and random ids, which a snapshot cannot pin."""
    asyncio.run(_drop_other_events(database_url, seeded.events))
