"""Input a paused flow run waits for: `pause_flow_run(wait_for_input=SomeRunInput)`.

    from prefect.input import RunInput

    class Approval(RunInput):
        approved: bool
        note: str = ""

    approval = pause_flow_run(wait_for_input=Approval, timeout=600)

The paused run stores the JSON schema of the model as a flow run input; whoever resumes
it (`resume_flow_run(id, run_input={...})`) gives a value the server checks against that
schema and stores; the run reads it back and validates it into the model.
"""

from __future__ import annotations

from prefect.input.run_input import (
    RunInput,
    keyset_from_base_key,
    keyset_from_paused_state,
    run_input_model,
)

__all__ = ["RunInput", "keyset_from_base_key", "keyset_from_paused_state", "run_input_model"]
