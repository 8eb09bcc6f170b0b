"""Operations on concurrency limits: v1 (one per task tag) and v2 (global, by name).

A v1 limit caps how many task runs carrying a tag run at once; its `active_slots` are the
ids of the task runs holding a slot. A v2 limit has `limit` slots that anything naming it
takes and releases; with `slot_decay_per_second` > 0 the slots free themselves over time
(a rate limit); an inactive one blocks nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from prefect_console.ops.errors import ConsoleError, NotFound

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.concurrency import ConcurrencyLimit, GlobalConcurrencyLimitResponse

# the API answers at most 200 limits per page
PAGE = 200


def _invalid(exc: Exception) -> ConsoleError:
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        parts = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"])
            message = str(error["msg"]).removeprefix("Value error, ")
            parts.append(f"{where}: {message}" if where else message)
        return ConsoleError("; ".join(parts), usage=True)
    return ConsoleError(str(exc), usage=True)


def _rejected(exc: Exception) -> ConsoleError:
    """A 422 from the server, worded as bad input."""
    detail = getattr(exc, "detail", None) or str(exc)
    return ConsoleError(f"Invalid arguments: {detail}", usage=True)


# -- v1: by tag ---------------------------------------------------------------------------


async def create_concurrency_limit(
    client: PrefectClient, tag: str, concurrency_limit: int
) -> ConcurrencyLimit:
    """Limit the task runs carrying `tag` (an existing limit of the tag is changed)."""
    from prefect.exceptions import PrefectHTTPStatusError
    from prefect.schemas.concurrency import ConcurrencyLimitCreate
    from pydantic import ValidationError

    try:
        ConcurrencyLimitCreate(tag=tag, concurrency_limit=concurrency_limit)
    except ValidationError as exc:
        raise _invalid(exc) from None
    try:
        await client.create_concurrency_limit(tag=tag, concurrency_limit=concurrency_limit)
    except PrefectHTTPStatusError as exc:
        if exc.status_code == 422:
            raise _rejected(exc) from None
        raise
    return await read_concurrency_limit(client, tag)


async def list_concurrency_limits(
    client: PrefectClient, *, limit: int = 15, offset: int = 0
) -> list[ConcurrencyLimit]:
    """Tag limits, most recently changed first."""
    if limit < 0 or offset < 0:
        raise ConsoleError("--limit and --offset must be 0 or more", usage=True)
    found: list[ConcurrencyLimit] = []
    while len(found) < limit:
        page = await client.read_concurrency_limits(
            limit=min(PAGE, limit - len(found)), offset=offset + len(found)
        )
        found.extend(page)
        if len(page) < PAGE:
            break
    return sorted(found, key=lambda c: _stamp(c.updated or c.created), reverse=True)


def _stamp(value: Any) -> float:
    return value.timestamp() if value is not None else 0.0


async def read_concurrency_limit(client: PrefectClient, tag: str) -> ConcurrencyLimit:
    from prefect.exceptions import ObjectNotFound

    try:
        return await client.read_concurrency_limit_by_tag(tag)
    except ObjectNotFound:
        raise NotFound(f"No concurrency limit found for the tag: {tag}") from None


async def reset_concurrency_limit(client: PrefectClient, tag: str) -> None:
    """Free every slot of the tag's limit."""
    from prefect.exceptions import ObjectNotFound

    try:
        await client.reset_concurrency_limit_by_tag(tag)
    except ObjectNotFound:
        raise NotFound(f"No concurrency limit found for the tag: {tag}") from None


async def delete_concurrency_limit(client: PrefectClient, tag: str) -> None:
    from prefect.exceptions import ObjectNotFound

    try:
        await client.delete_concurrency_limit_by_tag(tag)
    except ObjectNotFound:
        raise NotFound(f"No concurrency limit found for the tag: {tag}") from None


# -- v2: global ---------------------------------------------------------------------------


def _gcl_missing(name: str) -> NotFound:
    return NotFound(f"Global concurrency limit {name!r} not found.")


