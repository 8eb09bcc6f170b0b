"""Console verbs that change work pools and work queues. Joined into `registry.VERBS`.

Pool verbs act on the pool under the cursor of `:pools`; queue verbs on the queue under
the cursor of a pool's screen.
"""

from __future__ import annotations

from prefect_console.ops.registry_types import TuiAction, Verb

POOLS = "prefect_console.tui.screens.work_pools:WorkPoolsScreen"
POOL = "prefect_console.tui.screens.work_pools:WorkPoolScreen"

_WP = "prefect_console.ops.work_pool_actions"
_WQ = "prefect_console.ops.work_queue_actions"

VERBS: tuple[Verb, ...] = (
    # -- work pools ---------------------------------------------------------------------
    Verb(
        "work-pool create",
        "Create a work pool (with its type's default base job template)",
        f"{_WP}:create_work_pool",
        TuiAction(POOLS, "create_pool", "n"),
        mutates=True,
    ),
    Verb(
        "work-pool update",
        "Change a work pool's template, description or concurrency limit",
        f"{_WP}:update_work_pool",
        # the TUI edits the description; a template file is the CLI's
        TuiAction(POOLS, "edit_pool", "e"),
        mutates=True,
    ),
    Verb(
        "work-pool pause",
        "Pause a work pool: workers get none of its runs",
        f"{_WP}:pause_work_pool",
        TuiAction(POOLS, "toggle_pause", "p"),
        mutates=True,
    ),
    Verb(
        "work-pool resume",
        "Resume a paused work pool",
        f"{_WP}:resume_work_pool",
        TuiAction(POOLS, "toggle_pause", "p"),
        mutates=True,
    ),
    Verb(
        "work-pool delete",
        "Delete a work pool with its queues",
        f"{_WP}:delete_work_pool",
        TuiAction(POOLS, "delete_pool", "d"),
        mutates=True,
    ),
    Verb(
        "work-pool set-concurrency-limit",
        "Limit the runs of a work pool at once",
        f"{_WP}:set_work_pool_concurrency_limit",
        TuiAction(POOLS, "set_limit", "l"),
        mutates=True,
    ),
    Verb(
        "work-pool clear-concurrency-limit",
        "Remove a work pool's concurrency limit",
        f"{_WP}:clear_work_pool_concurrency_limit",
        TuiAction(POOLS, "clear_limit", "L"),
        mutates=True,
    ),
    Verb(
        "work-pool preview",
        "Show the Scheduled runs a work pool is about to hand out",
        f"{_WP}:preview_work_pool",
        TuiAction(POOLS, "preview_pool", "v"),
    ),
    Verb(
        "work-pool get-default-base-job-template",
        "Print the default base job template of a pool type",
        f"{_WP}:default_template",
        cli_only="writes a JSON document to edit and pass to --base-job-template",
    ),
    # -- work queues --------------------------------------------------------------------
    Verb(
        "work-queue create",
        "Create a work queue in a work pool",
        f"{_WQ}:create_work_queue",
        TuiAction(POOL, "create_queue", "n"),
        mutates=True,
    ),
    Verb(
        "work-queue pause",
        "Pause a work queue",
        f"{_WQ}:pause_work_queue",
        TuiAction(POOL, "toggle_queue_pause", "p"),
        mutates=True,
    ),
    Verb(
        "work-queue resume",
        "Resume a paused work queue",
        f"{_WQ}:resume_work_queue",
        TuiAction(POOL, "toggle_queue_pause", "p"),
        mutates=True,
    ),
    Verb(
        "work-queue delete",
        "Delete a work queue",
        f"{_WQ}:delete_work_queue",
        TuiAction(POOL, "delete_queue", "d"),
        mutates=True,
    ),
    Verb(
        "work-queue set-concurrency-limit",
        "Limit the runs of a work queue at once",
        f"{_WQ}:set_work_queue_concurrency_limit",
        TuiAction(POOL, "set_queue_limit", "l"),
        mutates=True,
    ),
    Verb(
        "work-queue clear-concurrency-limit",
        "Remove a work queue's concurrency limit",
        f"{_WQ}:clear_work_queue_concurrency_limit",
        TuiAction(POOL, "clear_queue_limit", "L"),
        mutates=True,
    ),
)
