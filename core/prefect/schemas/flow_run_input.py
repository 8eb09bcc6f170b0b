"""Flow run inputs (`/flow_runs/{id}/input`) and the body of `/flow_runs/{id}/resume`.

An input is a string value under a key, stored with a flow run: a paused flow publishes
the JSON schema of what it waits for, and the input it receives on resume, under keys
named in its Paused state's `run_input_keyset` (`{"schema": ..., "response": ...,
"description": ...}`).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from pydantic import Field, field_validator

from prefect.schemas._base import ActionBaseModel, ObjectBaseModel

_KEY = re.compile(r"^[a-z0-9-]*$")


def _check_key(value: str) -> str:
    if not _KEY.match(value):
        raise ValueError("key must only contain lowercase letters, numbers, and dashes")
    return value


class FlowRunInput(ObjectBaseModel):
    flow_run_id: uuid.UUID
    key: str
    value: str
    sender: str | None = None


class FlowRunInputCreate(ActionBaseModel):
    """`POST /flow_runs/{id}/input`."""

    key: str = Field(min_length=1)
    value: str
    sender: str | None = None

    @field_validator("key")
    @classmethod
    def _key_characters(cls, value: str) -> str:
        return _check_key(value)


class FlowRunInputFilter(ActionBaseModel):
    """`POST /flow_runs/{id}/input/filter`: inputs whose key starts with `prefix`."""

    prefix: str
    limit: int = Field(default=1, ge=0, le=200)
    exclude_keys: list[str] = Field(default_factory=list)


class ResumeFlowRun(ActionBaseModel):
    """`POST /flow_runs/{id}/resume`: the input the paused run waits for, if any."""

    run_input: dict[str, Any] | None = None
