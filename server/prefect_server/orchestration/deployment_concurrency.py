"""Deployment concurrency for flow runs, as Prefect 3 documents it.

A deployment with a `concurrency_limit` owns a v2 global concurrency limit named
`deployment:{id}` (kept in step by `models.deployments`). A run of it needs a slot to
become PENDING: a worker takes the slot before it starts any infrastructure. When none is
free, the deployment's `concurrency_options.collision_strategy` decides:

- ENQUEUE (the default): the proposal is rejected and the run goes back to SCHEDULED,
  named "AwaitingConcurrencySlot", due `SLOT_WAIT_SECONDS` later, so a worker tries it
  again then;
- CANCEL_NEW: the proposal is rejected and the run is CANCELLED.

A slot is taken with a lease (`concurrency_lease`) whose id the run's states carry in
`state_details.deployment_concurrency_lease_id` while it is Pending, Running or
Cancelling. The first written state outside those three (a final state, Scheduled again,
Paused ...) releases the lease, forced or not; a lease already released (by that earlier
transition, or by the repossessor once expired) is simply gone, so a slot is never given
back twice. A Pending lease lasts the deployment's grace period (infrastructure that never
starts gives its slot back); Running pushes it far out, because nothing renews it while
the flow runs: a run that dies while Running is settled by the zombies service, whose
Crashed state frees the slot.

As with the task tag rules, the database work sits in two async halves around the
synchronous rule chain: `prepare()` locks the limit and returns a `Rule` to append to the
chain (last, so a slot is only promised to a proposal every other rule let through), and
`after()` takes or gives back the slot once the outcome is written.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from prefect.schemas.concurrency import ConcurrencyLeaseHolder
from prefect.schemas.objects import State, StateDetails, StateType
from prefect.schemas.responses import SetStateStatus
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database import orm
from prefect_server.database.orm_concurrency import ConcurrencyLease
from prefect_server.database.orm_concurrency import ConcurrencyLimitV2 as LimitRow
from prefect_server.database.orm_deployments import Deployment
from prefect_server.models import concurrency_leases as leases
from prefect_server.models import concurrency_limits_v2 as limits
from prefect_server.orchestration.rules import Decision, Proposal, Rule

# How far ahead an enqueued run is rescheduled to try for a slot again: the default of
# Prefect 3's deployment concurrency slot wait setting (30 s).
SLOT_WAIT_SECONDS = 30
# How long a Pending run keeps its slot when the deployment names no grace period
# (Prefect 3's initial deployment lease duration, 300 s).
DEFAULT_GRACE_PERIOD_SECONDS = 300
# A Running run holds its slot until it leaves Running; the lease only needs an end far
# enough out that a long flow never loses it (nothing renews it meanwhile).
RUNNING_LEASE = timedelta(days=3650)
AWAITING_SLOT = "AwaitingConcurrencySlot"

# states in which a flow run keeps its deployment slot
HOLDING = frozenset({StateType.PENDING, StateType.RUNNING, StateType.CANCELLING})


def lease_of(state: State | None) -> uuid.UUID | None:
    return state.state_details.deployment_concurrency_lease_id if state is not None else None


def _holds(state: State | None) -> bool:
    return state is not None and state.type in HOLDING


def _set_lease(p: Proposal, lease_id: uuid.UUID | None) -> None:
    details = p.proposed.state_details.model_copy(
        update={"deployment_concurrency_lease_id": lease_id}
    )
    p.proposed = p.proposed.model_copy(update={"state_details": details})


@dataclass
class DeploymentSlot:
    """What `prepare` found for one proposal: the rule to add, and the slot's terms."""

    rule: Rule | None = None
    limit: LimitRow | None = None
    lease_seconds: float = DEFAULT_GRACE_PERIOD_SECONDS


def _strategy(deployment: Deployment) -> str:
    options: dict[str, Any] = deployment.concurrency_options or {}
    return str(options.get("collision_strategy") or "ENQUEUE")


def _grace_period(deployment: Deployment) -> float:
    options: dict[str, Any] = deployment.concurrency_options or {}
    grace = options.get("grace_period_seconds")
    return float(grace) if grace else float(DEFAULT_GRACE_PERIOD_SECONDS)


def _enqueued(p: Proposal) -> State:
    return State(
        type=StateType.SCHEDULED,
        name=AWAITING_SLOT,
        message="Waiting for a free slot of the deployment's concurrency limit.",
        state_details=StateDetails(scheduled_time=p.now + timedelta(seconds=SLOT_WAIT_SECONDS)),
    )


def _cancelled() -> State:
    return State(
        type=StateType.CANCELLED,
        name="Cancelled",
        message="Cancelled: the deployment's concurrency limit was reached (CANCEL_NEW).",
    )


