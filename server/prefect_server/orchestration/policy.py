"""The rule chains for flow runs and task runs, and how a proposal is decided."""

from __future__ import annotations

from collections.abc import Sequence

from prefect.schemas.responses import SetStateStatus

from prefect_server.orchestration import rules
from prefect_server.orchestration.rules import Decision, Proposal, Rule

# Order matters: a repeated request is answered before anything else looks at it, and
# rules that rewrite the proposal run before those that judge the rewritten state.
FLOW_RUN_POLICY: tuple[Rule, ...] = (
    rules.duplicate_transition,
    rules.stay_terminal,
    rules.cancelling_only_to_cancelled,
    rules.cancel_unstarted_directly,
    rules.no_pending_twice,
    rules.only_scheduled_marked_late,
    rules.pause_only_running,
    rules.resume_from_paused,
    rules.copy_scheduled_time,
    rules.wait_for_scheduled_time,
    rules.retry_failed_flows,
    rules.name_retries,
)

TASK_RUN_POLICY: tuple[Rule, ...] = (
    rules.duplicate_transition,
    rules.task_stay_terminal,
    rules.tasks_run_in_running_flows,
    rules.copy_scheduled_time,
    rules.wait_for_scheduled_time,
)

# `force` skips the rules, but a retried request is still answered once.
FORCED_POLICY: tuple[Rule, ...] = (rules.duplicate_transition,)

# The late-runs service only asks whether the run may be called Late.
MARK_LATE_POLICY: tuple[Rule, ...] = (
    rules.duplicate_transition,
    rules.only_scheduled_marked_late,
)

ACCEPT = Decision(SetStateStatus.ACCEPT)


def policy_for(proposal: Proposal, *, force: bool) -> Sequence[Rule]:
    if force:
        return FORCED_POLICY
    return FLOW_RUN_POLICY if proposal.kind == "flow_run" else TASK_RUN_POLICY


def decide(
    proposal: Proposal, *, force: bool = False, policy: Sequence[Rule] | None = None
) -> Decision:
    """Run the chain; the first rule that decides wins, and no decision means ACCEPT.

    `policy` replaces the usual chain (services that need only some of the rules).
    """
    chain = policy if policy is not None and not force else policy_for(proposal, force=force)
    for rule in chain:
        decision = rule(proposal)
        if decision is not None:
            return decision
    return ACCEPT
