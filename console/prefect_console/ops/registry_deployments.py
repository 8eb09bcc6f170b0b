"""Console verbs: deployments, work pools and work queues. Joined into `registry.VERBS`."""

from __future__ import annotations

from prefect_console.ops.registry_types import TuiAction, Verb

DEPLOYMENTS = "prefect_console.tui.screens.deployments:DeploymentsScreen"
DEPLOYMENT = "prefect_console.tui.screens.deployments:DeploymentScreen"
SCHEDULES = "prefect_console.tui.screens.deployment_actions:SchedulesScreen"
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
    # deployment verbs of issue 6: the deployments screens' actions, or why CLI-only
    Verb(
        "deploy",
        "Create or update a deployment from an entrypoint or prefect.yaml",
        "prefect_console.ops.deploy:register_spec",
        cli_only="imports the flow's code from this folder; the TUI runs deployments",
        mutates=True,
    ),
    Verb("init", "Write a starter prefect.yaml", cli_only="writes a file in this folder"),
    Verb(
        "deployment build",
        "Write a deployment's YAML file without touching the API",
        cli_only="imports the flow's code and writes a local file",
    ),
    Verb(
        "deployment apply",
        "Register the deployments of YAML files",
        "prefect_console.ops.deploy:register_spec",
        cli_only="reads local files written by `deployment build`",
        mutates=True,
    ),
    Verb(
        "deployment run",
        "Create a run of a deployment",
        "prefect_console.ops.deployment_actions:run_deployment",
        TuiAction(DEPLOYMENTS, "run_deployment", "x"),
        mutates=True,
    ),
    Verb(
        "deployment delete",
        "Delete a deployment",
        "prefect_console.ops.deployment_actions:delete_deployment",
        TuiAction(DEPLOYMENTS, "delete_deployment", "d"),
        mutates=True,
    ),
    Verb(
        "deployment pause",
        "Pause a deployment's scheduling",
        "prefect_console.ops.deployment_actions:pause_deployment",
        TuiAction(DEPLOYMENTS, "toggle_pause", "p"),
        mutates=True,
    ),
    Verb(
        "deployment resume",
        "Resume a paused deployment",
        "prefect_console.ops.deployment_actions:resume_deployment",
        TuiAction(DEPLOYMENTS, "toggle_pause", "p"),
        mutates=True,
    ),
    Verb(
        "deployment backfill",
        "Create the runs a deployment's schedules would have made in a past window",
        "prefect_console.ops.deployment_actions:backfill",
        # a dry run lists the dates before a yes creates them
        TuiAction(DEPLOYMENTS, "backfill", "b"),
        mutates=True,
    ),
    Verb(
        "deployment schedule ls",
        "List a deployment's schedules",
        "prefect_console.ops.deployment_actions:list_schedules",
        TuiAction(DEPLOYMENT, "show_schedules", "S"),
    ),
    Verb(
        "deployment schedule create",
        "Add a schedule to a deployment",
        "prefect_console.ops.deployment_actions:create_schedule",
        TuiAction(SCHEDULES, "create_schedule", "n"),
        mutates=True,
    ),
    Verb(
        "deployment schedule delete",
        "Delete a deployment's schedule",
        "prefect_console.ops.deployment_actions:delete_schedule",
        TuiAction(SCHEDULES, "delete_schedule", "d"),
        mutates=True,
    ),
    Verb(
        "deployment schedule pause",
        "Switch a schedule off",
        "prefect_console.ops.deployment_actions:set_schedule_active",
        TuiAction(SCHEDULES, "toggle_schedule", "p"),
        mutates=True,
    ),
    Verb(
        "deployment schedule resume",
        "Switch a schedule on",
        "prefect_console.ops.deployment_actions:set_schedule_active",
        TuiAction(SCHEDULES, "toggle_schedule", "p"),
        mutates=True,
    ),
    Verb(
        "deployment schedule clear",
        "Delete every schedule of a deployment",
        "prefect_console.ops.deployment_actions:clear_schedules",
        cli_only="the schedules list deletes them one by one (`d`), each after a question",
        mutates=True,
    ),
    Verb(
        "flow-run create",
        "Run a flow here (an entrypoint) or through its deployment (a flow name)",
        "prefect_console.ops.deployment_actions:run_deployment",
        cli_only="runs the flow's code in this process, or a deployment run as `deployment run`",
        mutates=True,
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
