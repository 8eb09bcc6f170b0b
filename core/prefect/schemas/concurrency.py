"""Concurrency limits: v1 (one per task tag) and v2 (global, named, with leases).

- v1 `ConcurrencyLimit`: at most `concurrency_limit` task runs carrying `tag` may be
  Running; `active_slots` lists the ids of the task runs holding a slot.
- v2 `ConcurrencyLimitV2`: `limit` slots shared by anything that names the limit;
  `active_slots` is a count. With `slot_decay_per_second` > 0, occupied slots free
  themselves over time, which makes the limit a rate limit.
- A lease holds slots of one or more v2 limits until it is released or it expires; the
  server frees the slots of an expired lease, so a crashed holder does not keep them.

Request bodies of the slot routes (`/increment`, `/decrement`, ...) are here too, with the
field names and defaults of Prefect 3's API.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from prefect.schemas._base import ActionBaseModel, ObjectBaseModel, PrefectBaseModel

# Prefect 3 refuses these in object names: they break URLs that carry the name.
BANNED_NAME_CHARACTERS = ("/", "%", "&", ">", "<")

# How long a lease lives unless renewed, and the bounds Prefect 3 accepts (seconds).
DEFAULT_LEASE_SECONDS = 300.0
MIN_LEASE_SECONDS = 60.0
MAX_LEASE_SECONDS = 86400.0


# Counters are stored as 32-bit integers.
MAX_SLOTS = 2**31 - 1


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; refuse it here rather than fail in the database
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _check_name(value: str) -> str:
    banned = [c for c in BANNED_NAME_CHARACTERS if c in value]
    if banned:
        raise ValueError(f"Name {value!r} contains an invalid character: {' '.join(banned)}")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
LimitName = Annotated[
    str, Field(min_length=1), AfterValidator(_no_nul), AfterValidator(_check_name)
]
SlotCount = Annotated[int, Field(ge=0, le=MAX_SLOTS)]
SlotMode = Literal["concurrency", "rate_limit"]
LeaseDuration = Annotated[
    float, Field(ge=MIN_LEASE_SECONDS, le=MAX_LEASE_SECONDS, allow_inf_nan=False)
]


# -- v1: by tag -------------------------------------------------------------------------


class ConcurrencyLimit(ObjectBaseModel):
    tag: str
    concurrency_limit: int
    active_slots: list[uuid.UUID] = Field(default_factory=list)


class ConcurrencyLimitCreate(ActionBaseModel):
    """Body of `POST /concurrency_limits/`: creates the tag's limit, or changes it."""

    tag: Text = Field(min_length=1)
    concurrency_limit: SlotCount


class ConcurrencyLimitFilterBody(ActionBaseModel):
    """Body of `POST /concurrency_limits/filter` and `/v2/concurrency_limits/filter`."""

    limit: int = Field(default=200, ge=0, le=200)
    offset: int = Field(default=0, ge=0)


class ConcurrencyLimitResetBody(ActionBaseModel):
    """Body of `POST /concurrency_limits/tag/{tag}/reset`: the task runs holding slots now."""

    slot_override: list[uuid.UUID] | None = None


class V1SlotsIncrement(ActionBaseModel):
    """Body of `POST /concurrency_limits/increment`: take a slot of each tag for a task run."""

    names: list[Text]
    task_run_id: uuid.UUID


class V1SlotsDecrement(ActionBaseModel):
    """Body of `POST /concurrency_limits/decrement` (Prefect's client sends the occupancy)."""

    names: list[Text]
    task_run_id: uuid.UUID
    occupancy_seconds: float | None = None


# -- v2: global limits --------------------------------------------------------------------


class ConcurrencyLimitV2(ObjectBaseModel):
    active: bool = True
    name: str
    limit: int
    active_slots: int = 0
    denied_slots: int = 0
    slot_decay_per_second: float = 0.0
    avg_slot_occupancy_seconds: float = 2.0


class ConcurrencyLimitV2Create(ActionBaseModel):
    active: bool = True
    name: LimitName
    limit: SlotCount
    active_slots: SlotCount = 0
    denied_slots: SlotCount = 0
    slot_decay_per_second: float = Field(default=0.0, ge=0.0, allow_inf_nan=False)


