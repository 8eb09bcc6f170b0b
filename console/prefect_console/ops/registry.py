"""Every console verb, once: its CLI command, its operation, and where the TUI offers it.

The CLI and the TUI are two shells over the same operations; this table is how the two
stay in step. A test walks the CLI's command tree and fails when a command is missing
here, or when a verb claims a TUI action that the named screen does not bind.
A verb with no place in the TUI says why in `cli_only`.
"""

from __future__ import annotations

from prefect_console.ops import registry_deployments, registry_resources, registry_work_pools
from prefect_console.ops.registry_types import APP, TuiAction, Verb

__all__ = ["APP", "BY_COMMAND", "VERBS", "TuiAction", "Verb", "mutating_actions"]

RUNS = "prefect_console.tui.screens.flow_runs:FlowRunsScreen"
RUN = "prefect_console.tui.screens.flow_run:FlowRunScreen"


VERBS: tuple[Verb, ...] = (
    Verb(
        "flow-run ls",
        "List recent flow runs",
        "prefect_console.ops.flow_runs:list_flow_runs",
        TuiAction(RUNS, "refresh", "r"),
    ),
    Verb(
        "flow-run inspect",
        "Show a flow run, its state and task runs",
        "prefect_console.ops.flow_runs:inspect_flow_run",
        TuiAction(RUNS, "open_run", "enter"),
    ),
    Verb(
        "flow-run logs",
        "Show the logs of a flow run",
        "prefect_console.ops.flow_runs:flow_run_logs",
        TuiAction(RUN, "focus_logs", "l"),
    ),
    Verb(
        "flow-run watch",
        "Follow a flow run's states and logs until it finishes",
        "prefect_console.ops.flow_runs:watch_flow_run",
        TuiAction(RUNS, "watch_run", "w"),
    ),
    Verb(
        "flow-run cancel",
        "Cancel a flow run",
        "prefect_console.ops.flow_runs:cancel_flow_run",
        TuiAction(RUNS, "cancel_runs", "c"),
        mutates=True,
    ),
    Verb(
        "flow-run retry",
        "Schedule a finished flow run of a deployment again",
        "prefect_console.ops.flow_runs:retry_flow_run",
        TuiAction(RUNS, "retry_runs", "R"),
        mutates=True,
    ),
    Verb(
        "flow-run delete",
        "Delete a flow run with its task runs and logs",
        "prefect_console.ops.flow_runs:delete_flow_run",
        TuiAction(RUNS, "delete_runs", "d"),
        mutates=True,
    ),
    Verb(
        "flow ls",
        "List flows",
        "prefect_console.ops.flows:list_flows",
        TuiAction(APP, "show_flows", "F"),
    ),
    Verb(
        "task-run ls",
        "List task runs",
        "prefect_console.ops.task_runs:list_task_runs",
        TuiAction(RUN, "focus_tasks", "t"),
    ),
    Verb(
        "task-run inspect",
        "Show a task run and its state",
        "prefect_console.ops.task_runs:inspect_task_run",
        TuiAction(RUN, "focus_tasks", "t"),
    ),
    Verb(
        "profile ls",
        "List profiles and the active one",
        "prefect_console.ops.profiles:list_profiles",
        TuiAction(APP, "show_profiles", "P"),
    ),
    Verb(
        "profile inspect",
        "Show the settings of a profile",
        "prefect_console.ops.profiles:inspect_profile",
        TuiAction(APP, "show_profiles", "P"),
    ),
    Verb(
        "profile use",
        "Make a profile the active one",
        "prefect_console.ops.profiles:use_profile",
        TuiAction(APP, "switch_profile", "ctrl+o"),
    ),
    Verb(
        "profile create",
        "Create a profile",
        "prefect_console.ops.profiles:create_profile",
        cli_only="edits profiles.toml; the TUI shows and switches profiles",
    ),
    Verb(
        "profile delete",
        "Delete a profile",
        "prefect_console.ops.profiles:delete_profile",
        cli_only="edits profiles.toml; the TUI shows and switches profiles",
    ),
    Verb(
        "profile rename",
        "Rename a profile",
        "prefect_console.ops.profiles:rename_profile",
        cli_only="edits profiles.toml; the TUI shows and switches profiles",
    ),
    Verb(
        "config set",
        "Set settings in the active profile",
        "prefect_console.ops.config:set_settings",
        cli_only="edits profiles.toml; the TUI shows the settings in effect (i)",
    ),
    Verb(
        "config unset",
        "Remove settings from the active profile",
        "prefect_console.ops.config:unset_settings",
        cli_only="edits profiles.toml; the TUI shows the settings in effect (i)",
    ),
    Verb(
        "config validate",
        "Check every profile's settings",
        "prefect_console.ops.config:validate_profiles",
        cli_only="a check of profiles.toml for scripts; the TUI shows the settings in effect (i)",
    ),
    Verb(
        "version",
        "Show the version, API and database in use",
        "prefect_console.ops.system:version_info",
        TuiAction(APP, "show_info", "i"),
    ),
    Verb(
        "config view",
        "Show the settings in effect and their sources",
        "prefect_console.ops.system:config_view",
        TuiAction(APP, "show_info", "i"),
    ),
    Verb(
        "server status",
        "Check that the API answers",
        "prefect_console.ops.system:server_status",
        TuiAction(APP, "show_info", "i"),
    ),
    Verb(
        "server start",
        "Start the API server",
        cli_only="runs a long-lived server process in the foreground; the TUI is its client",
    ),
    Verb(
        "server database reset",
        "Drop and recreate the database",
        mutates=True,
        cli_only="destroys every record; kept to the CLI where it asks for confirmation",
    ),
    Verb(
        "server database upgrade",
        "Apply database migrations",
        mutates=True,
        cli_only="administers the store itself, while no console is attached",
    ),
    Verb(
        "server services ls",
        "List the background services",
        "prefect_server.services:service_rows",
        cli_only="describes the server process's loops, not an object the API serves",
    ),
    Verb(
        "server services start",
        "Run the background services without the API",
        cli_only="runs a long-lived process in the foreground",
    ),
    Verb("ui", "Open the terminal console", cli_only="starts the TUI itself"),
    Verb(
        "worker start",
        "Start a worker for a work pool",
        cli_only="runs a long-lived worker process in the foreground",
    ),
    Verb(
        "flow-run execute",
        "Run a flow run of a deployment in this process",
        cli_only="the process a worker starts for one run, not an operator's action",
    ),
    # each later resource keeps its verbs in a module of its own
    *registry_deployments.VERBS,
    *registry_work_pools.VERBS,
    *registry_resources.VERBS,
)

BY_COMMAND: dict[str, Verb] = {verb.command: verb for verb in VERBS}


def mutating_actions() -> set[tuple[str, str]]:
    """(target, action) pairs that read-only mode must dim."""
    return {(v.tui.target, v.tui.action) for v in VERBS if v.mutates and v.tui is not None}
