"""Console verbs: deployments, work pools and work queues. Joined into `registry.VERBS`."""

from __future__ import annotations

from prefect_console.ops.registry_types import TuiAction, Verb

DEPLOYMENTS = "prefect_console.tui.screens.deployments:DeploymentsScreen"
POOLS = "prefect_console.tui.screens.work_pools:WorkPoolsScreen"
POOL = "prefect_console.tui.screens.work_pools:WorkPoolScreen"

VERBS: tuple[Verb, ...] = (
    Verb(
        "deployment ls",
        "List deployments",
        "prefect_console.ops.deployments:list_deployments",
        TuiAction(DEPLOYMENTS, "refresh", "r"),
    ),
    Verb(
        "deployment inspect",
        "Show a deployment: schedules, parameters, job variables",
        "prefect_console.ops.deployments:inspect_deployment",
        TuiAction(DEPLOYMENTS, "open_deployment", "enter"),
    ),
    Verb(
        "work-pool ls",
        "List work pools",
        "prefect_console.ops.work_pools:list_work_pools",
        TuiAction(POOLS, "refresh", "r"),
    ),
    Verb(
        "work-pool inspect",
        "Show a work pool with its queues and workers",
        "prefect_console.ops.work_pools:inspect_work_pool",
        TuiAction(POOLS, "open_pool", "enter"),
    ),
    Verb(
        "work-queue ls",
        "List work queues",
        "prefect_console.ops.work_pools:list_work_queues",
        # a pool's screen is the list of its queues
        TuiAction(POOL, "refresh", "r"),
    ),
    Verb(
        "work-queue inspect",
        "Show a work queue and its health",
        "prefect_console.ops.work_pools:inspect_work_queue",
        TuiAction(POOL, "inspect_queue", "enter"),
    ),
)
