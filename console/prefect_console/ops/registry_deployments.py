"""Console verbs: deployments, work pools and work queues. Joined into `registry.VERBS`."""

from __future__ import annotations

from prefect_console.ops.registry_types import Verb

VERBS: tuple[Verb, ...] = ()
