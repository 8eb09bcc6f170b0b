"""The orchestration result returned by the `set_state` routes."""

from __future__ import annotations

import enum
from typing import Literal

from pydantic import Field

from prefect.schemas._base import PrefectBaseModel
from prefect.schemas.objects import State


class SetStateStatus(enum.StrEnum):
    ACCEPT = "ACCEPT"
    REJECT = "REJECT"
    ABORT = "ABORT"
    WAIT = "WAIT"


class StateAcceptDetails(PrefectBaseModel):
    type: Literal["accept_details"] = "accept_details"


class StateRejectDetails(PrefectBaseModel):
    type: Literal["reject_details"] = "reject_details"
    reason: str | None = None


class StateAbortDetails(PrefectBaseModel):
    type: Literal["abort_details"] = "abort_details"
    reason: str | None = None


class StateWaitDetails(PrefectBaseModel):
    type: Literal["wait_details"] = "wait_details"
    delay_seconds: int
    reason: str | None = None


StateResponseDetails = (
    StateAcceptDetails | StateRejectDetails | StateAbortDetails | StateWaitDetails
)


class OrchestrationResult(PrefectBaseModel):
    """What the orchestrator decided about a proposed state.

    On ACCEPT `state` is the state as stored; on REJECT it is the run's current state (or
    the state the rules chose instead); on WAIT, retry after `details.delay_seconds`; on
    ABORT the proposal makes no sense for this run and the caller should stop.
    """

    state: State | None = None
    status: SetStateStatus
    details: StateResponseDetails = Field(discriminator="type")
