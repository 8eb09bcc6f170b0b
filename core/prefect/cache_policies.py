"""Cache policies: how a task run's cache key is made from what it was called with.

    from prefect import task
    from prefect.cache_policies import INPUTS, TASK_SOURCE

    @task(cache_policy=INPUTS + TASK_SOURCE, cache_expiration=timedelta(hours=1))
    def fetch(url: str, session: Any) -> bytes: ...

    @task(cache_policy=INPUTS - "session")      # the session does not make a new key
    def fetch2(url: str, session: Any) -> bytes: ...

A run whose key has a record that has not expired is not run: it ends Completed with the
name Cached and the recorded result. Records are files in the result storage, so a hit
works across processes and machines that share it. Policies combine with `+` (every part
feeds the key) and inputs are left out with `-`.

- INPUTS: the task's arguments. TASK_SOURCE: the task function's source code.
- RUN_ID: the flow run (so a cache lasts one flow run). FLOW_PARAMETERS: the flow run's
  parameters. NO_CACHE (alias NONE): never cache. DEFAULT = INPUTS + TASK_SOURCE + RUN_ID.

As in Prefect 3, caching acts only when results are persisted: setting a cache policy or
`cache_key_fn` turns persistence on for that task; otherwise PREFECT_RESULTS_PERSIST_BY_DEFAULT
decides (off by default, so plain tasks are never cached).
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prefect.context import TaskRunContext

__all__ = [
    "DEFAULT",
    "FLOW_PARAMETERS",
    "INPUTS",
    "NONE",
    "NO_CACHE",
    "RUN_ID",
    "TASK_SOURCE",
    "CacheKeyFnPolicy",
    "CachePolicy",
    "CompoundCachePolicy",
    "FlowParameters",
    "Inputs",
    "RunId",
    "TaskSource",
    "hash_objects",
]


def hash_objects(*objects: Any) -> str | None:
    """A stable hex digest of `objects`: JSON when they are plain data, else their
    (cloud)pickle. None when they can be neither (the run is then not cached)."""
    try:
        material = json.dumps(objects, sort_keys=True, default=_json_default).encode()
    except (TypeError, ValueError):
        try:
            import cloudpickle

            material = cloudpickle.dumps(objects)
        except Exception:
            return None
    return hashlib.sha256(material).hexdigest()


def _json_default(value: Any) -> Any:
    # only types whose JSON form is stable; anything else goes to pickle
    import datetime
    import uuid
    from pathlib import PurePath

    if isinstance(value, datetime.date | datetime.time | uuid.UUID | PurePath):
        return f"{type(value).__name__}:{value}"
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(type(value).__name__)


class CachePolicy:
    """Makes the cache key of a task run, or None when the run should not be cached."""

    def compute_key(
        self,
        task_ctx: TaskRunContext,
        inputs: dict[str, Any],
        flow_parameters: dict[str, Any],
        **kwargs: Any,
    ) -> str | None:
        raise NotImplementedError

    def __add__(self, other: CachePolicy) -> CachePolicy:
        if not isinstance(other, CachePolicy):
            return NotImplemented
        if isinstance(other, _NoCache):
            return self
        if isinstance(self, _NoCache):
            return other
        return CompoundCachePolicy(policies=[*_parts(self), *_parts(other)])

    def __sub__(self, name: str) -> CachePolicy:
        if not isinstance(name, str):
            raise TypeError("Only input names (strings) can be left out of a cache policy")
        return self

    @classmethod
    def from_cache_key_fn(
        cls, cache_key_fn: Callable[[TaskRunContext, dict[str, Any]], str | None]
    ) -> CacheKeyFnPolicy:
        return CacheKeyFnPolicy(cache_key_fn=cache_key_fn)


def _parts(policy: CachePolicy) -> list[CachePolicy]:
    return list(policy.policies) if isinstance(policy, CompoundCachePolicy) else [policy]


@dataclass
class CacheKeyFnPolicy(CachePolicy):
    """A key from a function of the run context and the parameters (`cache_key_fn`)."""

    cache_key_fn: Callable[[TaskRunContext, dict[str, Any]], str | None] | None = None

    def compute_key(
        self,
        task_ctx: TaskRunContext,
        inputs: dict[str, Any],
        flow_parameters: dict[str, Any],
        **kwargs: Any,
    ) -> str | None:
        if self.cache_key_fn is None:
            return None
        return self.cache_key_fn(task_ctx, inputs)


@dataclass
class CompoundCachePolicy(CachePolicy):
    """Several policies at once: the key covers all their keys."""

    policies: list[CachePolicy] = field(default_factory=list)

    def compute_key(
        self,
        task_ctx: TaskRunContext,
        inputs: dict[str, Any],
        flow_parameters: dict[str, Any],
        **kwargs: Any,
    ) -> str | None:
        keys = [p.compute_key(task_ctx, inputs, flow_parameters, **kwargs) for p in self.policies]
        present = [k for k in keys if k is not None]
        return hash_objects(*present) if present else None

    def __sub__(self, name: str) -> CachePolicy:
        return CompoundCachePolicy(policies=[p - name for p in self.policies])


@dataclass
class Inputs(CachePolicy):
    """The task's arguments, except those named in `exclude`."""

    exclude: list[str] = field(default_factory=list)

    def compute_key(
        self,
        task_ctx: TaskRunContext,
        inputs: dict[str, Any],
        flow_parameters: dict[str, Any],
        **kwargs: Any,
    ) -> str | None:
        kept = {k: v for k, v in inputs.items() if k not in self.exclude}
        return hash_objects(kept)

    def __sub__(self, name: str) -> CachePolicy:
        if not isinstance(name, str):
            raise TypeError("Only input names (strings) can be left out of a cache policy")
        return Inputs(exclude=[*self.exclude, name])


