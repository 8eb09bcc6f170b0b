"""Resource screens reached by `:` jumps and the palette: one line per resource.

Later resources (deployments, work pools, variables, ...) add a `Resource` here and a
screen module; the app's `show_resource(name)` action and the `:` aliases come from this
table, so no other file has to change for a new screen to be reachable.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Resource:
    name: str  # canonical `:name`, also the argument of the app's `show_resource`
    screen: str  # "module:Class" of its screen
    aliases: tuple[str, ...] = ()


RESOURCES: tuple[Resource, ...] = (
    Resource(
        "deployments",
        "prefect_console.tui.screens.deployments:DeploymentsScreen",
        ("deployment", "deploy", "dep"),
    ),
    Resource(
        "pools",
        "prefect_console.tui.screens.work_pools:WorkPoolsScreen",
        ("work-pools", "work-pool", "workpools", "wp", "pool", "work-queues", "queues", "wq"),
    ),
    Resource(
        "variables", "prefect_console.tui.screens.variables:VariablesScreen", ("var", "vars", "v")
    ),
    Resource("artifacts", "prefect_console.tui.screens.artifacts:ArtifactsScreen", ("art",)),
    Resource(
        "limits",
        "prefect_console.tui.screens.concurrency_limits:ConcurrencyLimitsScreen",
        ("concurrency", "cl", "gcl", "concurrency-limits", "limit"),
    ),
    Resource("events", "prefect_console.tui.screens.events:EventsScreen", ("event", "ev")),
)
