"""Task caching and result persistence, as the task engine applies them.

Whether a task run persists its result (and so may be cached), in Prefect 3's order: the
task's `persist_result`; else on when the task names a cache policy or `cache_key_fn`;
else the flow's `persist_result`; else PREFECT_RESULTS_PERSIST_BY_DEFAULT. A run that does
not persist is never looked up, so plain tasks pay one attribute check for all this.

The settings are read once per flow run (`ResultSettings`), in the thread that called the
flow, because reading settings costs more than a task run's own bookkeeping.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from prefect.results import NOT_FOUND, ResultRecords, resolve_serializer

if TYPE_CHECKING:
    from prefect.context import FlowRunContext
    from prefect.engine.task_engine import TaskRunEngine
    from prefect.flows import Flow
    from prefect.tasks import Task

__all__ = ["CachePlan", "ResultSettings", "TaskCacheOptions", "plan_for"]

logger = logging.getLogger("prefect.results")

_NOT_SET: Any = object()


class ResultSettings:
    """What a flow run's tasks need to know about persistence, read once per run."""

    __slots__ = ("default_no_cache", "persist", "refresh_all", "storage")

    def __init__(self, flow: Flow[..., Any]) -> None:
        from prefect.settings import get_current_settings

        settings = get_current_settings()
        options = flow.unsupported_options
        flow_persist = options.get("persist_result")
        self.persist = bool(
            settings.results_persist_by_default if flow_persist is None else flow_persist
        )
        self.storage = options.get("result_storage") or settings.results_local_storage_path
        self.refresh_all = settings.tasks_refresh_cache
        self.default_no_cache = settings.tasks_default_no_cache


class TaskCacheOptions:
    """A task's caching and result options, resolved once when the task is defined."""

    __slots__ = (
        "expiration",
        "explicit_policy",
        "persist",
        "policy",
        "refresh",
        "serializer",
        "storage",
        "storage_key",
    )

    def __init__(self, options: dict[str, Any]) -> None:
        from prefect.cache_policies import NO_CACHE, CachePolicy

        cache_key_fn = options.get("cache_key_fn")
        policy = options.get("cache_policy", _NOT_SET)
        if cache_key_fn is not None:
            policy = CachePolicy.from_cache_key_fn(cache_key_fn)
        elif policy is None:
            policy = NO_CACHE
        if policy is not _NOT_SET and not isinstance(policy, CachePolicy):
            raise TypeError(f"cache_policy must be a CachePolicy, not {policy!r}")
        self.policy: Any = None if policy is _NOT_SET else policy
        self.explicit_policy = self.policy is not None and self.policy is not NO_CACHE
        persist = options.get("persist_result")
        # None: decided per flow run; True/False: the task's own choice
        self.persist: bool | None = True if persist is None and self.explicit_policy else persist
        expiration = options.get("cache_expiration")
        if expiration is not None and not isinstance(expiration, timedelta):
            raise TypeError(f"cache_expiration must be a timedelta, not {expiration!r}")
        self.expiration: timedelta | None = expiration
        self.refresh: bool | None = options.get("refresh_cache")
        self.serializer = resolve_serializer(options.get("result_serializer"))
        self.storage = options.get("result_storage")
        self.storage_key: str | None = options.get("result_storage_key")


class CachePlan:
    """What one task run does about its cache: the key to look up (if any), and where
    its result goes."""

    __slots__ = ("expiration", "lookup_key", "records", "serializer", "storage_key")

    def __init__(
        self,
        records: ResultRecords,
        lookup_key: str | None,
        storage_key: str,
        serializer: Any,
        expiration: timedelta | None,
    ) -> None:
        self.records = records
        self.lookup_key = lookup_key
        self.storage_key = storage_key
        self.serializer = serializer
        self.expiration = expiration

    def lookup(self) -> Any:
        """The cached value, or NOT_FOUND."""
        if self.lookup_key is None:
            return NOT_FOUND
        return self.records.read(self.lookup_key)

    def save(self, value: Any) -> None:
        try:
            self.records.write(self.storage_key, value, self.serializer, self.expiration)
        except Exception as exc:
            # the run succeeded; only its record is missing, so a later run will not hit
            logger.warning("Could not persist the result under %r: %r", self.storage_key, exc)


def plan_for(engine: TaskRunEngine, flow_ctx: FlowRunContext) -> CachePlan | None:
    """The cache plan of `engine`'s run, or None when it does not persist its result."""
    task: Task[..., Any] = engine.task
    options: TaskCacheOptions = task.cache_options
    settings: ResultSettings | None = flow_ctx.result_settings
    if settings is None:
        return None
    persist = settings.persist if options.persist is None else options.persist
    if not persist:
        return None
    from prefect.cache_policies import DEFAULT, NO_CACHE

    policy = options.policy
    if policy is None:
        policy = NO_CACHE if settings.default_no_cache else DEFAULT
    key = policy.compute_key(engine.context, engine.parameters, flow_ctx.parameters)
    if options.storage_key is not None:
        key = _format_storage_key(options.storage_key, engine.parameters)
    refresh = settings.refresh_all if options.refresh is None else options.refresh
    lookup = None if (refresh or policy is NO_CACHE) else key
    storage = options.storage or settings.storage
    # a storage block (LocalFileSystem) names its directory as `basepath`
    storage = getattr(storage, "basepath", storage)
    return CachePlan(
        ResultRecords(storage),
        lookup,
        key or uuid.uuid4().hex,
        options.serializer,
        options.expiration,
    )


def _format_storage_key(template: str, parameters: dict[str, Any]) -> str:
    from prefect import runtime

    return template.format(
        parameters=parameters, flow_run=runtime.flow_run, task_run=runtime.task_run
    )