async def create_global_limit(
    client: PrefectClient,
    name: str,
    *,
    limit: int,
    slot_decay_per_second: float = 0.0,
    active: bool = True,
    active_slots: int = 0,
) -> GlobalConcurrencyLimitResponse:
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound, PrefectHTTPStatusError
    from prefect.schemas.concurrency import ConcurrencyLimitV2Create
    from pydantic import ValidationError

    try:
        body = ConcurrencyLimitV2Create(
            name=name,
            limit=limit,
            active=active,
            active_slots=active_slots,
            slot_decay_per_second=slot_decay_per_second,
        )
    except ValidationError as exc:
        raise _invalid(exc) from None
    exists = ConsoleError(
        f"Global concurrency limit {name!r} already exists. Please try creating with a "
        "different name."
    )
    try:
        await client.read_global_concurrency_limit_by_name(name)
    except ObjectNotFound:
        pass
    else:
        raise exists
    try:
        await client.create_global_concurrency_limit(body)
    except ObjectAlreadyExists:
        raise exists from None
    except PrefectHTTPStatusError as exc:
        if exc.status_code == 422:
            raise _rejected(exc) from None
        raise
    return await read_global_limit(client, name)


async def list_global_limits(
    client: PrefectClient, *, limit: int = 100, offset: int = 0
) -> list[GlobalConcurrencyLimitResponse]:
    """Global limits by name."""
    if limit < 0 or offset < 0:
        raise ConsoleError("--limit and --offset must be 0 or more", usage=True)
    found: list[GlobalConcurrencyLimitResponse] = []
    while len(found) < limit:
        page = await client.read_global_concurrency_limits(
            limit=min(PAGE, limit - len(found)), offset=offset + len(found)
        )
        found.extend(page)
        if len(page) < PAGE:
            break
    return sorted(found, key=lambda g: g.name)


async def read_global_limit(client: PrefectClient, name: str) -> GlobalConcurrencyLimitResponse:
    from prefect.exceptions import ObjectNotFound

    try:
        return await client.read_global_concurrency_limit_by_name(name)
    except ObjectNotFound:
        raise _gcl_missing(name) from None


async def update_global_limit(
    client: PrefectClient,
    name: str,
    *,
    limit: int | None = None,
    slot_decay_per_second: float | None = None,
    active: bool | None = None,
    active_slots: int | None = None,
) -> GlobalConcurrencyLimitResponse:
    """Change the fields given; the others stay as they are."""
    from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError
    from prefect.schemas.concurrency import ConcurrencyLimitV2Update
    from pydantic import ValidationError

    changes: dict[str, Any] = {
        key: value
        for key, value in (
            ("limit", limit),
            ("slot_decay_per_second", slot_decay_per_second),
            ("active", active),
            ("active_slots", active_slots),
        )
        if value is not None
    }
    if not changes:
        raise ConsoleError("No update arguments provided.", usage=True)
    try:
        body = ConcurrencyLimitV2Update(**changes)
    except ValidationError as exc:
        raise _invalid(exc) from None
    try:
        await client.update_global_concurrency_limit(name, body)
    except ObjectNotFound:
        raise _gcl_missing(name) from None
    except PrefectHTTPStatusError as exc:
        if exc.status_code == 422:
            raise _rejected(exc) from None
        raise
    return await read_global_limit(client, name)


async def set_global_limit_active(
    client: PrefectClient, name: str, active: bool
) -> GlobalConcurrencyLimitResponse:
    """Enable or disable a global limit; an error when it already is."""
    current = await read_global_limit(client, name)
    if current.active == active:
        state = "enabled" if active else "disabled"
        raise ConsoleError(f"Global concurrency limit with name {name!r} is already {state}.")
    return await update_global_limit(client, name, active=active)


async def enable_global_limit(client: PrefectClient, name: str) -> GlobalConcurrencyLimitResponse:
    return await set_global_limit_active(client, name, True)


async def disable_global_limit(client: PrefectClient, name: str) -> GlobalConcurrencyLimitResponse:
    return await set_global_limit_active(client, name, False)


async def delete_global_limit(client: PrefectClient, name: str) -> None:
    from prefect.exceptions import ObjectNotFound

    try:
        await client.delete_global_concurrency_limit_by_name(name)
    except ObjectNotFound:
        raise _gcl_missing(name) from None
