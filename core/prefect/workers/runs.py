"""What a worker keeps: its timings (`WorkerSettings`) and each run it took (`RunHandle`)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prefect.schemas.objects import FlowRun


@dataclass
class WorkerSettings:
    """The worker's timings, from PREFECT_WORKER_* unless given."""

    heartbeat_seconds: float
    query_seconds: float
    prefetch_seconds: float
    cancel_grace_seconds: float

    @classmethod
    def current(cls, **given: float | None) -> WorkerSettings:
        from prefect.settings import get_current_settings

        settings = get_current_settings()
        values: dict[str, float] = {}
        for spec in fields(cls):
            chosen = given.get(spec.name)
            if chosen is None:
                chosen = settings.value_of(f"PREFECT_WORKER_{spec.name.upper()}")
            values[spec.name] = float(chosen)
        return cls(**values)


@dataclass
class RunHandle:
    """One run this worker took: its infrastructure and where its cancellation stands."""

    flow_run: FlowRun
    pid: int | None = None
    infrastructure: Any = None
    cancel_requested: bool = False
    killed: bool = False
    # the worker is stopping and ends this run
    abandoned: bool = False
    started_at: float = field(default_factory=time.monotonic)

    @property
    def id(self) -> uuid.UUID:
        return self.flow_run.id

    @property
    def started(self) -> bool:
        """Its infrastructure exists (a container or a job has no pid, only `infrastructure`)."""
        return self.pid is not None or self.infrastructure is not None