class ConcurrencyLimitV2Update(ActionBaseModel):
    """Body of `PATCH /v2/concurrency_limits/{id_or_name}`; a field left out stays as is."""

    active: bool | None = None
    name: LimitName | None = None
    limit: SlotCount | None = None
    active_slots: SlotCount | None = None
    denied_slots: SlotCount | None = None
    slot_decay_per_second: float | None = Field(default=None, ge=0.0, allow_inf_nan=False)


# the names Prefect 3's client gives the same bodies
GlobalConcurrencyLimitCreate = ConcurrencyLimitV2Create
GlobalConcurrencyLimitUpdate = ConcurrencyLimitV2Update


class GlobalConcurrencyLimitResponse(ObjectBaseModel):
    """A v2 limit as `GET /v2/concurrency_limits/{id_or_name}` and `/filter` return it."""

    active: bool = True
    name: str
    limit: int
    active_slots: int
    slot_decay_per_second: float = 2.0


class MinimalConcurrencyLimitResponse(PrefectBaseModel):
    id: uuid.UUID
    name: str
    limit: int


class ConcurrencyLeaseHolder(ActionBaseModel):
    """Who holds a lease: a flow run, a task run or a deployment."""

    type: Literal["flow_run", "task_run", "deployment"]
    id: uuid.UUID


class ConcurrencyLimitWithLeaseResponse(PrefectBaseModel):
    lease_id: uuid.UUID
    limits: list[MinimalConcurrencyLimitResponse]


class SlotsIncrement(ActionBaseModel):
    """Body of `POST /v2/concurrency_limits/increment`.

    All or nothing: either every active limit named gets `slots` more, or none does and
    the answer is 423 with a Retry-After. Inactive and unknown names do not block.
    `create_if_missing` (deprecated in Prefect 3) creates unknown names as inactive
    limits of 1 slot, so that they can be found and switched on later.
    """

    names: list[Text] = Field(min_length=1)
    slots: int = Field(gt=0, le=MAX_SLOTS)
    mode: SlotMode = "concurrency"
    create_if_missing: bool | None = None


class SlotsIncrementWithLease(ActionBaseModel):
    """Body of `POST /v2/concurrency_limits/increment-with-lease`."""

    names: list[Text] = Field(min_length=1)
    slots: int = Field(gt=0, le=MAX_SLOTS)
    mode: SlotMode = "concurrency"
    lease_duration: LeaseDuration = DEFAULT_LEASE_SECONDS
    holder: ConcurrencyLeaseHolder | None = None


class SlotsDecrement(ActionBaseModel):
    """Body of `POST /v2/concurrency_limits/decrement`.

    `occupancy_seconds`, how long the slots were held, feeds the limit's average
    occupancy, from which the server estimates Retry-After.
    """

    names: list[Text] = Field(min_length=1)
    slots: int = Field(gt=0, le=MAX_SLOTS)
    occupancy_seconds: float | None = Field(default=None, gt=0.0, allow_inf_nan=False)
    create_if_missing: bool | None = None


class LeaseRelease(ActionBaseModel):
    """Body of `POST /v2/concurrency_limits/decrement-with-lease`."""

    lease_id: uuid.UUID


class LeaseRenew(ActionBaseModel):
    """Body of `POST /v2/concurrency_limits/leases/{lease_id}/renew`."""

    lease_duration: LeaseDuration = DEFAULT_LEASE_SECONDS


__all__ = [
    "BANNED_NAME_CHARACTERS",
    "DEFAULT_LEASE_SECONDS",
    "MAX_LEASE_SECONDS",
    "MAX_SLOTS",
    "MIN_LEASE_SECONDS",
    "ConcurrencyLeaseHolder",
    "ConcurrencyLimit",
    "ConcurrencyLimitCreate",
    "ConcurrencyLimitFilterBody",
    "ConcurrencyLimitResetBody",
    "ConcurrencyLimitV2",
    "ConcurrencyLimitV2Create",
    "ConcurrencyLimitV2Update",
    "ConcurrencyLimitWithLeaseResponse",
    "GlobalConcurrencyLimitCreate",
    "GlobalConcurrencyLimitResponse",
    "GlobalConcurrencyLimitUpdate",
    "LeaseRelease",
    "LeaseRenew",
    "LimitName",
    "MinimalConcurrencyLimitResponse",
    "SlotMode",
    "SlotsDecrement",
    "SlotsIncrement",
    "SlotsIncrementWithLease",
    "V1SlotsDecrement",
    "V1SlotsIncrement",
]
