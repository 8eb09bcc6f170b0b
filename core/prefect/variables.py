"""Variables: named JSON values kept by the API, read and written from flows and scripts.

    from prefect.variables import Variable

    Variable.set("threshold", 10)                      # ValueError if it exists...
    Variable.set("threshold", 12, overwrite=True)      # ...unless overwrite=True
    Variable.get("threshold")                          # 12
    Variable.get("missing", default="n/a")             # "n/a"
    Variable.unset("threshold")                        # True (False when there was none)

    await Variable.aget("threshold")                   # the async spellings

As in Prefect 3, `get`/`set`/`unset` called from async code (an async flow or task, or a
coroutine outside any run) return a coroutine to await; from sync code they return the
value. Pass `_sync=True` or `_sync=False` to choose explicitly.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from prefect.exceptions import MissingContextError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from prefect.client.orchestration import PrefectClient

__all__ = ["Variable"]

_NO_DEFAULT: Any = None


def in_async_context() -> bool:
    """Whether a helper with both spellings should hand back a coroutine here.

    Inside a run the run decides (a sync task called from an async flow runs on the
    flow's loop but is sync code); outside a run, a running loop in this thread does.
    """
    from prefect.context import get_run_context

    try:
        ctx = get_run_context()
    except MissingContextError:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return False
        return True
    owner = getattr(ctx, "task", None) or getattr(ctx, "flow", None)
    return bool(getattr(owner, "isasync", True))


def _dispatch(sync: bool | None, call: Callable[[PrefectClient], Awaitable[Any]]) -> Any:
    from prefect.engine.user_api import call_async, call_sync

    if sync is None:
        sync = not in_async_context()
    return call_sync(call) if sync else call_async(call)


class Variable(BaseModel):
    """A variable as `set` stores it: a name, a JSON value and tags."""

    name: str = Field(description="The name of the variable")
    value: Any = Field(default=None, description="The value: any JSON-serialisable data")
    tags: list[str] | None = Field(default=None, description="Tags of the variable")

    # -- set ----------------------------------------------------------------------------------

    @classmethod
    async def aset(
        cls,
        name: str,
        value: Any,
        tags: list[str] | None = None,
        overwrite: bool = False,
    ) -> Variable:
        """Store `value` under `name`; a name in use needs `overwrite=True`."""
        from prefect.engine.user_api import call_async

        return await call_async(lambda client: _set(client, name, value, tags, overwrite))

    @classmethod
    def set(
        cls,
        name: str,
        value: Any,
        tags: list[str] | None = None,
        overwrite: bool = False,
        _sync: bool | None = None,
    ) -> Any:
        """Store `value` under `name` (a coroutine in async code; see the module doc)."""
        return _dispatch(_sync, lambda client: _set(client, name, value, tags, overwrite))

    # -- get ----------------------------------------------------------------------------------

    @classmethod
    async def aget(cls, name: str, default: Any = _NO_DEFAULT) -> Any:
        """The value of the variable `name`, or `default` when there is none."""
        from prefect.engine.user_api import call_async

        return await call_async(lambda client: _get(client, name, default))

    @classmethod
    def get(cls, name: str, default: Any = _NO_DEFAULT, _sync: bool | None = None) -> Any:
        """The value of `name`, or `default` (a coroutine in async code)."""
        return _dispatch(_sync, lambda client: _get(client, name, default))

    # -- unset --------------------------------------------------------------------------------

    @classmethod
    async def aunset(cls, name: str) -> bool:
        """Delete the variable `name`; False when there was none."""
        from prefect.engine.user_api import call_async

        return await call_async(lambda client: _unset(client, name))

    @classmethod
    def unset(cls, name: str, _sync: bool | None = None) -> Any:
        """Delete `name`; True if it existed (a coroutine in async code)."""
        return _dispatch(_sync, lambda client: _unset(client, name))


async def _set(
    client: PrefectClient, name: str, value: Any, tags: list[str] | None, overwrite: bool
) -> Variable:
    from prefect.schemas.variables import VariableCreate, VariableUpdate

    existing = await client.read_variable_by_name(name)
    if existing is not None and not overwrite:
        raise ValueError(f"Variable {name!r} already exists. Use `overwrite=True` to update it.")
    if existing is None:
        created = await client.create_variable(
            VariableCreate(name=name, value=value, tags=tags or [])
        )
        return Variable(name=created.name, value=created.value, tags=created.tags)
    # tags left out of the update are kept, as in Prefect
    fields: dict[str, Any] = {"name": name, "value": value}
    if tags is not None:
        fields["tags"] = tags
    await client.update_variable(VariableUpdate(**fields))
    kept = existing.tags if tags is None else tags
    return Variable(name=name, value=value, tags=kept)


async def _get(client: PrefectClient, name: str, default: Any) -> Any:
    variable = await client.read_variable_by_name(name)
    return default if variable is None else variable.value


async def _unset(client: PrefectClient, name: str) -> bool:
    from prefect.exceptions import ObjectNotFound

    try:
        await client.delete_variable_by_name(name)
    except ObjectNotFound:
        return False
    return True
