"""Operations that change work pools: create, update, pause, resume, delete, concurrency
limits; and what a pool is about to run (`preview`) and its default template.

Base job templates come from `prefect.workers.templates` (the defaults of each type) or
from a JSON file, checked here so that a bad file is one line of error before any request.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prefect_console.ops.errors import ConsoleError, NotFound
from prefect_console.ops.work_pools import list_work_queues, read_work_pool_named

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.objects import FlowRun
    from prefect.schemas.work_pools import WorkPool, WorkQueue

# how many upcoming runs a preview lists at most (the API's largest page)
PREVIEW_LIMIT = 1000


@dataclass
class PoolChange:
    """A pool after a change, and whether anything changed (pausing a paused pool does not)."""

    pool: WorkPool
    changed: bool = True


# -- types and templates ----------------------------------------------------------------


def parse_pool_type(value: str) -> str:
    """One of the pool types this platform has workers for (exit code 2 otherwise)."""
    from prefect.workers.templates import POOL_TYPES

    text = value.strip().lower()
    if text not in POOL_TYPES:
        raise ConsoleError(
            f"Unknown work pool type {value!r}: choose one of {', '.join(POOL_TYPES)}",
            usage=True,
        )
    return text


def default_template(pool_type: str) -> dict[str, Any]:
    """The base job template a new pool of this type gets."""
    from prefect.workers.templates import default_base_job_template

    return default_base_job_template(parse_pool_type(pool_type))


def load_base_job_template(path: str | Path) -> dict[str, Any]:
    """A base job template read from a JSON file, checked as the API checks it."""
    import json

    from prefect.schemas.work_pools import validate_base_job_template

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConsoleError(
            f"Cannot read base job template {str(path)!r}: {reason}", usage=True
        ) from None
    try:
        template = json.loads(text)
    except ValueError as exc:
        raise ConsoleError(
            f"Base job template {str(path)!r} is not valid JSON: {exc}", usage=True
        ) from None
    if not isinstance(template, dict):
        raise ConsoleError(f"Base job template {str(path)!r} must be a JSON object", usage=True)
    try:
        return validate_base_job_template(template)
    except ValueError as exc:
        raise ConsoleError(f"Invalid base job template {str(path)!r}: {exc}", usage=True) from None


def _check_name(name: str) -> str:
    from prefect.schemas.work_pools import BANNED_CHARACTERS

    if not name.strip():
        raise ConsoleError("A work pool name cannot be empty", usage=True)
    if any(c in name for c in BANNED_CHARACTERS):
        banned = " ".join(BANNED_CHARACTERS)
        raise ConsoleError(f"Work pool name {name!r} must not contain any of: {banned}", usage=True)
    if name.lower().startswith("prefect"):
        # the API refuses them too (403); said here in the console's words
        raise ConsoleError("Work pool names starting with 'prefect' are reserved", usage=True)
    return name


def _check_limit(limit: int | None) -> None:
    if limit is not None and limit < 0:
        raise ConsoleError("A concurrency limit must be 0 or more", usage=True)


# -- changes ----------------------------------------------------------------------------


async def create_work_pool(
    client: PrefectClient,
    name: str,
    *,
    pool_type: str,
    base_job_template: dict[str, Any] | None = None,
    paused: bool = False,
    overwrite: bool = False,
) -> PoolChange:
    """A new pool (`changed`), or with `overwrite` an existing pool of the same type given
    this template and paused state (`changed` False). Without a template: the type's
    default."""
    from prefect.exceptions import ObjectAlreadyExists
    from prefect.schemas.work_pools import WorkPoolCreate, WorkPoolUpdate

    _check_name(name)
    kind = parse_pool_type(pool_type)
    template = base_job_template if base_job_template else default_template(kind)
    try:
        pool = await client.create_work_pool(
            WorkPoolCreate(name=name, type=kind, base_job_template=template, is_paused=paused)
        )
        return PoolChange(pool)
    except ObjectAlreadyExists:
        if not overwrite:
            raise ConsoleError(
                f"Work pool {name!r} already exists. Use `--overwrite` to update it."
            ) from None
    existing = await read_work_pool_named(client, name)
    if existing.type != kind:
        raise ConsoleError(
            f"Work pool {name!r} is of type {existing.type!r}, not {kind!r}: "
            "a pool's type cannot change (delete it first)"
        )
    await client.update_work_pool(
        name, WorkPoolUpdate(base_job_template=template, is_paused=paused)
    )
    return PoolChange(await read_work_pool_named(client, name), changed=False)


async def update_work_pool(
    client: PrefectClient,
    name: str,
    *,
    base_job_template: dict[str, Any] | None = None,
    description: str | None = None,
    concurrency_limit: int | None = None,
) -> WorkPool:
    """Change the given settings of a pool (an empty description clears it)."""
    from prefect.schemas.work_pools import WorkPoolUpdate

    _check_limit(concurrency_limit)
    fields: dict[str, Any] = {}
    if base_job_template is not None:
        fields["base_job_template"] = base_job_template
    if description is not None:
        fields["description"] = description or None
    if concurrency_limit is not None:
        fields["concurrency_limit"] = concurrency_limit
    if not fields:
        raise ConsoleError(
            "Nothing to update: give --base-job-template, --description or --concurrency-limit",
            usage=True,
        )
    await _update(client, name, WorkPoolUpdate(**fields))
    return await read_work_pool_named(client, name)


async def _update(client: PrefectClient, name: str, update: Any) -> None:
    from prefect.exceptions import ObjectNotFound

    await read_work_pool_named(client, name)  # "not found" in the console's words
    try:
        await client.update_work_pool(name, update)
    except ObjectNotFound:  # deleted in between
        raise NotFound(f"Work pool {name!r} not found") from None


async def _set_paused(client: PrefectClient, name: str, paused: bool) -> PoolChange:
    from prefect.schemas.work_pools import WorkPoolUpdate

    pool = await read_work_pool_named(client, name)
    if pool.is_paused == paused:
        return PoolChange(pool, changed=False)
    await _update(client, name, WorkPoolUpdate(is_paused=paused))
    return PoolChange(await read_work_pool_named(client, name))


async def pause_work_pool(client: PrefectClient, name: str) -> PoolChange:
    """Stop handing the pool's runs to workers (its schedules keep making runs)."""
    return await _set_paused(client, name, True)


