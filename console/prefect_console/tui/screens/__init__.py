"""One screen per resource; each `.tcss` beside its module."""

from __future__ import annotations

import importlib
import pkgutil

from textual.screen import Screen


def all_screen_classes() -> list[type[Screen[object]]]:
    """Every screen class of the console (imports each screen module), for the keymap check."""
    found: list[type[Screen[object]]] = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Screen)
                and value.__module__ == module.__name__
            ):
                found.append(value)
    return found
