"""Operations on variables: list, inspect, get, set and unset (Prefect 3's CLI rules).

A value typed on the command line is JSON when it parses as JSON (`42`, `true`,
`{"a": 1}`, `"quoted"`), else the text itself, as Prefect 3 does.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from prefect_console.ops.errors import ConsoleError, NotFound

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.variables import Variable


def parse_value(text: str) -> Any:
    """The JSON document `text` holds, or `text` itself when it is not JSON."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def format_value(value: Any) -> str:
    """A value as `variable get` prints it: always JSON (a string keeps its quotes)."""
    return json.dumps(value)


def _invalid(exc: Exception) -> ConsoleError:
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        reasons = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        return ConsoleError(reasons, usage=True)
    return ConsoleError(str(exc), usage=True)


async def list_variables(
    client: PrefectClient, *, limit: int = 100, offset: int = 0, name: str | None = None
) -> list[Variable]:
    """Variables by name; `name` keeps those whose name contains it."""
    from prefect.schemas.variables import VariableFilter, VariableFilterName, VariableSort

    if limit < 0:
        raise ConsoleError("--limit must be 0 or more", usage=True)
    return await client.read_variables(
        limit=limit,
        offset=offset,
        variable_filter=VariableFilter(name=VariableFilterName(like_=name)) if name else None,
        sort=VariableSort.NAME_ASC,
    )


async def read_variable(client: PrefectClient, name: str) -> Variable:
    variable = await client.read_variable_by_name(name)
    if variable is None:
        raise NotFound(f"Variable {name!r} not found.")
    return variable


async def set_variable(
    client: PrefectClient,
    name: str,
    value: Any,
    *,
    overwrite: bool = False,
    tags: list[str] | None = None,
) -> Variable:
    """Create `name`, or replace its value and tags with `overwrite` (as `variable set`)."""
    from prefect.exceptions import ObjectAlreadyExists
    from prefect.schemas.variables import VariableCreate, VariableUpdate
    from pydantic import ValidationError

    try:
        create = VariableCreate(name=name, value=value, tags=tags or [])
    except ValidationError as exc:
        raise _invalid(exc) from None
    existing = await client.read_variable_by_name(name)
    if existing is None:
        try:
            return await client.create_variable(create)
        except ObjectAlreadyExists:
            if not overwrite:  # created meanwhile by someone else
                raise _exists(name) from None
    elif not overwrite:
        raise _exists(name)
    await client.update_variable(VariableUpdate(name=name, value=value, tags=tags or []))
    return await read_variable(client, name)


def _exists(name: str) -> ConsoleError:
    return ConsoleError(f"Variable {name!r} already exists. Use `--overwrite` to update it.")


async def unset_variable(client: PrefectClient, name: str) -> None:
    from prefect.exceptions import ObjectNotFound

    try:
        await client.delete_variable_by_name(name)
    except ObjectNotFound:
        raise NotFound(f"Variable {name!r} not found.") from None
