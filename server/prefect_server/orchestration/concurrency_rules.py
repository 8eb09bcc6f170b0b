"""Task tag concurrency (v1 limits) as orchestration rules, as Prefect 3 applies them.

- A task run proposing Running needs a free slot on the limit of each of its tags. A tag
  limited to 0 ABORTs the proposal (waiting would never help); a full tag answers WAIT,
  and the client proposes Running again after `TAG_SLOT_WAIT_SECONDS` (Prefect 3's
  PREFECT_TASK_RUN_TAG_CONCURRENCY_SLOT_WAIT_SECONDS, 30 s). Tags without a limit do
  not limit. Forced proposals take no slot.
- Any written state other than Running or Cancelling frees the run's slots (finished,
  failed, crashed, paused, rescheduled for a retry ...), forced or not.

The rules read the database, which the synchronous rule chain (`rules.Rule`) cannot, so
each rule here has two async halves around that chain:

- `prepare(session, run, proposed_type, force=...)` locks what it needs and returns a
  synchronous `Rule` to append to the chain for this one proposal (or None);
- `after(session, run, initial, result, force=...)` applies the outcome: takes the
  slots when Running was written, frees them when the run left Running.

Put last in the chain, the slot check only speaks when every other rule has let the
proposal through, so a slot is never taken for a transition another rule refuses.
`propose_task_state` is `transition.propose_state` with both halves wired in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from prefect.schemas.actions import StateCreate, TaskRunReport
from prefect.schemas.objects import State, StateType
from prefect.schemas.responses import OrchestrationResult, SetStateStatus
from sqlalchemy.ext.asyncio import AsyncSession

from prefect_server.database import orm
from prefect_server.models import concurrency_limits as tag_limits
from prefect_server.orchestration import policy
from prefect_server.orchestration.rules import Decision, Proposal, Rule
from prefect_server.orchestration.transition import propose_state, state_from_row

TAG_SLOT_WAIT_SECONDS = tag_limits.TAG_SLOT_WAIT_SECONDS

# states in which a task run keeps its slots
_HOLDING = frozenset({StateType.RUNNING, StateType.CANCELLING})


class TaskRunConcurrencyRule(Protocol):
    async def prepare(
        self,
        session: AsyncSession,
        run: orm.TaskRun,
        proposed_type: StateType,
        *,
        force: bool,
    ) -> Rule | None:
        """A rule to judge this proposal with, appended to the chain; None if none."""
        ...

    async def after(
        self,
        session: AsyncSession,
        run: orm.TaskRun,
        initial: State | None,
        result: OrchestrationResult,
        *,
        force: bool,
    ) -> None:
        """Act on the outcome, in the same transaction."""
        ...


def _written(initial: State | None, result: OrchestrationResult) -> State | None:
    """The state this proposal wrote, if any (a replayed transition writes nothing)."""
    state = result.state
    if state is None or result.status not in (SetStateStatus.ACCEPT, SetStateStatus.REJECT):
        return None
    if initial is not None and state.id == initial.id:
        return None
    return state


class SecureTaskConcurrencySlots:
    """Running needs a slot on every limited tag: ABORT on a 0 limit, WAIT when full."""

    async def prepare(
        self,
        session: AsyncSession,
        run: orm.TaskRun,
        proposed_type: StateType,
        *,
        force: bool,
    ) -> Rule | None:
        if force or proposed_type != StateType.RUNNING or not run.tags:
            return None
        # locked until the transaction ends, so the slots seen free here are still free
        # when `after` takes them
        limits = await tag_limits.limits_for_tags(session, run.tags)
        if not limits:
            return None
        holder = str(run.id)
        snapshot = [
            (row.tag, row.concurrency_limit, [str(s) for s in row.active_slots]) for row in limits
        ]

        def secure_task_concurrency_slots(p: Proposal) -> Decision | None:
            if p.proposed.type != StateType.RUNNING:
                return None
            for tag, limit, _ in snapshot:
                if limit == 0:
                    return Decision(
                        SetStateStatus.ABORT, reason=str(tag_limits.SlotsNeverAvailable(tag))
                    )
            for tag, limit, held in snapshot:
                if holder not in held and len(held) >= limit:
                    return Decision(
                        SetStateStatus.WAIT,
                        reason=str(tag_limits.SlotsUnavailable(tag)),
                        delay_seconds=TAG_SLOT_WAIT_SECONDS,
                    )
            return None

        return secure_task_concurrency_slots

    async def after(
        self,
        session: AsyncSession,
        run: orm.TaskRun,
        initial: State | None,
        result: OrchestrationResult,
        *,
        force: bool,
    ) -> None:
        written = _written(initial, result)
        if force or written is None or written.type != StateType.RUNNING or not run.tags:
            return
        await tag_limits.acquire_slots(session, run.tags, run.id)


class ReleaseTaskConcurrencySlots:
    """Leaving Running (for anything but Cancelling) frees the run's slots, even forced."""

    async def prepare(
        self,
        session: AsyncSession,
        run: orm.TaskRun,
        proposed_type: StateType,
        *,
        force: bool,
    ) -> Rule | None:
        return None

    async def after(
        self,
        session: AsyncSession,
        run: orm.TaskRun,
        initial: State | None,
        result: OrchestrationResult,
        *,
        force: bool,
    ) -> None:
        written = _written(initial, result)
        if written is None or written.type in _HOLDING or not run.tags:
            return
        await tag_limits.release_slots(session, run.tags, run.id)


