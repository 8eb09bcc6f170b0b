"""Base classes for wire models."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from prefect._time import now


class PrefectBaseModel(BaseModel):
    """Base of every wire model.

    Objects read from the API ignore unknown fields, so a newer server does not break an
    older client; request bodies (actions and filters) forbid them, so a typo in a filter
    is a 422 with the field's name instead of a silently ignored condition.
    """

    # Durations travel as float seconds, as Prefect 3's API sends them (not ISO 8601).
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
        validate_assignment=False,
        ser_json_timedelta="float",
    )

    def to_json_dict(self, **kwargs: Any) -> dict[str, Any]:
        """The object as JSON-compatible data, as it travels on the wire."""
        return self.model_dump(mode="json", **kwargs)


class ActionBaseModel(PrefectBaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, ser_json_timedelta="float")


class ObjectBaseModel(PrefectBaseModel):
    """A stored object: it has an id and creation/update timestamps."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    created: datetime | None = None
    updated: datetime | None = None


def utc_now_field() -> Any:
    return Field(default_factory=now)
