"""Resource screens reached by `:` jumps and the palette: one line per resource.

Later resources (deployments, work pools, variables, ...) add a `Resource` here and a
screen module; the app's `show_resource(name)` action and the `:` aliases come from this
table, so no other file has to change for a new screen to be reachable.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Resource:
    name: str  # canonical `:name`, also the argument of the app's `show_resource`
    screen: str  # "module:Class" of its screen
    aliases: tuple[str, ...] = ()


RESOURCES: tuple[Resource, ...] = ()
