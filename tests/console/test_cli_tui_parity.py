"""Every CLI verb is a TUI action, or the registry says why it is CLI-only."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest
from prefect_console.cli.main import app
from prefect_console.ops.registry import BY_COMMAND, VERBS, TuiAction, Verb
from textual.binding import Binding
from typer.main import get_command


def cli_verbs() -> Iterator[str]:
    """Paths of the leaf commands of the CLI (`flow-run ls`, `server database reset`...)."""

    def walk(command: object, prefix: tuple[str, ...]) -> Iterator[str]:
        sub = getattr(command, "commands", None)
        if not sub:
            yield " ".join(prefix)
            return
        for name, child in sub.items():
            yield from walk(child, (*prefix, name))

    yield from walk(get_command(app), ())


def resolve(target: str) -> type:
    module, _, name = target.partition(":")
    cls = getattr(importlib.import_module(module), name)
    assert isinstance(cls, type)
    return cls


def test_every_cli_verb_is_in_the_registry() -> None:
    missing = sorted(set(cli_verbs()) - set(BY_COMMAND))
    assert not missing, f"CLI verbs missing from ops.registry.VERBS: {missing}"


def test_every_registered_verb_is_a_cli_verb() -> None:
    stale = sorted(set(BY_COMMAND) - set(cli_verbs()))
    assert not stale, f"registry entries with no CLI command: {stale}"


@pytest.mark.parametrize("verb", VERBS, ids=lambda v: v.command)
def test_verb_is_a_tui_action_or_says_why_not(verb: Verb) -> None:
    assert (verb.tui is None) != (verb.cli_only is None), (
        f"{verb.command}: give exactly one of a TUI action or a cli_only reason"
    )
    if verb.operation is not None:
        module, _, name = verb.operation.partition(":")
        assert callable(getattr(importlib.import_module(module), name))


@pytest.mark.parametrize("verb", [v for v in VERBS if v.tui], ids=lambda v: str(v.command))
def test_tui_action_exists_and_is_bound(verb: Verb) -> None:
    tui = verb.tui
    assert isinstance(tui, TuiAction)
    cls = resolve(tui.target)
    assert callable(getattr(cls, f"action_{tui.action}", None)), f"{cls} lacks {tui.action}"
    bindings = [b for b in getattr(cls, "BINDINGS", []) if isinstance(b, Binding)]
    keys = {key.strip(): b.action for b in bindings for key in b.key.split(",")}
    assert keys.get(tui.key) == tui.action, f"{tui.key!r} is not bound to {tui.action} on {cls}"