@dataclass
class TaskSource(CachePolicy):
    """The source code of the task function (its bytecode when the source is not found)."""

    def compute_key(
        self,
        task_ctx: TaskRunContext,
        inputs: dict[str, Any],
        flow_parameters: dict[str, Any],
        **kwargs: Any,
    ) -> str | None:
        fn = task_ctx.task.fn
        try:
            source: Any = inspect.getsource(fn)
        except (OSError, TypeError):
            code = getattr(fn, "__code__", None)
            source = code.co_code.hex() if code is not None else fn.__qualname__
        return hash_objects(source)


@dataclass
class FlowParameters(CachePolicy):
    """The parameters of the flow run the task runs in."""

    def compute_key(
        self,
        task_ctx: TaskRunContext,
        inputs: dict[str, Any],
        flow_parameters: dict[str, Any],
        **kwargs: Any,
    ) -> str | None:
        return hash_objects(flow_parameters) if flow_parameters else None


@dataclass
class RunId(CachePolicy):
    """The flow run (the task run itself outside a flow): a cache for one run only."""

    def compute_key(
        self,
        task_ctx: TaskRunContext,
        inputs: dict[str, Any],
        flow_parameters: dict[str, Any],
        **kwargs: Any,
    ) -> str | None:
        run = task_ctx.task_run
        return str(run.flow_run_id or run.id)


@dataclass
class _NoCache(CachePolicy):
    """Never cache."""

    def compute_key(
        self,
        task_ctx: TaskRunContext,
        inputs: dict[str, Any],
        flow_parameters: dict[str, Any],
        **kwargs: Any,
    ) -> str | None:
        return None


INPUTS = Inputs()
TASK_SOURCE = TaskSource()
RUN_ID = RunId()
FLOW_PARAMETERS = FlowParameters()
NO_CACHE = _NoCache()
NONE = NO_CACHE
DEFAULT = INPUTS + TASK_SOURCE + RUN_ID
