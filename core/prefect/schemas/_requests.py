"""A base for filter request bodies in which null means "the default"."""

from __future__ import annotations

from typing import Any

from pydantic import model_validator

from prefect.schemas._base import ActionBaseModel


class NullMeansDefault(ActionBaseModel):
    """A request body whose top-level fields take their default when sent as null.

    Prefect 3's clients send `{"sort": null, "offset": null, "limit": null}` when the
    caller gave none, and Prefect's server reads each of those body fields as missing, so
    a body like that must not be a 422 here either.
    """

    @model_validator(mode="before")
    @classmethod
    def _null_means_default(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value is not None}
        return data
