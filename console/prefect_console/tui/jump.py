"""`:` jumps: resource names and their aliases, resolved to app actions."""

from __future__ import annotations

from prefect_console.tui.resources import RESOURCES

# alias -> (canonical name, app action)
ALIASES: dict[str, tuple[str, str]] = {}


for _names, _action in (
    (("runs", "run", "flow-runs", "flowruns", "fr"), "show_runs"),
    (("flows", "flow", "f"), "show_flows"),
    (("dash", "dashboard", "d", "home"), "show_dashboard"),
    (("profiles", "profile", "prof", "p"), "show_profiles"),
    (("logs", "log", "l"), "open_logs"),
    (("help", "h", "?"), "help"),
    (("info", "version", "config"), "show_info"),
    (("q", "quit", "exit"), "quit"),
):
    for _name in _names:
        ALIASES[_name] = (_names[0], _action)
for _resource in RESOURCES:
    for _name in (_resource.name, *_resource.aliases):
        ALIASES[_name] = (_resource.name, f"show_resource({_resource.name!r})")


def resolve(text: str) -> str | None:
    """The app action for `text` (`runs`, `:flows`, `fr`...), or None when unknown."""
    word = text.strip().lstrip(":").strip().lower()
    if word in ALIASES:
        return ALIASES[word][1]
    matches = {action for name, (_c, action) in ALIASES.items() if name.startswith(word)}
    return matches.pop() if word and len(matches) == 1 else None
