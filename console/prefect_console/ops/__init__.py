"""Operations: one function per console verb, shared by the CLI and the TUI.

Each takes a `prefect.client.orchestration.PrefectClient` and
typed arguments, and returns typed results; nothing here prints or draws.

    async with get_client() as client:
        runs = await list_flow_runs(client, limit=20, state=["Failed"])

`registry.VERBS` lists every verb with its CLI command and its TUI action.
"""

from prefect_console.ops.errors import ConsoleError, NotFound
from prefect_console.ops.flow_runs import (
    FlowRunDetail,
    flow_names,
    flow_run_logs,
    inspect_flow_run,
    list_flow_runs,
    list_task_runs_of,
    parse_flow_run_id,
    read_flow_run,
    read_logs_page,
)
from prefect_console.ops.system import (
    ConfigView,
    ServerStatus,
    VersionInfo,
    active_profile,
    api_label,
    config_view,
    server_status,
    version_info,
)

__all__ = [
    "ConfigView",
    "ConsoleError",
    "FlowRunDetail",
    "NotFound",
    "ServerStatus",
    "VersionInfo",
    "active_profile",
    "api_label",
    "config_view",
    "flow_names",
    "flow_run_logs",
    "inspect_flow_run",
    "list_flow_runs",
    "list_task_runs_of",
    "parse_flow_run_id",
    "read_flow_run",
    "read_logs_page",
    "server_status",
    "version_info",
]