TASK_CONCURRENCY_RULES: tuple[TaskRunConcurrencyRule, ...] = (
    SecureTaskConcurrencySlots(),
    ReleaseTaskConcurrencySlots(),
)


async def propose_task_state(
    session: AsyncSession,
    run: orm.TaskRun,
    create: StateCreate,
    *,
    force: bool = False,
    rules: Sequence[TaskRunConcurrencyRule] = TASK_CONCURRENCY_RULES,
    base_policy: Sequence[Rule] | None = None,
) -> OrchestrationResult:
    """`propose_state` for a task run, with the tag concurrency rules applied.

    `base_policy` is the chain the rules are appended to (default: the task run policy).
    """
    initial = state_from_row(run.state)
    extra = [await r.prepare(session, run, create.type, force=force) for r in rules]
    chain = (
        *(base_policy if base_policy is not None else policy.TASK_RUN_POLICY),
        *(rule for rule in extra if rule is not None),
    )
    result = await propose_state(session, run, create, force=force, policy=chain)
    for r in rules:
        await r.after(session, run, initial, result, force=force)
    return result


async def release_reported_slots(session: AsyncSession, reports: Sequence[TaskRunReport]) -> int:
    """Task runs reported (`POST /task_runs/report`) in a state other than Running or
    Cancelling give back their tag slots; how many slots were freed.

    The engine proposes Running through `set_state` for runs with tags, so that is where
    their slots are taken; their later states come in batches and never meet the rules
    above, so without this the slots of every such run would stay taken. One locked read
    of the tags' limits per batch, none when no reported run that has left Running has
    tags. Freeing a slot the run does not hold changes nothing, so a report repeated by a
    retrying client frees nothing twice.
    """
    latest: dict[str, tuple[StateType | None, list[str]]] = {}
    for report in reports:
        run = report.task_run
        # as in `store_reports`, a later report of the same run in one batch wins
        kind = run.state.type if run.state is not None else run.state_type
        latest[str(run.id)] = (kind, list(run.tags or []))
    leaving = {
        run_id: set(tags)
        for run_id, (kind, tags) in latest.items()
        if tags and kind is not None and kind not in _HOLDING
    }
    if not leaving:
        return 0
    wanted = set().union(*leaving.values())
    freed = 0
    for row in await tag_limits.limits_for_tags(session, wanted):
        held = [str(s) for s in row.active_slots]
        kept = [s for s in held if row.tag not in leaving.get(s, ())]
        if len(kept) != len(held):
            freed += len(held) - len(kept)
            row.active_slots = kept
    await session.flush()
    return freed


__all__ = [
    "TAG_SLOT_WAIT_SECONDS",
    "TASK_CONCURRENCY_RULES",
    "ReleaseTaskConcurrencySlots",
    "SecureTaskConcurrencySlots",
    "TaskRunConcurrencyRule",
    "propose_task_state",
    "release_reported_slots",
]
