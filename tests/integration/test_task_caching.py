"""Task caching as in Prefect 3: cache policies, `cache_key_fn`, expiration, refresh, and
records in result storage that a second process hits (embedded store, SQLite and
PostgreSQL). Every test counts calls of the function, so a cache that is ignored fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from prefect import flow, task
from prefect.cache_policies import (
    DEFAULT,
    FLOW_PARAMETERS,
    INPUTS,
    NO_CACHE,
    NONE,
    RUN_ID,
    TASK_SOURCE,
    CompoundCachePolicy,
    Inputs,
)
from prefect.schemas.objects import StateType

from tests.integration._engine_helpers import Reader, reader, store  # noqa: F401


def test_policy_algebra() -> None:
    assert NONE is NO_CACHE
    assert isinstance(DEFAULT, CompoundCachePolicy)
    assert DEFAULT.policies == [INPUTS, TASK_SOURCE, RUN_ID]
    assert Inputs(exclude=["session"]) == INPUTS - "session"
    assert (DEFAULT - "x").policies[0] == Inputs(exclude=["x"])  # type: ignore[attr-defined]
    assert INPUTS + NO_CACHE is INPUTS


def test_inputs_policy_hits_across_flow_runs(reader: Reader) -> None:  # noqa: F811
    calls: list[Any] = []

    @task(cache_policy=INPUTS - "client")
    def fetch(x: int, client: object = None) -> int:
        calls.append(x)
        return x * 10

    @flow
    def pipeline() -> list[tuple[str, int]]:
        states = [fetch(1, return_state=True), fetch(1, object(), return_state=True)]
        states.append(fetch(2, return_state=True))
        return [(s.name, s.result()) for s in states]  # type: ignore[misc]

    assert pipeline() == [("Completed", 10), ("Cached", 10), ("Completed", 20)]
    assert pipeline() == [("Cached", 10), ("Cached", 10), ("Cached", 20)]
    assert calls == [1, 2]
    # the cached run is stored Completed, named Cached
    last = reader.flow_runs()
    names = sorted(t.state_name or "" for r in last for t in reader.task_runs(r.id))
    assert names.count("Cached") == 4
    assert all(t.state_type is StateType.COMPLETED for r in last for t in reader.task_runs(r.id))


def test_default_policy_lasts_one_flow_run_and_needs_persistence(store: str) -> None:  # noqa: F811
    calls: list[str] = []

    @task
    def plain(x: int) -> int:
        calls.append("plain")
        return x

    @task(persist_result=True)
    def persisted(x: int) -> int:
        calls.append("persisted")
        return x

    @flow
    def pipeline() -> list[str]:
        return [
            plain(1, return_state=True).name,  # type: ignore[misc]
            plain(1, return_state=True).name,  # type: ignore[misc]
            persisted(1, return_state=True).name,  # type: ignore[misc]
            persisted(1, return_state=True).name,  # type: ignore[misc]
        ]

    # plain tasks do not persist, so never cache; DEFAULT includes the flow run id
    assert pipeline() == ["Completed", "Completed", "Completed", "Cached"]
    assert pipeline() == ["Completed", "Completed", "Completed", "Cached"]
    assert calls == ["plain", "plain", "persisted"] * 2


def test_flow_persist_result_turns_task_caching_on(store: str) -> None:  # noqa: F811
    calls: list[int] = []

    @task
    def step(x: int) -> int:
        calls.append(x)
        return x

    @flow(persist_result=True)
    def pipeline() -> list[str]:
        return [step(1, return_state=True).name for _ in range(2)]  # type: ignore[misc]

    assert pipeline() == ["Completed", "Cached"]
    assert calls == [1]


def test_cache_key_fn_expiration_and_refresh(
    store: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []

    def by_region(ctx: Any, parameters: dict[str, Any]) -> str:
        return f"report-{parameters['region']}"

    @task(cache_key_fn=by_region)
    def report(region: str, day: int) -> str:
        calls.append(f"{region}{day}")
        return f"{region}{day}"

    # records that expire as they are written: never a hit
    @task(cache_key_fn=lambda ctx, p: "always-expired", cache_expiration=timedelta(seconds=-1))
    def expired(region: str) -> str:
        calls.append("expired")
        return region

    @flow
    def pipeline() -> list[Any]:
        return [
            report("eu", 1),
            report("eu", 2),  # same key: cached value of day 1
            report.with_options(refresh_cache=True)("eu", 3),  # runs and rewrites
            report("eu", 4),
            expired("eu"),
            expired("eu"),
        ]

    assert pipeline() == ["eu1", "eu1", "eu3", "eu3", "eu", "eu"]
    assert calls == ["eu1", "eu3", "expired", "expired"]
    calls.clear()
    monkeypatch.setenv("PREFECT_TASKS_REFRESH_CACHE", "true")
    assert pipeline()[0] == "eu1"
    assert calls[0] == "eu1"


def test_no_cache_and_default_no_cache_setting(
    store: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []

    @task(cache_policy=NO_CACHE, persist_result=True)
    def never(x: int) -> int:
        calls.append("never")
        return x

    @task(persist_result=True)
    def default(x: int) -> int:
        calls.append("default")
        return x

    @flow
    def pipeline() -> None:
        never(1), never(1), default(1), default(1)

    pipeline()
    assert calls == ["never", "never", "default"]
    calls.clear()
    monkeypatch.setenv("PREFECT_TASKS_DEFAULT_NO_CACHE", "1")
    pipeline()
    assert calls == ["never", "never", "default", "default"]


def test_flow_parameters_policy(store: str) -> None:  # noqa: F811
    calls: list[int] = []

    @task(cache_policy=FLOW_PARAMETERS)
    def setup() -> int:
        calls.append(1)
        return len(calls)

    @flow
    def pipeline(env: str) -> int:
        return setup()  # type: ignore[return-value]

    assert [pipeline("a"), pipeline("a"), pipeline("b")] == [1, 1, 2]


def test_result_storage_key_and_json_serializer(store: str, tmp_path: Path) -> None:  # noqa: F811
    storage = tmp_path / "results"
    calls: list[int] = []

    @task(
        persist_result=True,
        cache_policy=INPUTS,
        result_storage=str(storage),
        result_serializer="json",
        result_storage_key="squares/{parameters[x]}.json",
    )
    def square(x: int) -> dict[str, int]:
        calls.append(x)
        return {"x": x, "square": x * x}

    @flow
    def pipeline() -> list[Any]:
        return [square(3), square(3)]

    assert pipeline() == [{"x": 3, "square": 9}] * 2
    assert calls == [3]
    record = json.loads((storage / "squares" / "3.json").read_text())
    assert record["metadata"]["serializer"] == {"type": "json"}
    assert json.loads(record["result"]) == {"x": 3, "square": 9}


SCRIPT = """
import sys
from prefect import flow, task
from prefect.cache_policies import INPUTS

