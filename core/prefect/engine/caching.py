"""Caching and result persistence, as the task and flow engines apply them.

Whether a task run persists its result (and so may be cached), in Prefect 3's order: the
task's `persist_result`; else on when the task names a cache policy or `cache_key_fn`;
else its flow's choice. A flow's choice: its `persist_result`; else its parent flow's (a
subflow); else PREFECT_RESULTS_PERSIST_BY_DEFAULT. Storage and serializer are inherited
the same way (task -> flow -> parent flow -> PREFECT_RESULTS_LOCAL_STORAGE_PATH and
pickle). A run that does not persist is never looked up, so plain tasks pay one attribute
check for all this.

A persisted result's record metadata becomes the final state's `data` (see
`prefect.results`), so the state read from the API leads to the value. With
`cache_result_in_memory=False` the state keeps no copy of the value in memory: its
`result()` reads the record back.

The settings are read once per flow run (`ResultSettings`), in the thread that called the
flow, because reading settings costs more than a task run's own bookkeeping.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prefect.results import NOT_FOUND, ResultStore, resolve_serializer, resolve_storage

if TYPE_CHECKING:
    from prefect.context import FlowRunContext
    from prefect.engine.task_engine import TaskRunEngine
    from prefect.flows import Flow
    from prefect.serializers import Serializer

__all__ = ["CachePlan", "ResultSettings", "TaskCacheOptions", "plan_for"]

logger = logging.getLogger("prefect.results")

_NOT_SET: Any = object()


class ResultSettings:
    """What a flow run and its tasks need to know about persistence, read once per run."""

    __slots__ = (
        "_storages",
        "default_no_cache",
        "in_memory",
        "persist",
        "refresh_all",
        "serializer",
        "storage",
    )

    def __init__(self, flow: Flow[..., Any], parent: ResultSettings | None = None) -> None:
        from prefect.serializers import PickleSerializer
        from prefect.settings import get_current_settings

        settings = get_current_settings()
        options = flow.unsupported_options
        flow_persist = options.get("persist_result")
        if flow_persist is not None:
            self.persist = bool(flow_persist)
        elif parent is not None:
            self.persist = parent.persist
        else:
            self.persist = bool(settings.results_persist_by_default)
        storage = options.get("result_storage")
        if storage is None:
            storage = parent.storage if parent else settings.results_local_storage_path
        self.storage: Any = storage
        serializer = options.get("result_serializer")
        self.serializer: Serializer = (
            resolve_serializer(serializer)
            if serializer is not None
            else (parent.serializer if parent else PickleSerializer())
        )
        # the flow's own result; tasks have their own option
        self.in_memory = options.get("cache_result_in_memory") is not False
        self.refresh_all = settings.tasks_refresh_cache
        self.default_no_cache = settings.tasks_default_no_cache
        # storage option -> (the option, its file system, its block document id)
        self._storages: dict[Any, tuple[Any, Any, uuid.UUID | None]] = {}

    def __getstate__(self) -> dict[str, Any]:
        # sent to task worker processes: the memo is keyed by object ids of this process
        return {name: getattr(self, name) for name in self.__slots__ if name != "_storages"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            setattr(self, name, value)
        self._storages = {}

    def store(self, storage: Any = None, serializer: Serializer | None = None) -> ResultStore:
        """The store for `storage` (default: the flow's) with `serializer` (default: the
        flow's). A block named by slug is loaded once per flow run."""
        spec = self.storage if storage is None else storage
        memo_key = spec if isinstance(spec, str | Path) else id(spec)
        found = self._storages.get(memo_key)
        if found is None:
            found = self._storages[memo_key] = (spec, *resolve_storage(spec))
        return ResultStore(found[1], serializer or self.serializer, found[2])

    def persist_flow_result(self, value: Any, failed: bool = False) -> dict[str, Any] | None:
        """Write the flow's result (or the exception it failed with) to a new record; its
        metadata for the final state's `data`, or None when not persisted."""
        if not self.persist:
            return None
        return _save(self.store(), uuid.uuid4().hex, value, None, failed)


class TaskCacheOptions:
    """A task's caching and result options, resolved once when the task is defined."""

    __slots__ = (
        "expiration",
        "explicit_policy",
        "in_memory",
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
        serializer = options.get("result_serializer")
        # None: the flow's serializer
        self.serializer: Serializer | None = (
            None if serializer is None else resolve_serializer(serializer)
        )
        self.storage = options.get("result_storage")
        self.storage_key: str | None = options.get("result_storage_key")
        self.in_memory = options.get("cache_result_in_memory") is not False


class CachePlan:
    """What one task run does about its cache and result: the key to look up (if any),
    where its result goes, and whether its state keeps the value in memory."""

    __slots__ = ("expiration", "in_memory", "lookup_key", "storage_key", "store")

    def __init__(
        self,
        store: ResultStore,
        lookup_key: str | None,
        storage_key: str,
        expiration: timedelta | None,
        in_memory: bool = True,
    ) -> None:
        self.store = store
        self.lookup_key = lookup_key
        self.storage_key = storage_key
        self.expiration = expiration
        self.in_memory = in_memory

    def lookup(self) -> Any:
        """`(value, metadata dict)` of the cached record, or NOT_FOUND."""
        if self.lookup_key is None:
            return NOT_FOUND
        found = self.store.read(self.lookup_key)
        if found is NOT_FOUND:
            return NOT_FOUND
        value, metadata = found
        return value, metadata.to_dict()

    def save(self, value: Any) -> dict[str, Any] | None:
        """Record a successful run's value; the metadata for its state's `data`."""
        return _save(self.store, self.storage_key, value, self.expiration)

    def save_failure(self, exc: BaseException) -> dict[str, Any] | None:
        """Record the exception a run failed with, under a key of its own (never the
        cache key: a failure must not be a cache hit)."""
        return _save(self.store, uuid.uuid4().hex, exc, None, failed=True)


def _save(
    store: ResultStore, key: str, value: Any, expiration: timedelta | None, failed: bool = False
) -> dict[str, Any] | None:
    try:
        return store.write(key, value, expiration).to_dict()
    except Exception as exc:
        # the run's outcome stands; only its record is missing (so no cache hit, and no
        # result for other processes)
        log = logger.debug if failed else logger.warning
        log("Could not persist the result under %r: %r", key, exc)
        return None


def plan_for(engine: TaskRunEngine, flow_ctx: FlowRunContext) -> CachePlan | None:
    """The cache plan of `engine`'s run, or None when it does not persist its result."""
    options: TaskCacheOptions = engine.task.cache_options
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
        key = _format_storage_key(options.storage_key, engine)
    refresh = settings.refresh_all if options.refresh is None else options.refresh
    lookup = None if (refresh or policy is NO_CACHE) else key
    return CachePlan(
        settings.store(options.storage, options.serializer),
        lookup,
        key or uuid.uuid4().hex,
        options.expiration,
        options.in_memory,
    )


def _format_storage_key(template: str, engine: TaskRunEngine) -> str:
    """`result_storage_key` formatted as Prefect 3 does: with `parameters` (the task's)
    and the `prefect.runtime` modules (`flow_run`, `task_run`, `deployment`), read in the
    task run's context."""
    from prefect import runtime
    from prefect.context import _task_run_ctx

    token = _task_run_ctx.set(engine.context)
    try:
        return template.format(
            parameters=engine.parameters,
            flow_run=runtime.flow_run,
            task_run=runtime.task_run,
            deployment=runtime.deployment,
        )
    finally:
        _task_run_ctx.reset(token)