async def resume_work_pool(client: PrefectClient, name: str) -> PoolChange:
    return await _set_paused(client, name, False)


async def delete_work_pool(client: PrefectClient, name: str) -> None:
    """Delete the pool with its queues; its runs stay, in no queue."""
    from prefect.exceptions import ObjectNotFound

    await read_work_pool_named(client, name)
    try:
        await client.delete_work_pool(name)
    except ObjectNotFound:
        raise NotFound(f"Work pool {name!r} not found") from None


async def set_work_pool_concurrency_limit(client: PrefectClient, name: str, limit: int) -> WorkPool:
    """At most `limit` runs of the pool at once (0 stops it taking any)."""
    from prefect.schemas.work_pools import WorkPoolUpdate

    _check_limit(limit)
    await _update(client, name, WorkPoolUpdate(concurrency_limit=limit))
    return await read_work_pool_named(client, name)


async def clear_work_pool_concurrency_limit(client: PrefectClient, name: str) -> WorkPool:
    from prefect.schemas.work_pools import WorkPoolUpdate

    # an explicit null clears the limit (an unset field would leave it)
    await _update(client, name, WorkPoolUpdate(concurrency_limit=None))
    return await read_work_pool_named(client, name)


# -- preview ----------------------------------------------------------------------------


@dataclass
class PoolPreview:
    pool: WorkPool
    until: datetime
    runs: list[FlowRun] = field(default_factory=list)
    queues: dict[uuid.UUID, WorkQueue] = field(default_factory=dict)
    # deployment names by id, for the runs that have one
    deployments: dict[uuid.UUID, str] = field(default_factory=dict)

    def queue_name(self, run: FlowRun) -> str:
        queue = self.queues.get(run.work_queue_id) if run.work_queue_id else None
        return queue.name if queue is not None else run.work_queue_name or "-"


def scheduled_start(run: FlowRun) -> datetime | None:
    """When a Scheduled run is due (a retry's new time, else its expected start)."""
    return run.next_scheduled_start_time or run.expected_start_time


async def preview_work_pool(
    client: PrefectClient, name: str, *, hours: float = 1.0, now: datetime
) -> PoolPreview:
    """The pool's Scheduled runs due within `hours` of `now` (late ones included), soonest
    first. Read-only: unlike a worker's poll, it marks no queue as polled."""
    from prefect.schemas.filters import FlowRunFilter, StateFilter, StateTypeFilter, TimeFilter
    from prefect.schemas.objects import StateType
    from prefect.schemas.sorting import FlowRunSort
    from prefect.schemas.work_pools import WorkPoolFilter, WorkPoolFilterName

    if hours <= 0:
        raise ConsoleError("--hours must be more than 0", usage=True)
    pool = await read_work_pool_named(client, name)
    until = now + timedelta(hours=hours)
    runs = await client.read_flow_runs(
        work_pool_filter=WorkPoolFilter(name=WorkPoolFilterName(any_=[pool.name])),
        flow_run_filter=FlowRunFilter(
            state=StateFilter(type=StateTypeFilter(any_=[StateType.SCHEDULED])),
            next_scheduled_start_time=TimeFilter(before_=until),
        ),
        sort=FlowRunSort.NEXT_SCHEDULED_START_TIME_ASC,
        limit=PREVIEW_LIMIT,
    )
    queues = {q.id: q for q in await list_work_queues(client, pool=pool.name)}
    preview = PoolPreview(pool, until, runs, queues)
    ids = sorted({r.deployment_id for r in runs if r.deployment_id is not None}, key=str)
    if ids:
        from prefect.schemas.deployments import DeploymentFilter, DeploymentFilterId

        found = await client.read_deployments(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=ids)), limit=len(ids)
        )
        preview.deployments = {d.id: d.name for d in found}
    return preview
