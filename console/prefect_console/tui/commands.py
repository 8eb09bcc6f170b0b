"""`ctrl+p`: every action in one searchable list.

The palette offers the console verbs of the registry (as `prefect ...` commands, so the
CLI is learnt on the way), the keys of the screen underneath, and the `:` jumps. An action
that exists here but does not apply now (read-only mode, no run selected, ...) is listed
dimmed after the others, with the reason as its help; choosing it shows the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

if TYPE_CHECKING:
    from textual.dom import DOMNode

NOT_NOW = "not available here now"


@dataclass(frozen=True)
class Entry:
    label: str
    help: str
    run: Callable[[], Any]
    available: bool = True

    def display(self, shown: Content | str | None = None) -> Content:
        content = Content(shown) if isinstance(shown, str) else shown or Content(self.label)
        return content if self.available else content.stylize("dim")


def _reason(node: DOMNode, action: str) -> str:
    """Why `action` is dimmed on `node`, in the words of the screen that dims it."""
    from prefect_console.tui.screens.base import READ_ONLY_REASON, ConsoleScreen

    if isinstance(node, ConsoleScreen):
        return node.disabled_reason(action) or NOT_NOW
    read_only = getattr(node, "read_only", False)
    return READ_ONLY_REASON if read_only else NOT_NOW


class ConsoleCommands(Provider):
    def _entries(self) -> list[Entry]:
        from prefect_console.ops.registry import APP, VERBS
        from prefect_console.tui.jump import ALIASES
        from prefect_console.tui.keymap import effective_bindings

        app, screen = self.app, self.screen
        here = f"{type(screen).__module__}:{type(screen).__name__}"
        entries: list[Entry] = []
        seen: set[tuple[int, str]] = set()

        def add(label: str, help_text: str, node: DOMNode, action: str) -> None:
            if (id(node), action) in seen:
                return
            seen.add((id(node), action))
            allowed = node.check_action(action, ())
            if allowed is False:  # hidden: it does not exist here at all
                return
            if allowed is None:
                reason = _reason(node, action)
                tell = partial(_tell, node, label, reason)
                entries.append(Entry(label, f"{help_text}: {reason}", tell, available=False))
                return
            entries.append(Entry(label, help_text, partial(app.run_action, action, node)))

        for verb in VERBS:
            if verb.tui is None or verb.tui.target not in {here, APP}:
                continue
            node: DOMNode = app if verb.tui.target == APP else screen
            help_text = f"{verb.summary} ({verb.tui.key})"
            add(f"prefect {verb.command}", help_text, node, verb.tui.action)
        for namespace in (screen, app):
            for key, found in effective_bindings(namespace).key_to_bindings.items():
                for binding in found:
                    if isinstance(binding, Binding) and binding.description:
                        shown = binding.key_display or key
                        add(binding.description, f"key {shown}", namespace, binding.action)
        for alias, (name, action) in ALIASES.items():
            if alias == name:
                add(f":{name}", "jump", app, action)
        # what can be done now first; the dimmed rest after, in the same order
        return [e for e in entries if e.available] + [e for e in entries if not e.available]

    async def discover(self) -> Hits:
        for entry in self._entries():
            yield DiscoveryHit(entry.display(), entry.run, text=entry.label, help=entry.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for entry in self._entries():
            score = max(matcher.match(entry.label), matcher.match(entry.help) * 0.5)
            if score > 0:
                if not entry.available:
                    score *= 0.5  # below every available match
                shown = entry.display(matcher.highlight(entry.label))
                yield Hit(score, shown, entry.run, text=entry.label, help=entry.help)


def _tell(node: DOMNode, label: str, reason: str) -> None:
    node.app.notify(f"{label}: {reason}", severity="warning")
