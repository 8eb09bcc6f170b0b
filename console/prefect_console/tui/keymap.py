"""User keymaps: `$PREFECT_HOME/keymap.toml` rebinds the console's keys.

Every key of the console has a binding id (`runs.cancel`, `run.follow`, `app.quit`, ...;
`prefect ui --keys` lists them). The file maps ids to keys, comma-separated for
several, in sections or as dotted names, which TOML treats alike:

    [runs]
    cancel = "x"
    delete = "ctrl+d"

    app.quit = "ctrl+q"

A bad file never stops the console: the keys it could read apply, and what it could not
(a TOML error, an unknown id, a value that is not a key string) is shown as a notice.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.binding import BindingsMap
    from textual.dom import DOMNode

FILE_NAME = "keymap.toml"


@dataclass
class Keymap:
    """What the file asked for (`keys`, by binding id) and what it got wrong (`problems`)."""

    path: Path
    keys: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def keymap_path() -> Path:
    from prefect.settings import get_current_settings

    return get_current_settings().home / FILE_NAME


def _flatten(table: Mapping[str, Any], prefix: str = "") -> Iterable[tuple[str, Any]]:
    for name, value in table.items():
        if isinstance(value, Mapping):
            yield from _flatten(value, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", value


def load_keymap(path: Path | None = None) -> Keymap:
    """Read the keymap file; a missing file is an empty keymap, not a problem."""
    path = keymap_path() if path is None else path
    keymap = Keymap(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return keymap
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        keymap.problems.append(f"{path}: not read ({exc}); default keys apply")
        return keymap
    for binding_id, keys in _flatten(data):
        text = keys.strip() if isinstance(keys, str) else ""
        if not text or any(not part.strip() for part in text.split(",")):
            keymap.problems.append(
                f'{path}: {binding_id} = {keys!r} is not a key (e.g. "x" or "ctrl+x,f5")'
            )
            continue
        keymap.keys[binding_id] = ",".join(part.strip() for part in text.split(","))
    return keymap


def known_binding_ids() -> dict[str, str]:
    """Every binding id of the console with its default keys (imports every screen)."""
    from textual.binding import Binding

    from prefect_console.tui.app import ConsoleApp
    from prefect_console.tui.screens import all_screen_classes

    found: dict[str, str] = {}
    owners: list[type[DOMNode]] = [ConsoleApp, *all_screen_classes()]
    for owner in owners:
        for binding in owner.BINDINGS:
            if isinstance(binding, Binding) and binding.id is not None:
                found.setdefault(binding.id, binding.key)
    return found


def unknown_ids(keymap: Keymap, known: Iterable[str]) -> list[str]:
    """A problem line per id the console does not have, naming the closest known ones."""
    import difflib

    known = list(known)
    problems = []
    for binding_id in keymap.keys:
        if binding_id in known:
            continue
        close = difflib.get_close_matches(binding_id, known, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        problems.append(f"{keymap.path}: unknown key binding {binding_id!r}{hint}")
    return problems


def _screen_binding_keys() -> list[dict[str, list[str]]]:
    """Per screen: every binding id active there (the app's too) with its default keys."""
    from prefect_console.tui.app import ConsoleApp
    from prefect_console.tui.screens import all_screen_classes

    app_map = ConsoleApp._merge_bindings()
    chains = []
    for screen in all_screen_classes():
        ids: dict[str, list[str]] = {}
        for bindings in (screen._merge_bindings(), app_map):
            for key, found in bindings.key_to_bindings.items():
                for binding in found:
                    if binding.id is not None:
                        ids.setdefault(binding.id, []).append(key)
        chains.append(ids)
    return chains


def taken_keys(keymap: Keymap) -> list[str]:
    """A problem line per binding that loses its only keys to a key the keymap gave away.

    Textual drops the old binding of a key silently when a keymap reuses it on the same
    screen; the operator should hear which action no longer has a key.
    """
    from textual.keys import _normalize_key_list

    wanted = {bid: set(_normalize_key_list(keys).split(",")) for bid, keys in keymap.keys.items()}
    problems: dict[str, str] = {}
    for chain in _screen_binding_keys():
        for binding_id, keys in chain.items():
            if binding_id in wanted or binding_id in problems:
                continue
            for taker, new_keys in wanted.items():
                if taker in chain and taker != binding_id and set(keys) <= new_keys:
                    problems[binding_id] = (
                        f"{keymap.path}: {binding_id} ({', '.join(keys)}) lost its key to "
                        f"{taker}; give it another one in the keymap"
                    )
    return list(problems.values())


def effective_bindings(node: DOMNode) -> BindingsMap:
    """`node`'s bindings with the app's keymap applied, as the footer shows them."""
    bindings = node._bindings.copy()
    keymap = node.app._keymap
    if keymap:
        bindings.apply_keymap(keymap)
    return bindings


def describe_keys(path: Path | None = None) -> str:
    """Every binding id with its key now (the keymap's where it sets one), one per line."""
    keymap = load_keymap(path)
    known = known_binding_ids()
    lines = [f"# {keymap.path}"]
    for binding_id, default in sorted(known.items()):
        key = keymap.keys.get(binding_id, default)
        note = f"  # default {default}" if binding_id in keymap.keys else ""
        lines.append(f"{binding_id} = {key!r}{note}".replace("'", '"'))
    problems = [*keymap.problems, *unknown_ids(keymap, known), *taken_keys(keymap)]
    lines.extend(f"# problem: {problem}" for problem in problems)
    return "\n".join(lines) + "\n"