@task(cache_policy=INPUTS)
def expensive(n: int) -> list[int]:
    print("COMPUTED", flush=True)
    return list(range(n))

@flow
def pipeline() -> None:
    state = expensive(5, return_state=True)
    print("STATE", state.name, state.result(), flush=True)

pipeline()
"""


def test_a_second_process_hits_the_cache(store: str, tmp_path: Path) -> None:  # noqa: F811
    script = tmp_path / "cached.py"
    script.write_text(SCRIPT)
    env = {
        **os.environ,
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": store,
        "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(tmp_path / "shared-storage"),
    }
    outputs = []
    for _ in range(2):
        out = subprocess.run(
            [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120
        )
        assert out.returncode == 0, out.stderr
        outputs.append(out.stdout)
    assert "COMPUTED" in outputs[0] and "STATE Completed [0, 1, 2, 3, 4]" in outputs[0]
    assert "COMPUTED" not in outputs[1] and "STATE Cached [0, 1, 2, 3, 4]" in outputs[1]
    assert len(list((tmp_path / "shared-storage").iterdir())) == 1


def test_task_input_hash_as_cache_key_fn(store: str) -> None:  # noqa: F811
    from prefect.tasks import task_input_hash

    calls: list[int] = []

    @task(cache_key_fn=task_input_hash)
    def double(x: int) -> int:
        calls.append(x)
        return 2 * x

    @flow
    def pipeline() -> list[int]:
        return [double(1), double(1), double(2)]

    assert pipeline() == [2, 2, 4]
    assert pipeline() == [2, 2, 4]
    assert calls == [1, 2]
