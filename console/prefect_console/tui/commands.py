"""`ctrl+p`: every action in one searchable list.

The palette offers the console verbs of the registry (as `prefect ...` commands, so the
CLI is learnt on the way), the keys of the screen underneath, and the `:` jumps. An action
that does not apply now is left out of the list.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from textual.dom import DOMNode

Entry = tuple[str, str, Callable[[], Any]]  # label, help, run


class ConsoleCommands(Provider):
    def _entries(self) -> list[Entry]:
        from prefect_console.ops.registry import APP, VERBS
        from prefect_console.tui.jump import ALIASES

        app, screen = self.app, self.screen
        here = f"{type(screen).__module__}:{type(screen).__name__}"
        entries: list[Entry] = []
        seen: set[tuple[int, str]] = set()

        def add(label: str, help_text: str, node: DOMNode, action: str) -> None:
            if (id(node), action) in seen:
                return
            seen.add((id(node), action))
            if node.check_action(action, ()) is not True:
                return
            entries.append((label, help_text, partial(app.run_action, action, node)))

        for verb in VERBS:
            if verb.tui is None or verb.tui.target not in {here, APP}:
                continue
            node: DOMNode = app if verb.tui.target == APP else screen
            help_text = f"{verb.summary} ({verb.tui.key})"
            add(f"prefect {verb.command}", help_text, node, verb.tui.action)
        for namespace, bindings in (
            (screen, screen._bindings.key_to_bindings),
            (app, app._bindings.key_to_bindings),
        ):
            for key, found in bindings.items():
                for binding in found:
                    if isinstance(binding, Binding) and binding.description:
                        shown = binding.key_display or key
                        add(binding.description, f"key {shown}", namespace, binding.action)
        for alias, (name, action) in ALIASES.items():
            if alias == name:
                add(f":{name}", "jump", app, action)
        return entries

    async def discover(self) -> Hits:
        for label, help_text, run in self._entries():
            yield DiscoveryHit(label, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, help_text, run in self._entries():
            score = max(matcher.match(label), matcher.match(help_text) * 0.5)
            if score > 0:
                yield Hit(score, matcher.highlight(label), run, help=help_text)
