"""Operations: one function per console verb, shared by the CLI and the TUI.

Each takes a `prefect.client.orchestration.PrefectClient` and
typed arguments, and returns typed results; nothing here prints or draws.

    async with get_client() as client:
        runs = await list_flow_runs(client, limit=20, state=["Failed"])

`registry.VERBS` lists every verb with its CLI command and its TUI action. The names below
are loaded on first use, so `prefect version` does not pay for the flow-run operations.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prefect_console.ops.errors import ConsoleError, NotFound
    from prefect_console.ops.flow_runs import (
        CancelResult,
        FlowRunDetail,
        WatchEvent,
        cancel_flow_run,
        delete_flow_run,
        flow_names,
        flow_run_logs,
        inspect_flow_run,
        list_flow_runs,
        list_task_runs_of,
        parse_flow_run_id,
        read_flow_run,
        read_logs_page,
        retry_flow_run,
        watch_flow_run,
    )
    from prefect_console.ops.flows import list_flows
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
    from prefect_console.ops.task_runs import inspect_task_run, list_task_runs

_HOMES: dict[str, tuple[str, ...]] = {
    "errors": ("ConsoleError", "NotFound"),
    "flow_runs": (
        "CancelResult",
        "FlowRunDetail",
        "WatchEvent",
        "cancel_flow_run",
        "delete_flow_run",
        "flow_names",
        "flow_run_logs",
        "inspect_flow_run",
        "list_flow_runs",
        "list_task_runs_of",
        "parse_flow_run_id",
        "read_flow_run",
        "read_logs_page",
        "retry_flow_run",
        "watch_flow_run",
    ),
    "flows": ("list_flows",),
    "system": (
        "ConfigView",
        "ServerStatus",
        "VersionInfo",
        "active_profile",
        "api_label",
        "config_view",
        "server_status",
        "version_info",
    ),
    "task_runs": ("inspect_task_run", "list_task_runs"),
}
_MODULE_OF = {name: module for module, names in _HOMES.items() for name in names}

# spelled out (not derived from _HOMES) so type checkers see the exports

__all__ = [
    "CancelResult",
    "ConfigView",
    "ConsoleError",
    "FlowRunDetail",
    "NotFound",
    "ServerStatus",
    "VersionInfo",
    "WatchEvent",
    "active_profile",
    "api_label",
    "cancel_flow_run",
    "config_view",
    "delete_flow_run",
    "flow_names",
    "flow_run_logs",
    "inspect_flow_run",
    "inspect_task_run",
    "list_flow_runs",
    "list_flows",
    "list_task_runs",
    "list_task_runs_of",
    "parse_flow_run_id",
    "read_flow_run",
    "read_logs_page",
    "retry_flow_run",
    "server_status",
    "version_info",
    "watch_flow_run",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
