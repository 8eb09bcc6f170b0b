"""Command groups loaded when used: `prefect --help` imports none of them.

The root group knows each group by name, module and one-line help (`GROUPS`). A group's
module is imported, and its click command built, only when something asks for it by
name: running one of its commands, its own `--help`, shell completion, or a test walking
the tree. The root's help lists the groups from the table alone.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typer._click import Command

# name -> (module with a `typer.Typer` named `app`, its help line); the order is the help's
GROUPS: dict[str, tuple[str, str]] = {
    "flow": ("prefect_console.cli.flow", "View flows."),
    "flow-run": ("prefect_console.cli.flow_run", "Inspect and act on flow runs."),
    "task-run": ("prefect_console.cli.task_run", "View task runs."),
    "deployment": ("prefect_console.cli.deployment", "View, run and manage deployments."),
    "work-pool": ("prefect_console.cli.work_pool", "Manage work pools, their queues and workers."),
    "work-queue": ("prefect_console.cli.work_queue", "Manage work queues."),
    "worker": ("prefect_console.cli.worker", "Start a worker for a work pool."),
    "variable": ("prefect_console.cli.variable", "Manage variables."),
    "artifact": ("prefect_console.cli.artifact", "Inspect and delete artifacts."),
    "concurrency-limit": (
        "prefect_console.cli.concurrency_limit",
        "Manage task-level concurrency limits.",
    ),
    "global-concurrency-limit": (
        "prefect_console.cli.global_concurrency_limit",
        "Manage global concurrency limits.",
    ),
    "events": ("prefect_console.cli.events", "Stream events."),
    "profile": ("prefect_console.cli.profile", "Create, switch and edit profiles."),
    "config": ("prefect_console.cli.config", "View and change settings."),
    "server": ("prefect_console.cli.server", "Start and administer the API server."),
}


def load_group(name: str) -> Command:
    import typer.main

    module = importlib.import_module(GROUPS[name][0])
    # get_group, not get_command: a group with one command must stay a group (`flow ls`)
    group = typer.main.get_group(module.app)
    group.name = name
    _plain_help(group)
    return group


def _plain_help(command: Command) -> None:
    """Plain click help, as the root's: rich's help renderer costs ~100 ms to import."""
    if hasattr(command, "rich_markup_mode"):
        command.rich_markup_mode = None
    for child in getattr(command, "commands", {}).values():
        _plain_help(child)


class LazyCommands(MutableMapping[str, "Command"]):
    """The root's commands: the eager ones as given, the groups built on first access."""

    def __init__(self, eager: MutableMapping[str, Command], lazy: dict[str, tuple[str, str]]):
        self._loaded: dict[str, Command] = dict(eager)
        self._lazy = dict(lazy)

    def is_loaded(self, name: str) -> bool:
        return name in self._loaded

    def __getitem__(self, name: str) -> Command:
        if name not in self._loaded:
            if name not in self._lazy:
                raise KeyError(name)
            self._loaded[name] = load_group(name)
        return self._loaded[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        self._loaded.pop(name, None)
        self._lazy.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        yield from self._loaded
        yield from (name for name in self._lazy if name not in self._loaded)

    def __len__(self) -> int:
        return len(set(self._loaded) | set(self._lazy))
