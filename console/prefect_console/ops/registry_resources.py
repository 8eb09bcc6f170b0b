"""Console verbs: variables, artifacts, concurrency limits and events.

Joined into `registry.VERBS`.
"""

from __future__ import annotations

from prefect_console.ops.registry_types import TuiAction, Verb

VARIABLES = "prefect_console.tui.screens.variables:VariablesScreen"
ARTIFACTS = "prefect_console.tui.screens.artifacts:ArtifactsScreen"
LIMITS = "prefect_console.tui.screens.concurrency_limits:ConcurrencyLimitsScreen"
EVENTS = "prefect_console.tui.screens.events:EventsScreen"

_VAR = "prefect_console.ops.variables"
_ART = "prefect_console.ops.artifacts"
_CL = "prefect_console.ops.concurrency_limits"

VERBS: tuple[Verb, ...] = (
    # -- variables ----------------------------------------------------------------------
    Verb(
        "variable ls",
        "List variables",
        f"{_VAR}:list_variables",
        TuiAction(VARIABLES, "refresh", "r"),
    ),
    Verb(
        "variable inspect",
        "Show a variable",
        f"{_VAR}:read_variable",
        TuiAction(VARIABLES, "inspect_variable", "enter"),
    ),
    Verb(
        "variable get",
        "Print a variable's value",
        f"{_VAR}:read_variable",
        TuiAction(VARIABLES, "inspect_variable", "enter"),
    ),
    Verb(
        "variable set",
        "Set a variable (an existing one with --overwrite)",
        f"{_VAR}:set_variable",
        TuiAction(VARIABLES, "set_variable", "n"),
        mutates=True,
    ),
    Verb(
        "variable unset",
        "Delete a variable",
        f"{_VAR}:unset_variable",
        TuiAction(VARIABLES, "unset_variable", "d"),
        mutates=True,
    ),
    Verb(
        "variable delete",
        "Delete a variable (the same as unset)",
        f"{_VAR}:unset_variable",
        TuiAction(VARIABLES, "unset_variable", "d"),
        mutates=True,
    ),
    # -- artifacts ----------------------------------------------------------------------
    Verb(
        "artifact ls",
        "List the latest artifact of each key (--all: every version)",
        f"{_ART}:list_artifacts",
        TuiAction(ARTIFACTS, "refresh", "r"),
    ),
    Verb(
        "artifact inspect",
        "Show the versions of an artifact key",
        f"{_ART}:inspect_artifact",
        TuiAction(ARTIFACTS, "inspect_artifact", "enter"),
    ),
    Verb(
        "artifact delete",
        "Delete every version of a key, or one artifact by id",
        f"{_ART}:delete_artifacts_with_key",
        TuiAction(ARTIFACTS, "delete_artifact", "d"),
        mutates=True,
    ),
    # -- concurrency limits by tag (v1) -------------------------------------------------
    Verb(
        "concurrency-limit ls",
        "List task-run concurrency limits by tag",
        f"{_CL}:list_concurrency_limits",
        TuiAction(LIMITS, "refresh", "r"),
    ),
    Verb(
        "concurrency-limit inspect",
        "Show a tag's limit and the task runs holding its slots",
        f"{_CL}:read_concurrency_limit",
        TuiAction(LIMITS, "inspect_limit", "enter"),
    ),
    Verb(
        "concurrency-limit create",
        "Limit the task runs carrying a tag",
        f"{_CL}:create_concurrency_limit",
        TuiAction(LIMITS, "create_tag_limit", "c"),
        mutates=True,
    ),
    Verb(
        "concurrency-limit reset",
        "Free every slot of a tag's limit",
        f"{_CL}:reset_concurrency_limit",
        TuiAction(LIMITS, "reset_limit", "x"),
        mutates=True,
    ),
    Verb(
        "concurrency-limit delete",
        "Delete a tag's limit",
        f"{_CL}:delete_concurrency_limit",
        TuiAction(LIMITS, "delete_limit", "d"),
        mutates=True,
    ),
    # -- global concurrency limits (v2) -------------------------------------------------
    Verb(
        "global-concurrency-limit ls",
        "List global concurrency limits",
        f"{_CL}:list_global_limits",
        TuiAction(LIMITS, "refresh", "r"),
    ),
    Verb(
        "global-concurrency-limit inspect",
        "Show a global concurrency limit",
        f"{_CL}:read_global_limit",
        TuiAction(LIMITS, "inspect_limit", "enter"),
    ),
    Verb(
        "global-concurrency-limit create",
        "Create a global concurrency limit",
        f"{_CL}:create_global_limit",
        TuiAction(LIMITS, "create_global_limit", "C"),
        mutates=True,
    ),
    Verb(
        "global-concurrency-limit update",
        "Change a global concurrency limit",
        f"{_CL}:update_global_limit",
        TuiAction(LIMITS, "edit_limit", "e"),
        mutates=True,
    ),
    Verb(
        "global-concurrency-limit enable",
        "Make a global concurrency limit active",
        f"{_CL}:enable_global_limit",
        TuiAction(LIMITS, "toggle_active", "a"),
        mutates=True,
    ),
    Verb(
        "global-concurrency-limit disable",
        "Make a global concurrency limit inactive",
        f"{_CL}:disable_global_limit",
        TuiAction(LIMITS, "toggle_active", "a"),
        mutates=True,
    ),
    Verb(
        "global-concurrency-limit delete",
        "Delete a global concurrency limit",
        f"{_CL}:delete_global_limit",
        TuiAction(LIMITS, "delete_limit", "d"),
        mutates=True,
    ),
    # -- events -------------------------------------------------------------------------
    Verb(
        "events stream",
        "Follow the live events of the API server",
        "prefect_console.ops.events:stream_events",
        TuiAction(EVENTS, "toggle_pause", "p"),
    ),
)
