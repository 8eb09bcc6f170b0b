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
    rules.no_pending_twice,
    rules.stay_terminal,
    rules.cancelling_only_to_cancelled,
    rules.cancel_unstarted_directly,
    rules.copy_scheduled_time,
    rules.wait_for_scheduled_time,
)

TASK_RUN_POLICY: tuple[Rule, ...] = (
    rules.duplicate_transition,
    rules.stay_terminal,
)

# `force` skips the rules, but a retried request is still answered once.
FORCED_POLICY: tuple[Rule, ...] = (rules.duplicate_transition,)

ACCEPT = Decision(SetStateStatus.ACCEPT)


def policy_for(proposal: Proposal, *, force: bool) -> Sequence[Rule]:
    if force:
        return FORCED_POLICY
    return FLOW_RUN_POLICY if proposal.kind == "flow_run" else TASK_RUN_POLICY


def decide(proposal: Proposal, *, force: bool = False) -> Decision:
    """Run the chain; the first rule that decides wins, and no decision means ACCEPT."""
    for rule in policy_for(proposal, force=force):
        decision = rule(proposal)
        if decision is not None:
            return decision
    return ACCEPT
