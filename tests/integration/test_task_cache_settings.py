"""PREFECT_TASKS_DEFAULT_NO_CACHE and PREFECT_TASKS_REFRESH_CACHE are settings: a profile
or `temporary_settings` reaches the caching of tasks, not only the environment."""

from __future__ import annotations

from prefect import flow, task
from prefect.cache_policies import INPUTS
from prefect.settings import get_current_settings, temporary_settings

from tests.integration._engine_helpers import store  # noqa: F401


def _pipeline(calls: list[str]) -> object:
    @task(cache_policy=INPUTS, persist_result=True)
    def explicit(x: int) -> int:
        calls.append("explicit")
        return x

    @task(persist_result=True)
    def default(x: int) -> int:
        calls.append("default")
        return x

    @flow
    def pipeline() -> None:
        # the default policy keys on the run id: only a second call in one run can hit
        explicit(1), default(1), default(1)

    return pipeline


def test_both_are_settings_with_prefect_3_names() -> None:
    settings = get_current_settings()
    assert settings.tasks_refresh_cache is False
    assert settings.tasks_default_no_cache is False
    with temporary_settings({"PREFECT_TASKS_REFRESH_CACHE": "true"}):
        assert get_current_settings().tasks_refresh_cache is True


def test_refresh_cache_from_temporary_settings(store: str) -> None:  # noqa: F811
    calls: list[str] = []
    pipeline = _pipeline(calls)
    pipeline()  # type: ignore[operator]
    pipeline()  # type: ignore[operator]
    assert calls == ["explicit", "default", "default"]
    calls.clear()
    with temporary_settings({"PREFECT_TASKS_REFRESH_CACHE": True}):
        pipeline()  # type: ignore[operator]
    assert calls == ["explicit", "default", "default"]


def test_default_no_cache_from_the_active_profile(store: str, prefect_home) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    (prefect_home / "profiles.toml").write_text(
        'active = "p"\n[profiles.p]\nPREFECT_TASKS_DEFAULT_NO_CACHE = "true"\n'
    )
    calls: list[str] = []
    pipeline = _pipeline(calls)
    pipeline()  # type: ignore[operator]
    pipeline()  # type: ignore[operator]
    # a task with a policy of its own still caches; the default policy is switched off
    assert calls == ["explicit", "default", "default", "default", "default"]