def _secure_rule(deployment: Deployment, row: LimitRow, at: datetime) -> Rule:
    in_use = limits.slots_at(row, at).active
    free = in_use < row.limit
    strategy = _strategy(deployment)
    lease_id = uuid.uuid4()

    def secure_deployment_concurrency_slot(p: Proposal) -> Decision | None:
        if p.proposed.type != StateType.PENDING or _holds(p.initial):
            return None
        if free:
            # `after` takes the slot under this id once the Pending state is written
            _set_lease(p, lease_id)
            return None
        reason = (
            f"Deployment concurrency limit reached: {in_use} of {row.limit} slot(s) of "
            f"'{row.name}' in use"
        )
        if strategy == "CANCEL_NEW":
            return Decision(
                SetStateStatus.REJECT,
                reason=f"{reason}; the collision strategy CANCEL_NEW cancels this run.",
                state=_cancelled(),
            )
        return Decision(
            SetStateStatus.REJECT,
            reason=f"{reason}; the run is rescheduled ({AWAITING_SLOT}) to try again in "
            f"{SLOT_WAIT_SECONDS} s.",
            state=_enqueued(p),
        )

    return secure_deployment_concurrency_slot


async def prepare(
    session: AsyncSession, run: orm.FlowRun, proposal: Proposal, *, force: bool
) -> DeploymentSlot:
    """Carry the run's lease id onto the proposal and, when the proposal may take a slot,
    lock the deployment's limit and return the rule that judges it.

    The lease id in a proposed state is the server's to set: it is the one the run holds
    while it stays in a holding state, and nothing otherwise, whatever the client sent.
    """
    carried = lease_of(proposal.initial) if _holds(proposal.initial) else None
    if proposal.proposed.type in HOLDING and carried is not None:
        _set_lease(proposal, carried)
    elif lease_of(proposal.proposed) is not None:
        _set_lease(proposal, None)
    slot = DeploymentSlot()
    if (
        force
        or run.deployment_id is None
        or proposal.proposed.type != StateType.PENDING
        or _holds(proposal.initial)
    ):
        return slot
    deployment = await session.get(Deployment, run.deployment_id)
    if deployment is None or deployment.global_concurrency_limit_id is None:
        return slot
    # locked until the transaction ends, so a slot seen free here is still free in `after`
    row = await limits.read_limit(session, str(deployment.global_concurrency_limit_id), lock=True)
    if row is None or not row.active:
        return slot
    slot.limit = row
    slot.lease_seconds = _grace_period(deployment)
    slot.rule = _secure_rule(deployment, row, proposal.now)
    return slot


async def _take(
    session: AsyncSession, run: orm.FlowRun, slot: DeploymentSlot, lease_id: uuid.UUID, at: datetime
) -> None:
    assert slot.limit is not None
    taken = await limits.acquire_slots(session, [slot.limit.name], 1, "concurrency", at)
    if not taken.acquired:
        # cannot happen while the limit stays locked; without slots there is no lease, and
        # the later release finds nothing to give back
        return
    holder = ConcurrencyLeaseHolder(type="flow_run", id=run.id)
    session.add(
        ConcurrencyLease(
            id=lease_id,
            created=at,
            updated=at,
            expiration=at + timedelta(seconds=slot.lease_seconds),
            resource_ids=[str(slot.limit.id)],
            slots=1,
            holder=holder.model_dump(mode="json"),
        )
    )
    await session.flush()


async def _held_lease(
    session: AsyncSession, run: orm.FlowRun, lease_id: uuid.UUID
) -> ConcurrencyLease | None:
    """The lease, locked, if it exists and this run holds it (a state's details are not
    proof enough to give back someone else's slot)."""
    lease = await leases.read_lease(session, lease_id, lock=True)
    if lease is None or not isinstance(lease.holder, dict):
        return None
    return lease if lease.holder.get("id") == str(run.id) else None


async def after(
    session: AsyncSession,
    run: orm.FlowRun,
    initial: State | None,
    written: State | None,
    slot: DeploymentSlot,
    at: datetime,
) -> None:
    """Take, keep or give back the run's slot for the state just written (None: nothing
    was written, so nothing changes)."""
    if written is None:
        return
    held = lease_of(initial) if _holds(initial) else None
    if held is not None and written.type not in HOLDING:
        lease = await _held_lease(session, run, held)
        if lease is not None:
            await leases.release_lease(session, lease.id, at)
        return
    new_lease = lease_of(written)
    if slot.limit is not None and new_lease is not None and new_lease != held:
        await _take(session, run, slot, new_lease, at)
        return
    if held is not None and written.type == StateType.RUNNING:
        lease = await _held_lease(session, run, held)
        if lease is not None:
            lease.expiration = at + RUNNING_LEASE
            await session.flush()


__all__ = [
    "AWAITING_SLOT",
    "DEFAULT_GRACE_PERIOD_SECONDS",
    "HOLDING",
    "RUNNING_LEASE",
    "SLOT_WAIT_SECONDS",
    "DeploymentSlot",
    "after",
    "lease_of",
    "prepare",
]
