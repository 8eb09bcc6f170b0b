"""`prefect.variables.Variable` from scripts, sync and async flows and tasks, stored in the
embedded store (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from typing import Any

import pydantic
import pytest
from prefect import flow, task
from prefect.variables import Variable

from tests.integration._engine_helpers import Reader, reader, store  # noqa: F401


def test_set_get_unset_from_sync_code(reader: Reader) -> None:  # noqa: F811
    created = Variable.set("threshold", {"min": 1}, tags=["etl"])
    assert created == Variable(name="threshold", value={"min": 1}, tags=["etl"])
    stored = reader.client.read_variable_by_name("threshold")
    assert stored is not None and stored.value == {"min": 1} and stored.tags == ["etl"]

    with pytest.raises(ValueError, match=r"already exists.*overwrite=True"):
        Variable.set("threshold", 2)
    assert Variable.get("threshold") == {"min": 1}

    # overwrite changes the value and keeps the tags that were not given
    assert Variable.set("threshold", 2, overwrite=True).tags == ["etl"]
    stored = reader.client.read_variable_by_name("threshold")
    assert stored is not None and stored.value == 2 and stored.tags == ["etl"]
    Variable.set("threshold", 3, tags=["new"], overwrite=True)
    stored = reader.client.read_variable_by_name("threshold")
    assert stored is not None and stored.tags == ["new"]

    assert Variable.get("missing") is None
    assert Variable.get("missing", default="fallback") == "fallback"
    assert Variable.unset("threshold") is True
    assert Variable.unset("threshold") is False
    assert reader.client.read_variable_by_name("threshold") is None


def test_async_spellings_and_dispatch(store: str) -> None:  # noqa: F811
    async def script() -> list[Any]:
        await Variable.aset("n", 1)
        # in a coroutine the plain names hand back awaitables, as in Prefect 3
        await Variable.set("m", [1, 2])
        got = [await Variable.aget("n"), await Variable.get("m")]
        got.append(await Variable.aunset("n"))
        got.append(await Variable.unset("m"))
        got.append(await Variable.aget("n", default="gone"))
        return got

    assert asyncio.run(script()) == [1, [1, 2], True, True, "gone"]


def test_in_flows_and_tasks(store: str) -> None:  # noqa: F811
    Variable.set("region", "eu")

    @task
    def sync_task() -> Any:
        return Variable.get("region")

    @task
    async def async_task() -> Any:
        return await Variable.get("region")

    @flow
    async def async_flow() -> list[Any]:
        # a sync task called from an async flow is sync code: get returns the value
        return [await Variable.get("region"), sync_task(), await async_task()]

    @flow
    def sync_flow() -> list[Any]:
        return [Variable.get("region"), sync_task()]

    assert asyncio.run(async_flow()) == ["eu", "eu", "eu"]
    assert sync_flow() == ["eu", "eu"]


def test_explicit_sync_choice(store: str) -> None:  # noqa: F811
    async def script() -> Any:
        Variable.set("k", "v", _sync=True)
        return Variable.get("k", _sync=True)

    assert asyncio.run(script()) == "v"


def test_bad_names_and_values_are_refused(store: str) -> None:  # noqa: F811
    with pytest.raises(pydantic.ValidationError):
        Variable.set("Not A Valid Name!", 1)
    with pytest.raises(pydantic.ValidationError):
        Variable.set("unserialisable", object())
