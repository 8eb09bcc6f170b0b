"""Variables: named JSON values that flows read at run time (Prefect 3's names and rules).

    {"name": "db_host", "value": {"host": "db", "port": 5432}, "tags": ["prod"]}

A name holds lowercase letters, numbers, dashes and underscores, at most 255 characters;
a value is any JSON document (string, number, bool, null, list, object) whose compact JSON
is at most 5000 bytes long.
"""

from __future__ import annotations

import enum
import re
import uuid
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
)

from prefect.schemas._base import ActionBaseModel, ObjectBaseModel
from prefect.schemas._requests import NullMeansDefault
from prefect.schemas.filters import Operator

MAX_VARIABLE_NAME_LENGTH = 255
MAX_VARIABLE_VALUE_LENGTH = 5000

_NAME = re.compile(r"[a-z0-9_-]+")


def _check_name(value: str) -> str:
    if not _NAME.fullmatch(value):
        raise ValueError(
            "Variable name must only contain lowercase letters, numbers, and dashes or underscores."
        )
    return value


def _check_value(value: object) -> object:
    from pydantic_core import PydanticSerializationError, to_json

    try:
        encoded = to_json(value)
    except PydanticSerializationError:
        raise ValueError("Variable value must be serializable to JSON") from None
    if value is not None and len(encoded) > MAX_VARIABLE_VALUE_LENGTH:
        raise ValueError(
            f"Variable value must be less than {MAX_VARIABLE_VALUE_LENGTH} characters "
            f"as JSON (it is {len(encoded)})"
        )
    return value


# Strict scalars, so that "1" stays a string and true stays a bool.
VariableValue = StrictStr | StrictInt | StrictBool | StrictFloat | None | dict[str, Any] | list[Any]
StrictVariableValue = Annotated[VariableValue, BeforeValidator(_check_value)]
VariableName = Annotated[
    str,
    # min_length: Prefect's pattern lets "" through, which no `/variables/name/` path reaches
    Field(min_length=1, max_length=MAX_VARIABLE_NAME_LENGTH),
    AfterValidator(_check_name),
]


class Variable(ObjectBaseModel):
    name: str
    value: Any = None
    tags: list[str] = Field(default_factory=list)


class VariableCreate(ActionBaseModel):
    name: VariableName
    value: StrictVariableValue
    tags: list[str] = Field(default_factory=list)


class VariableUpdate(ActionBaseModel):
    """A partial update: only the fields sent change; `"value": null` sets the value to null."""

    name: VariableName | None = None
    value: StrictVariableValue = None
    tags: list[str] | None = None


# -- filters ----------------------------------------------------------------------------


class VariableFilterId(ActionBaseModel):
    any_: list[uuid.UUID] | None = None


class VariableFilterName(ActionBaseModel):
    any_: list[str] | None = None
    # case-insensitive substring match; `%` and `_` work as SQL wildcards, as in Prefect
    like_: str | None = None


class VariableFilterTags(ActionBaseModel):
    operator: Operator = "and_"
    all_: list[str] | None = None
    is_null_: bool | None = None


class VariableFilter(ActionBaseModel):
    operator: Operator = "and_"
    id: VariableFilterId | None = None
    name: VariableFilterName | None = None
    tags: VariableFilterTags | None = None


class VariableSort(enum.StrEnum):
    CREATED_DESC = "CREATED_DESC"
    UPDATED_DESC = "UPDATED_DESC"
    NAME_DESC = "NAME_DESC"
    NAME_ASC = "NAME_ASC"


class VariableFilterRequest(NullMeansDefault):
    """Body of `POST /variables/filter`."""

    variables: VariableFilter | None = None
    sort: VariableSort = VariableSort.NAME_ASC
    limit: int | None = Field(default=None, ge=0, le=1000)
    offset: int = Field(default=0, ge=0)


class VariableCountRequest(NullMeansDefault):
    """Body of `POST /variables/count`."""

    variables: VariableFilter | None = None
